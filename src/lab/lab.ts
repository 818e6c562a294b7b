/**
 * The VM lab's API, for the e2e tests, `npm run demo` and `npm run lab`:
 * a real Debian 12 workstation guest (four NVMe disks, systemd, sshd) and a NAS peer, on a
 * private network, with a local apt repository of stand-in NVIDIA packages.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { guest, nas, net, paths, repo, repoUrl } from "./config.js";
import { buildRepo, isRepoServer, repoServerPids, sourcesLine, startRepoServer } from "./aptRepo.js";
import { ensureHostPackages } from "./hostPackages.js";
import { ensureImage } from "./image.js";
import { ensureKeys } from "./keys.js";
import { nasHostBackupDir, nasPid, nasPidFile, startNas } from "./nas.js";
import { namespacePids, namespaces, networkDown, networkUp } from "./network.js";
import { cmdline, isAlive, sh, terminate, timed } from "./processes.js";
import { nasKnownHostsLine, sshRun, writeSshFiles, type SshOptions, type SshResult } from "./ssh.js";
import { clearState, readState, writeState, type LabState } from "./state.js";
import { startVm, waitForSsh, type BootMode } from "./vm.js";


export type { LabState } from "./state.js";
export type { SshOptions, SshResult } from "./ssh.js";
export type { BootMode } from "./vm.js";
export { ensureHostPackages } from "./hostPackages.js";
export { nvmeById } from "./config.js";

interface LabUpOptions {
  /** `disk` (default): the guest boots its own kernel and initrd through GRUB, so reboots
   * inside it load what it last rebuilt. `direct`: qemu -kernel/-initrd from the image build. */
  readonly boot?: BootMode;
  /** Writes /etc/nvidia-smi-standin.conf with this GPU count (the stand-in defaults to 1). */
  readonly gpus?: number;
  /** How long to wait for the first SSH answer (default 120 s); then `up` fails with the
   * serial console's last 30 lines. */
  readonly sshTimeoutMs?: number;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

interface LabStatus {
  readonly up: boolean;
  readonly state: LabState | undefined;
  readonly qemu: boolean;
  readonly nas: boolean;
  readonly repo: boolean;
  readonly namespaces: readonly string[];
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error("the lab needs root: it creates network namespaces, a bridge and a tap device");
  }
}

/** The recorded state of the running lab, or undefined when none is up. */
export function labState(): LabState | undefined {
  return readState();
}

export async function labStatus(): Promise<LabStatus> {
  const state = readState();
  const qemu = isAlive(state?.guest.qemuPid);
  const nasUp = isAlive(nasPid());
  const repoUp = !!state && isAlive(state.repo.httpPid) && isRepoServer(state.repo.httpPid);
  return { up: !!state && qemu && nasUp && repoUp, state, qemu, nas: nasUp, repo: repoUp, namespaces: await namespaces() };
}

/**
 * Starts the lab (building the guest image first when the cached one is stale) and returns
 * its state once the guest answers SSH. Returns the running lab's state when it is already up.
 */
export async function labUp(opts: LabUpOptions = {}): Promise<LabState> {
  requireRoot();
  const log = opts.log ?? (() => {});
  const boot = opts.boot ?? "disk";
  const status = await labStatus();
  if (status.up && status.state && status.state.boot === boot) {
    log("the lab is already up");
    return status.state;
  }
  await labDown();

  const timings: Record<string, number> = {};
  const start = Date.now();
  const installed = await timed(timings, "host packages", ensureHostPackages);
  if (installed.length) log(`installed host packages: ${installed.join(" ")}`);
  await timed(timings, "keys", ensureKeys);
  const image = await timed(timings, "image", () => ensureImage(log));
  rmSync(paths.runDir, { recursive: true, force: true });
  mkdirSync(paths.runDir, { recursive: true });
  writeSshFiles(image);

  try {
    await timed(timings, "apt repository build", buildRepo);
    await timed(timings, "network", networkUp);
    const httpPid = await timed(timings, "apt repository server", startRepoServer);
    await timed(timings, "nas", () => startNas(image));
    log(`booting the guest (${boot} boot, software emulation)`);
    const vm = await timed(timings, "qemu start", () => startVm(image, boot));
    await timed(timings, "boot to ssh", () => waitForSsh(vm.pid, opts.sshTimeoutMs));
    if (opts.gpus !== undefined) await setStandinGpus(opts.gpus);
    timings.total = (Date.now() - start) / 1000;

    const state: LabState = {
      startedAt: new Date(start).toISOString(),
      boot,
      image: { hash: image.hash, dir: image.dir },
      network: { subnet: net.subnet, hostIp: net.hostIp, namespaces: [net.labNetns, net.nasNetns] },
      guest: {
        ip: net.guestIp,
        hostname: guest.hostname,
        users: ["root", guest.nonRootUser],
        qemuPid: vm.pid,
        serialLog: paths.serialLog,
        qmpSocket: paths.qmpSocket,
        disks: vm.disks,
      },
      nas: {
        ip: net.nasIp,
        user: nas.backupUser,
        backupDir: nas.backupDir,
        hostBackupDir: nasHostBackupDir() ?? "(the NAS is not running)",
        knownHostsLine: nasKnownHostsLine(),
        sshdPidFile: nasPidFile,
      },
      repo: {
        url: repoUrl(),
        sourcesLine: sourcesLine(),
        guestKeyring: repo.guestKeyring,
        hostKeyring: paths.aptKeyring,
        keyringDebUrl: `${repoUrl()}${repo.keyringDeb}`,
        httpPid,
      },
      keys: {
        lab: paths.labKey,
        nas: paths.nasKey,
        nasPub: readFileSync(`${paths.nasKey}.pub`, "utf8").trim(),
        knownHosts: paths.knownHosts,
        sshConfig: paths.sshConfig,
      },
      timings,
    };
    writeState(state);
    return state;
  } catch (err) {
    // Leave nothing half-up behind; the serial log and the other logs stay in .lab/run.
    await labDown({ keepRunDir: true });
    throw err;
  }
}

/**
 * Stops everything the lab started: qemu, the NAS sshd (and its sessions), the HTTP server;
 * deletes the namespaces, veths and bridge; no mount survives (the NAS's live in a private
 * mount namespace). Idempotent, and safe when nothing is up.
 */
export async function labDown(opts: { keepRunDir?: boolean } = {}): Promise<void> {
  requireRoot();
  const state = readState();
  const pids = new Set(await namespacePids());
  const qemuPid = state?.guest.qemuPid;
  // Only the lab's own qemu: a stale state file may name a pid the system has reused.
  if (qemuPid && isAlive(qemuPid) && cmdline(qemuPid).includes("aiws-lab-workstation")) pids.add(qemuPid);
  const nasSshd = nasPid();
  if (nasSshd && isAlive(nasSshd) && (await sh({ nothrow: true })`ip netns identify ${nasSshd}`).stdout.trim() === net.nasNetns) {
    pids.add(nasSshd);
  }
  if (state?.repo.httpPid && isRepoServer(state.repo.httpPid)) pids.add(state.repo.httpPid);
  for (const pid of await repoServerPids()) pids.add(pid);
  await terminate([...pids]);
  await networkDown();
  await unmountLeftovers();
  clearState();
  if (!opts.keepRunDir) {
    // Keep the logs for a post-mortem; drop the disks and the NAS's overlay layers.
    const r = await sh({ nothrow: true })`find ${paths.runDir} -maxdepth 1 -name ${"*.qcow2"}`;
    for (const f of r.stdout.split("\n").filter(Boolean)) rmSync(f, { force: true });
    rmSync(paths.nasDir, { recursive: true, force: true });
  }
}

/** Anything still mounted under .lab (only a build killed halfway could leave one). */
async function unmountLeftovers(): Promise<void> {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m === paths.labDir || m.startsWith(`${paths.labDir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await sh({ nothrow: true })`umount -l ${m}`;
}

function running(): LabState {
  const state = readState();
  if (!state) throw new Error("the lab is not up: run `npm run lab -- up`");
  return state;
}

/** Runs a shell command line on the guest (as root unless `opts.user` says otherwise). */
export async function guestSsh(command: string, opts: SshOptions = {}): Promise<SshResult> {
  running();
  return sshRun(net.guestIp, command, opts);
}

/** Runs a shell command line on the NAS (as root unless `opts.user` says otherwise). */
export async function nasSsh(command: string, opts: SshOptions = {}): Promise<SshResult> {
  running();
  return sshRun(net.nasIp, command, opts);
}

/**
 * Reboots the guest from inside (`systemctl reboot`: qemu resets the machine and it boots
 * again) and waits until SSH answers from the new boot. Returns the seconds it took.
 */
export async function rebootGuest(timeoutMs: number = guest.rebootTimeoutMs): Promise<number> {
  const state = running();
  const start = Date.now();
  const before = (await guestSsh("cat /proc/sys/kernel/random/boot_id")).stdout.trim();
  // The connection may drop before ssh sees an exit status: that is the reboot working.
  await guestSsh("systemctl reboot", { check: false, timeoutMs: 30_000 }).catch(() => undefined);
  await waitForSsh(state.guest.qemuPid, timeoutMs, before);
  return (Date.now() - start) / 1000;
}

/** Sets the number of GPUs the nvidia-smi stand-in reports (a hardware upgrade, for tests). */
async function setStandinGpus(count: number): Promise<void> {
  if (!Number.isInteger(count) || count < 1 || count > 8) throw new Error(`GPU count must be 1-8, got ${count}`);
  await sshRun(net.guestIp, "cat >/etc/nvidia-smi-standin.conf", { input: `count=${count}\n` });
}
