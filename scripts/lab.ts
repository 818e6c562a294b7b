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
import { InputError, runCommand, UsageError, type CommandSpec, type ParsedArgs } from "../src/cli.js";

const LAB: CommandSpec = {
  name: "lab",
  usage: "up [--direct] [--gpus N] | down | ssh [--user USER] [-- CMD...] | nas [-- CMD...] | reboot | status",
  description: [
    "The VM lab for the end-to-end tests (docs/lab.md): a Debian 12 guest under qemu with four",
    "NVMe disks and stand-in GPUs, a NAS beside it, and a local apt repository. Needs root.",
    "",
    "  up       build the guest image if needed, start the NAS, the apt repository and the VM,",
    "           wait for SSH, print how to reach them",
    "  down     stop and remove everything the lab started",
    "  ssh      ssh into the guest (interactive without CMD)",
    "  nas      ssh into the NAS as root",
    "  reboot   reboot the guest from inside and wait for it",
    "  status   what runs, and where (exit 3 when the lab is down)",
  ].join("\n"),
  positionals: { COMMAND: "up, down, ssh, nas, reboot or status", "CMD...": "with ssh and nas: the command to run on the guest or the NAS (after -- when it has options)" },
  options: {
    direct: { type: "boolean", help: "with up: boot the kernel directly instead of from the guest's disk" },
    gpus: { type: "string", value: "N", help: "with up: how many stand-in GPUs the guest has, 1 to 8 (default: the stand-in's own, 1)" },
    user: { type: "string", value: "USER", help: "with ssh: the guest login (root or aiws; default root)" },
  },
  exitCodes: { 0: "done", 1: "the lab failed (the message says where)", 2: "the command line is wrong", 3: "status: the lab is down" },
  examples: ["npm run lab -- up", "npm run lab -- ssh --user aiws -- nvidia-smi -L", "npm run lab -- down"],
};

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

function interactiveSsh(host: string, user: string, command: string[]): number {
  const tty = command.length === 0 && process.stdin.isTTY ? ["-t"] : [];
  const r = spawnSync("ssh", [...sshArgs(host, user, tty), ...command], { stdio: "inherit" });
  return r.status ?? 1;
}

/** Splits `ssh --user aiws -- ls -la` (or `ssh ls`) into the lab's own options and the remote command. */
function splitRemoteCommand(argv: readonly string[]): { own: string[]; remote: string[] } {
  const dash = argv.indexOf("--");
  if (dash >= 0) return { own: argv.slice(0, dash), remote: argv.slice(dash + 1) };
  const own: string[] = [];
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith("-"); i++) {
    own.push(argv[i]!);
    if (argv[i] === "--user" && i + 1 < argv.length) own.push(argv[++i]!);
  }
  return { own, remote: argv.slice(i) };
}

async function main({ opts, flags, positionals }: ParsedArgs, remote: string[]): Promise<number> {
  const [command, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]} (a command for ssh or nas goes after --)`);
  switch (command) {
    case "up": {
      const gpus = opts.gpus === undefined ? undefined : Number(opts.gpus);
      if (gpus !== undefined && !(Number.isInteger(gpus) && gpus >= 1 && gpus <= 8)) throw new UsageError(`--gpus ${opts.gpus}: give a whole number from 1 to 8`);
      const state = await labUp({
        boot: flags.has("direct") ? "direct" : "disk",
        gpus,
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
      if (!(await labStatus()).up) throw new InputError("the lab is not up: run `npm run lab -- up`");
      return interactiveSsh(net.guestIp, opts.user ?? "root", remote);
    }
    case "nas":
      if (!(await labStatus()).up) throw new InputError("the lab is not up: run `npm run lab -- up`");
      return interactiveSsh(net.nasIp, "root", remote);
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
      throw new UsageError(command === undefined ? "name a command: up, down, ssh, nas, reboot or status" : `unknown command ${command}: up, down, ssh, nas, reboot or status`);
  }
}

/** `ssh --user aiws -- ls -la`: the lab's own arguments, and the command for the guest. */
function splitArgv(argv: readonly string[]): { own: string[]; remote: string[] } {
  const first = argv.findIndex((a) => !a.startsWith("-"));
  if (first < 0 || (argv[first] !== "ssh" && argv[first] !== "nas")) return { own: [...argv], remote: [] };
  const { own, remote } = splitRemoteCommand(argv.slice(first + 1));
  return { own: [...argv.slice(0, first + 1), ...own], remote };
}

const { own, remote } = splitArgv(process.argv.slice(2));
// The lab's own failures (qemu, debootstrap, a namespace) are reported in one line, exit 1.
await runCommand(
  LAB,
  async (args) => {
    try {
      return await main(args, remote);
    } catch (e) {
      if (e instanceof UsageError || e instanceof InputError) throw e;
      console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
  },
  own,
);
