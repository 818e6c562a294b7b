/**
 * The lab as a workstation to converge: what the e2e suite, `npm run demo` and
 * `npm run bench:drift` share on top of src/lab/lab.ts.
 *
 * - prepareLab: gives the NAS the lab's fixed host key (lab/nas/host_ed25519_key, pinned by
 *   the lab profiles' backup.nas.hostKey), brings the lab up with four stand-in GPUs, and
 *   builds the stand-in inference runtimes into the directory the lab's HTTP server serves.
 * - labStackConfig: the stack config a `pulumi up` of the lab would have (`aiws:*`), with the
 *   lab's keys and secrets, for the test engine (src/engine/engine.ts).
 * - labTarget: the drift/switch target for the guest, its host key pinned.
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { $ } from "zx";
import { labDown, labState, labUp, type LabState } from "../src/lab/lab.js";
import { net, paths, repoRoot } from "../src/lab/config.js";
import type { Target } from "../src/ssh/target.js";

export const LAB_PROFILES = {
  independent: "lab/profiles/lab-independent.yaml",
  raid0: "lab/profiles/lab-raid0.yaml",
} as const;

/** The guest's NVMe serials, as the lab profiles name them. */
export const LAB_SERIALS = ["AIWSLAB0001", "AIWSLAB0002", "AIWSLAB0003", "AIWSLAB0004"] as const;

/** The stack secrets the lab profiles' plans need, by name. Lab-only values. */
export function labSecrets(): Record<string, string> {
  return {
    backupPassword: "aiws-lab-restic-password-not-secret",
    nasSshKey: readFileSync(paths.nasKey, "utf8"),
    inferenceApiKey: "aiws-lab-inference-key-0123456789",
  };
}

const FIXED_NAS_HOST_KEY = join(repoRoot, "lab", "nas", "host_ed25519_key");

function sameFile(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

/**
 * Brings the lab up ready for the lab profiles: the NAS with the host key they pin, four
 * stand-in GPUs, the stand-in inference runtimes served at http://10.200.0.1:8080/inference/.
 * An already-running lab is reused, unless `fresh` (a new guest from the image) is asked for or
 * its NAS has another host key.
 */
export async function prepareLab(log: (line: string) => void = () => undefined, opts: { fresh?: boolean } = {}): Promise<LabState> {
  if (opts.fresh && labState()) {
    log("bringing the running lab down first: a fresh guest was asked for");
    await labDown();
  }
  const keyChanged = !sameFile(FIXED_NAS_HOST_KEY, paths.nasHostKey) || !sameFile(`${FIXED_NAS_HOST_KEY}.pub`, `${paths.nasHostKey}.pub`);
  if (keyChanged) {
    if (labState()) {
      log("the running lab's NAS has another host key: bringing it down first");
      await labDown();
    }
    $.sync`mkdir -p -m 700 ${paths.keysDir}`;
    copyFileSync(FIXED_NAS_HOST_KEY, paths.nasHostKey);
    copyFileSync(`${FIXED_NAS_HOST_KEY}.pub`, `${paths.nasHostKey}.pub`);
    $.sync`chmod 600 ${paths.nasHostKey}`;
  }
  const state = await labUp({ gpus: 4, log });
  await $({ quiet: true })`${join(repoRoot, "lab", "inference", "build.sh")} ${join(paths.aptRoot, "inference")}`;
  return state;
}

/** The guest's SSH host key (`ssh-ed25519 AAAA...`), from the lab's known_hosts. */
export function guestHostKey(): string {
  const line = readFileSync(paths.knownHosts, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${net.guestIp} `));
  if (!line) throw new Error(`no host key for ${net.guestIp} in ${paths.knownHosts}: is the lab up?`);
  return line.split(/\s+/).slice(1, 3).join(" ");
}

export interface LabStackOptions {
  /** The profile, relative to the repository root (LAB_PROFILES) or absolute. */
  readonly profile: string;
  /** `root` (default) or `aiws` (every step then runs under `sudo -n`). */
  readonly user?: string;
  /** `aiws:repair`, as the drift check's repair command prints it. */
  readonly repair?: string;
}

/** The stack config (`aiws:*`) and which keys are secret, for engineUp. */
export function labStackConfig(o: LabStackOptions): { config: Record<string, string>; secretKeys: string[] } {
  const secrets = labSecrets();
  const config: Record<string, string> = {
    "aiws:profile": o.profile,
    "aiws:host": net.guestIp,
    "aiws:user": o.user ?? "root",
    "aiws:port": "22",
    "aiws:sshPrivateKey": readFileSync(paths.labKey, "utf8"),
    "aiws:hostKey": guestHostKey(),
    ...(o.repair ? { "aiws:repair": o.repair } : {}),
  };
  for (const [k, v] of Object.entries(secrets)) config[`aiws:${k}`] = v;
  return { config, secretKeys: ["aiws:sshPrivateKey", ...Object.keys(secrets).map((k) => `aiws:${k}`)] };
}

/** The guest as the drift and switch commands see it, its host key pinned. */
export function labTarget(profile: string, user = "root"): Target {
  return { ssh: { host: net.guestIp, port: 22, user, identityFile: paths.labKey, trust: { kind: "pinned", hostKey: guestHostKey() } }, profile };
}
