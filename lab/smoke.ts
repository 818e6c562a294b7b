/**
 * The lab's own end-to-end check, timed phase by phase: `npx tsx lab/smoke.ts` (as root).
 * Brings the lab up, exercises what the e2e suite relies on (NVMe by-id names, RAID 0, the
 * NAS over SFTP, the stand-in apt repository, a reboot that keeps md0) and brings it down,
 * then checks that nothing is left: no process, namespace, link or mount.
 */
import { readFileSync } from "node:fs";
import { $ } from "zx";
import { guestSsh, labDown, labUp, nvmeById, rebootGuest, type LabState } from "../src/lab/lab.js";
import { guest, net } from "../src/lab/config.js";

const timings: [string, number][] = [];
async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const result = await work();
  const seconds = (Date.now() - start) / 1000;
  timings.push([name, seconds]);
  console.log(`ok  ${name} (${seconds.toFixed(1)} s)`);
  return result;
}

function expect(cond: boolean, what: string): void {
  if (!cond) throw new Error(`smoke: ${what}`);
}

async function sh(command: string, opts: { user?: string; input?: string } = {}): Promise<string> {
  return (await guestSsh(command, opts)).stdout;
}

async function main(): Promise<void> {
  const state: LabState = await phase("up", () => labUp({ log: (l) => console.log(`    ${l}`) }));
  console.log(`    up phases: ${JSON.stringify(state.timings)}`);

  await phase("disks by id", async () => {
    const ids = await sh("ls /dev/disk/by-id/");
    for (const serial of guest.nvmeSerials) expect(ids.includes(nvmeById(serial).split("/").pop()!), `no by-id link for ${serial}`);
    expect((await sh("lsblk -dn -o NAME | grep -c ^nvme")).trim() === "4", "lsblk does not show 4 NVMe disks");
  });

  await phase("non-root sudo", async () => {
    expect((await sh("sudo -n id -u", { user: "aiws" })).trim() === "0", "aiws cannot sudo -n");
  });

  const members = guest.nvmeSerials.map(nvmeById).join(" ");
  await phase("raid0 create + xfs + mount", () =>
    sh(
      `set -e; mdadm --create /dev/md0 --level=0 --raid-devices=4 --chunk=512K --metadata=1.2 --run ${members}
       mkfs.xfs -q /dev/md0; mkdir -p /data
       echo "UUID=$(blkid -s UUID -o value /dev/md0) /data xfs defaults,nofail,x-systemd.device-timeout=120s 0 0" >>/etc/fstab
       systemctl daemon-reload; mount /data; echo canary >/data/canary
       mdadm --detail --scan >>/etc/mdadm/mdadm.conf`,
    ),
  );
  await phase("update-initramfs in the guest", () => sh("update-initramfs -u 2>&1"));

  await phase("restic init + backup to the NAS over sftp", async () => {
    await sh("install -d -m 700 /root/.ssh && cat >/root/.ssh/nas_ed25519 && chmod 600 /root/.ssh/nas_ed25519", {
      input: readFileSync(state.keys.nas, "utf8"),
    });
    await sh(`cat >>/root/.ssh/known_hosts`, { input: `${state.nas.knownHostsLine}\n` });
    const repo = `sftp:${state.nas.user}@${state.nas.ip}:${state.nas.backupDir}/smoke`;
    const ssh = "ssh -i /root/.ssh/nas_ed25519 -o BatchMode=yes";
    await sh(
      `set -e; export RESTIC_PASSWORD=smoke
       restic -o sftp.command="${ssh} ${state.nas.user}@${state.nas.ip} -s sftp" -r ${repo} init
       restic -o sftp.command="${ssh} ${state.nas.user}@${state.nas.ip} -s sftp" -r ${repo} backup /etc /data`,
    );
  });

  await phase("stand-in driver + CUDA from the lab apt repository", async () => {
    const out = await sh(
      `set -e; export DEBIAN_FRONTEND=noninteractive
       curl -fsSLo /tmp/keyring.deb ${state.repo.keyringDebUrl}; dpkg -i /tmp/keyring.deb >/dev/null
       apt-get update -qq; apt-get install -y -qq nvidia-driver-pinning-580 nvidia-open cuda-toolkit-12-8 >/dev/null
       nvidia-smi -pl 250 >/dev/null
       nvidia-smi --query-gpu=name,power.limit --format=csv,noheader; /usr/local/cuda/bin/nvcc --version | tail -2`,
    );
    expect(out.includes("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition, 250.00 W"), `nvidia-smi: ${out}`);
    expect(out.includes("release 12.8"), `nvcc: ${out}`);
  });

  await phase("reboot from inside the guest", () => rebootGuest());
  await phase("after the reboot: md0, /data, limit back to default", async () => {
    const out = await sh("cat /proc/mdstat; findmnt -n -o SOURCE /data; cat /data/canary; nvidia-smi --query-gpu=power.limit --format=csv,noheader");
    expect(/^md0 : active raid0/m.test(out), `array not md0: ${out}`);
    expect(out.includes("/dev/md0") && out.includes("canary"), `/data not mounted: ${out}`);
    expect(out.includes("300.00 W"), `power limit survived a reboot: ${out}`);
  });

  await phase("down", () => labDown());
  await phase("nothing left behind", async () => {
    const netns = (await $`ip netns list`).stdout.trim();
    expect(netns === "", `namespaces left: ${netns}`);
    const links = (await $`ip -o link`).stdout.split("\n").filter((l) => l.includes("aiws-"));
    expect(links.length === 0, `links left: ${links.join("; ")}`);
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => /\.lab|netns|aiws/.test(l));
    expect(mounts.length === 0, `mounts left: ${mounts.join("; ")}`);
    // Zombies are not running: they wait for init to reap them (qemu -daemonize reparents).
    const ps = (await $`ps -eo stat=,args=`).stdout.split("\n");
    const procs = ps.filter((l) => !l.startsWith("Z") && /qemu-system|http\.server|sshd_config_nas|gpg-agent/.test(l));
    expect(procs.length === 0, `processes left: ${procs.join("; ")}`);
    const route = (await $`ip route`).stdout;
    expect(!route.includes(net.subnet), "route to the lab subnet left");
  });

  console.log(timings.map(([n, s]) => `${n}: ${s.toFixed(1)} s`).join("\n"));
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
  await labDown().catch(() => undefined);
});
