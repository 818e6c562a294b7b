/**
 * The guest image: built once by lab/image/build-image.sh (debootstrap, about 100 s) and
 * cached under .lab/images/<hash of the build inputs>, so `up` after the first is fast and
 * any change to the scripts, the package list, the lab key or the mirror rebuilds it.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { guest, net, paths } from "./config.js";
import { sh } from "./processes.js";


export interface GuestImage {
  readonly hash: string;
  readonly dir: string;
  /** Raw disk: MBR + GRUB + ext4 root in partition 1. Never written: runs use overlays. */
  readonly disk: string;
  /** Copies of the kernel and initrd built with the image, for `boot: "direct"`. */
  readonly kernel: string;
  readonly initrd: string;
  readonly rootfs: string;
  readonly rootUuid: string;
  /** The guest's SSH host public key. */
  readonly hostKeyPub: string;
}

const imageScripts = ["build-image.sh", "configure-rootfs.sh", "write-mbr.sh", "guest-packages.txt"];

/**
 * The Debian mirror this machine's apt uses for bookworm (the lab has no other way out);
 * AIWS_LAB_MIRROR overrides it.
 */
function debianMirror(): string {
  const override = process.env.AIWS_LAB_MIRROR;
  if (override) return override;
  const candidates: string[] = [];
  const dir = "/etc/apt/sources.list.d";
  const files = existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
  for (const file of ["/etc/apt/sources.list", ...files]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    if (file.endsWith(".sources")) {
      // deb822 stanzas: URIs + Suites
      for (const stanza of text.split(/\n\s*\n/)) {
        const uris = /^URIs:\s*(.+)$/m.exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
        const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
        if (/^Types:.*\bdeb\b/m.test(stanza) && suites.includes("bookworm")) candidates.push(...uris);
      }
    } else if (file.endsWith(".list")) {
      for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/gm)) candidates.push(m[1]!);
    }
  }
  return candidates.find((u) => u.startsWith("http")) ?? "http://deb.debian.org/debian";
}

function imageInputs(): string {
  const h = createHash("sha256");
  for (const f of imageScripts) h.update(`${f}\0${readFileSync(join(paths.scripts, "image", f))}\0`);
  h.update(`mirror\0${debianMirror()}\0`);
  h.update(`key\0${readFileSync(`${paths.labKey}.pub`, "utf8").trim()}\0`);
  h.update(`net\0${net.guestIp}/${net.prefix}\0${guest.hostname}\0${net.nasIp}\0`);
  return h.digest("hex").slice(0, 16);
}

function imageAt(hash: string): GuestImage {
  const dir = join(paths.imagesDir, hash);
  return {
    hash,
    dir,
    disk: join(dir, "disk.img"),
    kernel: join(dir, "vmlinuz"),
    initrd: join(dir, "initrd.img"),
    rootfs: join(dir, "rootfs"),
    rootUuid: existsSync(join(dir, "root-uuid")) ? readFileSync(join(dir, "root-uuid"), "utf8").trim() : "",
    hostKeyPub: existsSync(join(dir, "ssh_host_ed25519_key.pub"))
      ? readFileSync(join(dir, "ssh_host_ed25519_key.pub"), "utf8").trim()
      : "",
  };
}

/** The cached image for the current inputs, building it first when there is none. */
export async function ensureImage(log: (line: string) => void = () => {}): Promise<GuestImage> {
  const hash = imageInputs();
  const dir = join(paths.imagesDir, hash);
  if (existsSync(join(dir, "complete"))) return imageAt(hash);

  mkdirSync(paths.imagesDir, { recursive: true });
  mkdirSync(paths.debootstrapCache, { recursive: true });
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  log(`building the guest image ${hash} (debootstrap from ${debianMirror()}; cached afterwards)`);
  // A private mount namespace: the /proc mounts the build makes vanish with it, even on failure.
  const build = sh({ nothrow: true })`unshare --mount --propagation private ${join(paths.scripts, "image", "build-image.sh")} ${partial} ${debianMirror()} ${paths.debootstrapCache} ${`${paths.labKey}.pub`} ${`${net.guestIp}/${net.prefix}`} ${guest.hostname} ${net.nasIp}`;
  for await (const line of build) log(line.trimEnd());
  const result = await build;
  if (result.exitCode !== 0) {
    throw new Error(`building the guest image failed (exit ${result.exitCode}):\n${result.stderr.trim()}`);
  }
  writeFileSync(join(partial, "complete"), `${new Date().toISOString()}\n`);
  renameSync(partial, dir);
  // Older images only take space; the NAS of a running lab never uses them (up stops it first).
  for (const old of readdirSync(paths.imagesDir)) {
    if (old !== hash) rmSync(join(paths.imagesDir, old), { recursive: true, force: true });
  }
  return imageAt(hash);
}
