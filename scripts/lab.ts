/**
 * `npm run lab -- up|down|ssh|nas|reboot|status`: the VM lab for end-to-end tests.
 *   up [--direct] [--gpus N]  build the guest image if needed, start the NAS, the apt
 *                             repository and the VM, wait for SSH, print how to reach them
 *   down                      stop and remove everything the lab started
 *   ssh [--user aiws] [CMD…]  ssh into the guest (interactive without CMD)
 *   nas [CMD…]                ssh into the NAS as root
 *   reboot                    reboot the guest from inside and wait for it
 *   status                    what runs, and where
 */
import { spawnSync } from "node:child_process";
import { guestSsh, labDown, labStatus, labUp, rebootGuest, type LabState } from "../src/lab/lab.js";
import { net } from "../src/lab/config.js";
import { sshArgs } from "../src/lab/ssh.js";

function describe(s: LabState): string {
  const lines = [
    `guest      ${s.guest.hostname} ${s.guest.ip}  users: ${s.guest.users.join(", ")} (aiws: passwordless sudo)`,
    `           boot: ${s.boot}; serial console: ${s.guest.serialLog}`,
    ...s.guest.disks.map((d) => `           disk ${d.byId}`),
    `nas        ${s.nas.ip}  backup user ${s.nas.user}, ${s.nas.backupDir} (on the host: ${s.nas.hostBackupDir})`,
    `apt repo   ${s.repo.url}`,
    `           keyring deb: ${s.repo.keyringDebUrl}`,
    `           sources: ${s.repo.sourcesLine}`,
    `keys       lab: ${s.keys.lab}  nas (aiws-backup): ${s.keys.nas}`,
    `ssh        ssh -F ${s.keys.sshConfig} workstation   (or: npm run lab -- ssh)`,
    `           ssh -F ${s.keys.sshConfig} nas`,
  ];
  return lines.join("\n");
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
}

function interactiveSsh(host: string, user: string, command: string[]): number {
  const tty = command.length === 0 && process.stdin.isTTY ? ["-t"] : [];
  const r = spawnSync("ssh", [...sshArgs(host, user, tty), ...command], { stdio: "inherit" });
  return r.status ?? 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case "up": {
      const direct = args.includes("--direct");
      const gpus = flag(args, "--gpus");
      const state = await labUp({
        boot: direct ? "direct" : "disk",
        gpus: gpus === undefined ? undefined : Number(gpus),
        log: (l) => console.log(l),
      });
      console.log(describe(state));
      console.log(
        `timings    ${Object.entries(state.timings)
          .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
          .join(", ")}`,
      );
      return 0;
    }
    case "down":
      await labDown();
      console.log("the lab is down");
      return 0;
    case "ssh": {
      const user = flag(args, "--user") ?? "root";
      if (!(await labStatus()).up) throw new Error("the lab is not up: run `npm run lab -- up`");
      return interactiveSsh(net.guestIp, user, args);
    }
    case "nas":
      if (!(await labStatus()).up) throw new Error("the lab is not up: run `npm run lab -- up`");
      return interactiveSsh(net.nasIp, "root", args);
    case "reboot": {
      const seconds = await rebootGuest();
      const uptime = (await guestSsh("uptime")).stdout.trim();
      console.log(`the guest rebooted and answered SSH after ${seconds.toFixed(1)} s (${uptime})`);
      return 0;
    }
    case "status": {
      const s = await labStatus();
      console.log(
        `lab ${s.up ? "up" : "down"}: qemu ${s.qemu ? "running" : "stopped"}, nas ${s.nas ? "running" : "stopped"}, ` +
          `apt repo ${s.repo ? "serving" : "stopped"}, namespaces: ${s.namespaces.join(" ") || "none"}`,
      );
      if (s.state) console.log(describe(s.state));
      return s.up ? 0 : 3;
    }
    default:
      console.error("usage: npm run lab -- up [--direct] [--gpus N] | down | ssh [--user aiws] [CMD...] | nas [CMD...] | reboot | status");
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`lab: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
