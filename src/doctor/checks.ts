/**
 * `npm run doctor`: what must hold on both sides before the first `pulumi up`, each as one
 * line with the fix. The local side: the Node.js that Pulumi will run the program with, the
 * Pulumi CLI and the command plugin at the versions the program is built against, the
 * passphrase of a stack kept on this machine. The workstation: reachable over SSH with its host
 * key, passwordless sudo for a login other than root, a supported OS, Secure Boot's state (the
 * driver's DKMS modules must then be signed), and the space the driver and CUDA need.
 */
type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to run or change, when it is not ok. */
  readonly fix?: string;
}

/** What the local checks read: found by scripts/doctor.ts, given by hand in the tests. */
export interface LocalFacts {
  /** `node --version` of the first node on PATH (what Pulumi runs the program with); undefined when none. */
  readonly nodeOnPath?: string;
  /** @pulumi/pulumi's engines.node (">=22"). */
  readonly nodeRequired: string;
  /** `pulumi version` ("v3.276.0"); undefined when the CLI is not on PATH. */
  readonly pulumiVersion?: string;
  /** Pulumi.yaml's requiredPulumiVersion (">=3.276.0 <4.0.0"). */
  readonly pulumiRequired?: string;
  /** Versions of the `command` resource plugin installed (`pulumi plugin ls --json`). */
  readonly commandPlugins: readonly string[];
  /** @pulumi/command's own version: the plugin version the program asks for. */
  readonly commandRequired: string;
  /** A stack that keeps its state here: its secrets need the passphrase. */
  readonly stack?: { readonly name: string; readonly passphraseEncrypted: boolean };
  /** PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE is set. */
  readonly passphraseSet: boolean;
}

/** The smallest major version a `>=N` (or `^N`) range allows. */
function minMajor(range: string): number | undefined {
  const m = /(?:>=|\^)\s*v?(\d+)/.exec(range);
  return m ? Number(m[1]) : undefined;
}

function parseVersion(v: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i]! !== b[i]!) return a[i]! - b[i]!;
  return 0;
}

/** Whether a version meets a range of `>=X.Y.Z` and `<X.Y.Z` parts (what Pulumi.yaml uses). */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  for (const part of range.trim().split(/\s+/)) {
    const m = /^(>=|<=|>|<|=)?v?(\d+\.\d+\.\d+)$/.exec(part);
    if (!m) continue;
    const c = compare(v, parseVersion(m[2]!)!);
    const op = m[1] ?? "=";
    if ((op === ">=" && c < 0) || (op === ">" && c <= 0) || (op === "<" && c >= 0) || (op === "<=" && c > 0) || (op === "=" && c !== 0)) return false;
  }
  return true;
}

export function localChecks(f: LocalFacts): Check[] {
  const out: Check[] = [];
  const need = minMajor(f.nodeRequired);
  const major = f.nodeOnPath ? parseVersion(f.nodeOnPath)?.[0] : undefined;
  if (major === undefined) {
    out.push({ name: "Node.js for Pulumi", status: "fail", detail: "no node on PATH: Pulumi runs the program with the first node it finds", fix: 'npm ci, then export PATH="$PWD/node_modules/.bin:$PATH"' });
  } else if (need !== undefined && major < need) {
    out.push({
      name: "Node.js for Pulumi",
      status: "fail",
      detail: `the first node on PATH is ${f.nodeOnPath}, and @pulumi/pulumi needs ${f.nodeRequired}`,
      fix: 'export PATH="$PWD/node_modules/.bin:$PATH" (npm ci brought Node.js 22 there)',
    });
  } else {
    out.push({ name: "Node.js for Pulumi", status: "ok", detail: `${f.nodeOnPath} (needs ${f.nodeRequired})` });
  }
  if (!f.pulumiVersion) {
    out.push({ name: "Pulumi CLI", status: "fail", detail: "pulumi is not on PATH", fix: "curl -fsSL https://get.pulumi.com | sh, then export PATH=\"$HOME/.pulumi/bin:$PATH\" (docs/pulumi-up.md, step 2)" });
  } else if (f.pulumiRequired && !satisfies(f.pulumiVersion, f.pulumiRequired)) {
    out.push({ name: "Pulumi CLI", status: "fail", detail: `pulumi ${f.pulumiVersion}, and Pulumi.yaml asks for ${f.pulumiRequired}`, fix: `install a version in that range: curl -fsSL https://get.pulumi.com | sh -s -- --version ${/>=\s*v?(\d+\.\d+\.\d+)/.exec(f.pulumiRequired)?.[1] ?? "<version>"}` });
  } else {
    out.push({ name: "Pulumi CLI", status: "ok", detail: `pulumi ${f.pulumiVersion}${f.pulumiRequired ? ` (Pulumi.yaml: ${f.pulumiRequired})` : ""}` });
  }
  const want = f.commandRequired.replace(/^v/, "");
  if (f.commandPlugins.some((v) => v.replace(/^v/, "") === want)) {
    out.push({ name: "command plugin", status: "ok", detail: `resource plugin command v${want}` });
  } else {
    out.push({
      name: "command plugin",
      status: f.pulumiVersion ? "fail" : "warn",
      detail: `resource plugin command v${want} is not installed${f.commandPlugins.length ? ` (found: ${f.commandPlugins.map((v) => `v${v.replace(/^v/, "")}`).join(", ")})` : ""}; pulumi would try to download it during the first preview`,
      fix: `pulumi plugin install resource command v${want}`,
    });
  }
  if (f.stack?.passphraseEncrypted && !f.passphraseSet) {
    out.push({
      name: "stack passphrase",
      status: "fail",
      detail: `stack ${f.stack.name} keeps its secrets under a passphrase, and neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set`,
      fix: "export PULUMI_CONFIG_PASSPHRASE_FILE=~/.config/aiws/passphrase (a 0600 file holding it)",
    });
  } else if (f.stack) {
    out.push({ name: "stack passphrase", status: "ok", detail: f.stack.passphraseEncrypted ? `set for stack ${f.stack.name}` : `stack ${f.stack.name} needs none` });
  }
  return out;
}

/** What the host probe prints, `key=value` a line (HOST_PROBE). */
export function parseProbe(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

/**
 * One command line for the login shell, as the SSH user (no sudo, so that sudo itself is
 * what the check tries): the OS, whether `sudo -n` works, Secure Boot, the free space.
 */
export const HOST_PROBE = [
  ". /etc/os-release 2>/dev/null; echo os=$ID $VERSION_ID",
  'echo user=$(id -un)',
  "if [ $(id -u) = 0 ] || sudo -n true 2>/dev/null; then echo sudo=yes; else echo sudo=no; fi",
  "echo secureboot=$(mokutil --sb-state 2>/dev/null | head -n 1 || true)",
  "echo free_usr=$(df -B1 --output=avail /usr 2>/dev/null | tail -n 1)",
  "echo free_var=$(df -B1 --output=avail /var 2>/dev/null | tail -n 1)",
].join("; ");

/** The driver, CUDA and the runtimes' wheels: what a first converge writes under /usr and /var. */
const MIN_FREE_BYTES = 20e9;

/** The line that gives a login passwordless sudo (every step runs as root through `sudo -n`). */
export function sudoersFix(user: string): string {
  return `echo '${user} ALL=(ALL) NOPASSWD:ALL' | sudo tee /etc/sudoers.d/aiws && sudo chmod 0440 /etc/sudoers.d/aiws`;
}

export function hostChecks(probe: Map<string, string>, host: string): Check[] {
  const out: Check[] = [{ name: "SSH", status: "ok", detail: `logged in to ${host} as ${probe.get("user") ?? "?"}, host key checked` }];
  const user = probe.get("user") ?? "";
  if (user !== "root") {
    out.push(
      probe.get("sudo") === "yes"
        ? { name: "sudo", status: "ok", detail: `${user} has passwordless sudo` }
        : {
            name: "sudo",
            status: "fail",
            detail: `${user} cannot run sudo -n: every step runs as root through it`,
            fix: `on the workstation: ${sudoersFix(user)}`,
          },
    );
  }
  const os = probe.get("os") ?? "";
  out.push(
    os === "ubuntu 24.04" || os === "debian 12"
      ? { name: "OS", status: "ok", detail: os }
      : { name: "OS", status: "fail", detail: `${os || "unknown (no /etc/os-release)"}: aiws installs the NVIDIA stack on Ubuntu 24.04 or Debian 12 only`, fix: "install Ubuntu 24.04 or Debian 12 on the workstation" },
  );
  const sb = probe.get("secureboot") ?? "";
  if (/enabled/i.test(sb)) {
    out.push({ name: "Secure Boot", status: "warn", detail: "enabled: the driver's DKMS modules load only when signed with a key enrolled in the firmware (MOK)", fix: "at the console: sudo dkms generate_mok (when /var/lib/dkms/mok.pub is missing), sudo mokutil --import /var/lib/dkms/mok.pub, reboot and choose Enroll MOK; or turn Secure Boot off" });
  } else {
    out.push({ name: "Secure Boot", status: "ok", detail: sb || "not reported (mokutil missing, or a BIOS boot)" });
  }
  const free = Math.min(...["free_usr", "free_var"].map((k) => Number(probe.get(k) ?? Number.NaN)).filter((n) => Number.isFinite(n)));
  if (!Number.isFinite(free)) {
    out.push({ name: "free space", status: "warn", detail: "df did not answer for /usr and /var" });
  } else if (free < MIN_FREE_BYTES) {
    out.push({ name: "free space", status: "fail", detail: `${(free / 1e9).toFixed(1)} GB free under /usr or /var; the driver, CUDA and the runtimes need about ${MIN_FREE_BYTES / 1e9} GB`, fix: "free space on the OS drive (or grow it) before pulumi up" });
  } else {
    out.push({ name: "free space", status: "ok", detail: `${(free / 1e9).toFixed(0)} GB free under /usr and /var` });
  }
  return out;
}

export function formatChecks(title: string, checks: readonly Check[]): string {
  const mark = { ok: "ok  ", warn: "WARN", fail: "FAIL" } as const;
  const lines = [title];
  for (const c of checks) {
    lines.push(`  ${mark[c.status]}  ${c.name}: ${c.detail}`);
    if (c.fix && c.status !== "ok") lines.push(`        fix: ${c.fix}`);
  }
  return lines.join("\n");
}

/**
 * The PATH of the shell that ran `npm run doctor`: npm puts the project's node_modules/.bin (and
 * its ancestors') first, up to its node-gyp-bin entry. `pulumi up`, run from that shell, finds
 * node on the shell's own PATH, so that is the one to judge.
 */
export function shellPath(path: string): string {
  const parts = path.split(":");
  const npmEnd = parts.findIndex((p) => p.endsWith("/node-gyp-bin"));
  return (npmEnd >= 0 ? parts.slice(npmEnd + 1) : parts).join(":");
}
