/**
 * The lab's apt repository: stand-in packages under the real names the driver and CUDA steps
 * install (lab/apt/standins.list), signed with a lab key, served over HTTP on the host's lab
 * address only. The layout mirrors NVIDIA's CUDA repository for Debian 12, so the steps run
 * their real apt logic: fetch cuda-keyring_1.1-1_all.deb, take its checked keyring, write the
 * apt source, apt-get update, install.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, copyFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { net, paths, repo, repoUrl } from "./config.js";
import { cmdline, isAlive, sh, sleep } from "./processes.js";


/** Rebuilds the repository from lab/apt (a second or two), making the signing key once. */
export async function buildRepo(): Promise<void> {
  const apt = join(paths.scripts, "apt");
  mkdirSync(paths.aptDir, { recursive: true });
  await sh`${join(apt, "lab-key.sh")} ${paths.aptGnupg} ${paths.aptKeyring}`;
  await sh`rm -rf ${paths.aptPackages}`;
  await sh`${join(apt, "make-standins.sh")} ${paths.aptPackages} ${repoUrl()} ${paths.aptKeyring}`;
  const sources = [paths.aptPackages];
  // Hand-written package trees (lab/apt/packages/<name>_<version>/DEBIAN/control) join them.
  if (existsSync(join(apt, "packages"))) sources.push(join(apt, "packages"));
  await sh`rm -rf ${paths.aptRoot}`;
  await sh`${join(apt, "build-repo.sh")} ${join(paths.aptRoot, repo.path)} ${paths.aptGnupg} ${sources}`;
  copyFileSync(paths.aptKeyring, join(paths.aptRoot, "lab-archive-keyring.gpg"));
}

function python(): string {
  return existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

async function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 1000 });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
    s.once("timeout", () => (s.destroy(), resolve(false)));
  });
}

/** Starts the HTTP server (bound to the lab address only) and returns its pid. */
export async function startRepoServer(): Promise<number> {
  const log = openSync(paths.httpLog, "a");
  const child = spawn(
    python(),
    ["-m", "http.server", String(net.repoPort), "--bind", net.hostIp, "--directory", paths.aptRoot],
    { detached: true, stdio: ["ignore", log, log] },
  );
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error("could not start the lab apt repository's HTTP server");
  for (let i = 0; i < 100; i++) {
    if (await portOpen(net.hostIp, net.repoPort)) return pid;
    if (!isAlive(pid)) break;
    await sleep(100);
  }
  throw new Error(`the lab apt repository's HTTP server did not start; see ${paths.httpLog}`);
}

/** True when `pid` is this lab's repository server (guards against a reused pid). */
export function isRepoServer(pid: number): boolean {
  const cmd = cmdline(pid);
  return cmd.includes("http.server") && cmd.includes(paths.aptRoot);
}

/** Pids of repository servers this lab started, found by their command line. */
export async function repoServerPids(): Promise<number[]> {
  const r = await sh({ nothrow: true })`pgrep -f ${`http.server ${net.repoPort} --bind ${net.hostIp}`}`;
  return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter(isRepoServer);
}

export function sourcesLine(): string {
  return `deb [signed-by=${repo.guestKeyring}] ${repoUrl()} /`;
}
