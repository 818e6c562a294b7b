import { lacks } from "../../helpers/systemTools.js";
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { raid0ArrayStep, filesystemStep, mountedStep } from "../../../src/host/storage/steps.js";
import { phaseFile } from "../../../src/step/render.js";
import type { Drive } from "../../../src/profile/schema/hardware.js";
import type { StorageLayout } from "../../../src/host/storage/layout.js";
import type { Step } from "../../../src/step/step.js";
import { canUseLoopDevices, runBash } from "./storageBash.js";

/** What safe mode (src/host/storage/safeMode.sh, the one implementation) asks lsblk for and prints last when it refuses. */
const SAFE_MODE = readFileSync(join(import.meta.dirname, "../../../src/host/storage/safeMode.sh"), "utf8");
const LSBLK_COLUMNS = /^AIWS_LSBLK_COLUMNS=(\S+)$/m.exec(SAFE_MODE)![1]!;
const NOTHING_CHANGED = /^AIWS_NOTHING_CHANGED="([^"]+)"$/m.exec(SAFE_MODE)![1]!;

/**
 * The storage steps' bash, run for real. RAID 0 against a fake kernel (this kernel has no md
 * driver): a sysfs/procfs tree and stand-ins for mdadm, lsblk, wipefs and update-initramfs
 * that keep their state in it. Filesystems and mounts on real loop devices, when the machine
 * allows them.
 */

const FIXTURES = join(import.meta.dirname, "../../fixtures/storage");
const SERIALS = ["2402E8A20001", "2402E8A20002", "2402E8A20003", "2402E8A20004"];
const UUID = "5f3c2a10:8e2b4c71:a9d0e6f3:1b7c4d22";

interface FakeHost {
  root: string;
  members: string[];
  conf: string;
  log: () => string[];
  run: (step: Step, phase: "check" | "apply" | "remove") => { code: number; stdout: string; stderr: string };
}

/** Each fake host's stand-ins and environment, for tests that add one of their own. */
const hostParts = new Map<string, { stubs: Record<string, string>; env: Record<string, string> }>();
const fakeStubs = (h: FakeHost) => hostParts.get(h.root)!.stubs;
const fakeEnv = (h: FakeHost) => hostParts.get(h.root)!.env;

/** A host with four NVMe drives by id, in the states given (fixture names), and no array yet. */
function fakeHost(states: string[], opts: { confText?: string } = {}): FakeHost {
  const root = mkdtempSync(join(tmpdir(), "aiws-md-"));
  for (const d of ["dev", "by-id", "sys/block", "proc", "boot", "etc/mdadm"]) mkdirSync(join(root, d), { recursive: true });
  const members = SERIALS.map((s, i) => {
    const kernel = `nvme${i + 1}n1`;
    writeFileSync(join(root, "dev", kernel), "");
    mkdirSync(join(root, "sys/block", kernel, "holders"), { recursive: true });
    const link = join(root, "by-id", `nvme-CT2000T700SSD3_${s}`);
    symlinkSync(join(root, "dev", kernel), link);
    return link;
  });
  writeFileSync(join(root, "proc/mdstat"), "Personalities : [raid0]\nunused devices: <none>\n");
  const initrd = join(root, "boot", `initrd.img-${execFileSync("uname", ["-r"], { encoding: "utf8" }).trim()}`);
  writeFileSync(initrd, "old");
  utimesSync(initrd, new Date(2020, 0, 1), new Date(2020, 0, 1));
  const conf = join(root, "etc/mdadm/mdadm.conf");
  writeFileSync(conf, opts.confText ?? "HOMEHOST <system>\nMAILADDR root\n");
  writeFileSync(join(root, "map"), members.map((m, i) => `${m} ${join(FIXTURES, states[i]!)}\n`).join(""));
  const log = join(root, "log");
  writeFileSync(log, "");

  // The last line for a device wins (wipefs --all adds one saying it is now empty).
  const lookup = `dev="\${*: -1}"; dir=$(awk -v d="$dev" '$1 == d { found = $2 } END { print found }' "$FAKE/map")`;
  const stubs = {
    lsblk: `${lookup}
[ "$*" = "-P -b -o ${LSBLK_COLUMNS} $dev" ] || { echo "lsblk stub: $*" >&2; exit 99; }
[ -n "$dir" ] || { echo "lsblk: $dev: not a block device" >&2; exit 32; }
# Each member reports its own serial (the one its by-id name ends in), whatever the fixture holds.
serial=\${dev##*_}; sed '1s/SERIAL="[^"]*"/SERIAL="'"$serial"'"/' "$dir/lsblk.pairs"`,
    wipefs: `${lookup}
if [ "$1" = --all ]; then echo "wipefs $*" >>"$FAKE/log"; echo "$dev $FIXTURES/empty" >>"$FAKE/map"; exit 0; fi
[ "$*" = "--no-act --noheadings --output DEVICE,OFFSET,TYPE,USAGE $dev" ] || { echo "wipefs stub: $*" >&2; exit 99; }
cat "$dir/wipefs.txt"`,
    udevadm: "exit 0",
    "update-initramfs": `echo "update-initramfs $*" >>"$FAKE/log"; touch "$FAKE/boot/initrd.img-$(uname -r)"`,
    mdadm: `echo "mdadm $*" >>"$FAKE/log"
case $1 in
  --create)
    md=$(basename "$2"); shift 2
    mkdir -p "$FAKE/sys/block/$md/md" "$FAKE/sys/block/$md/slaves"
    echo raid0 >"$FAKE/sys/block/$md/md/level"; echo 1.2 >"$FAKE/sys/block/$md/md/metadata_version"
    line="$md : active raid0"
    for a in "$@"; do
      case $a in
        --chunk=*) k=\${a#--chunk=}; echo $(( \${k%K} * 1024 )) >"$FAKE/sys/block/$md/md/chunk_size" ;;
        --*) ;;
        *) n=$(basename "$(readlink -f "$a")"); touch "$FAKE/sys/block/$md/slaves/$n"; mkdir -p "$FAKE/sys/block/$n/holders/$md"; line="$line $n" ;;
      esac
    done
    echo "$line" >>"$FAKE/proc/mdstat" ;;
  --detail) echo "ARRAY \${*: -1} metadata=1.2 name=ws:data UUID=${UUID}" ;;
  *) echo "mdadm stub: $*" >&2; exit 99 ;;
esac`,
  };
  const env = { FAKE: root, FIXTURES, AIWS_SYS: join(root, "sys"), AIWS_PROC: join(root, "proc"), AIWS_BOOT: join(root, "boot") };
  hostParts.set(root, { stubs, env });
  return {
    root,
    members,
    conf,
    log: () => readFileSync(log, "utf8").split("\n").filter(Boolean),
    run: (step, phase) => runBash(phaseFile(step, phase), { stubs, env }),
  };
}

/** A running array the fake kernel already has: md NAME on the members, with CHUNK. */
function addArray(h: FakeHost, name: string, chunkKiB: number) {
  const dir = join(h.root, "sys/block", name);
  mkdirSync(join(dir, "md"), { recursive: true });
  mkdirSync(join(dir, "slaves"), { recursive: true });
  writeFileSync(join(dir, "md/level"), "raid0\n");
  writeFileSync(join(dir, "md/chunk_size"), `${chunkKiB * 1024}\n`);
  writeFileSync(join(dir, "md/metadata_version"), "1.2\n");
  const names = [1, 2, 3, 4].map((i) => `nvme${i}n1`);
  for (const n of names) {
    writeFileSync(join(dir, "slaves", n), "");
    mkdirSync(join(h.root, "sys/block", n, "holders", name), { recursive: true });
  }
  writeFileSync(join(h.root, "proc/mdstat"), `Personalities : [raid0]\n${name} : active raid0 ${names.map((n, i) => `${n}[${i}]`).join(" ")}\nunused devices: <none>\n`);
  writeFileSync(join(h.root, "map"), h.members.map((m) => `${m} ${join(FIXTURES, "md-member-active")}\n`).join(""));
}

function arrayStep(h: FakeHost, wipe: string[] = []): Step {
  const drives = h.members.map((id, i) => ({ id, serial: SERIALS[i]!, role: "raid" }) as Drive);
  const step = raid0ArrayStep({ device: "/dev/md0", name: "data", chunkKiB: 512, members: drives }, wipe, ["storage-packages"]);
  return { ...step, vars: { ...step.vars, MDADM_CONF: h.conf } };
}

const ourLine = `ARRAY /dev/md0 metadata=1.2 UUID=${UUID} # aiws storage-raid0-array`;

describe("storage-raid0-array against a fake md kernel", () => {
  it("creates the array on four empty drives, then mdadm.conf, then the initramfs; a second run changes nothing", () => {
    const h = fakeHost(["empty", "empty", "empty", "empty"]);
    const step = arrayStep(h);
    const before = h.run(step, "check");
    expect(before.code).toBe(1);
    expect(before.stdout).toContain("/dev/md0 is not an active array");
    expect(before.stdout).toContain("apply would create it on:");

    const apply = h.run(step, "apply");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(h.log()).toEqual([
      `mdadm --create /dev/md0 --name=data --level=0 --raid-devices=4 --chunk=512K --metadata=1.2 --run ${h.members.join(" ")}`,
      "mdadm --detail --brief /dev/md0",
      "update-initramfs -u",
    ]);
    expect(readFileSync(h.conf, "utf8")).toBe(`HOMEHOST <system>\nMAILADDR root\n${ourLine}\n`);
    expect(h.run(step, "check")).toMatchObject({ code: 0, stdout: "" });

    const again = h.run(step, "apply");
    expect(again).toMatchObject({ code: 0, stdout: "" });
    expect(h.log().filter((l) => l.startsWith("mdadm --create") || l.startsWith("update-initramfs"))).toHaveLength(2);
  });

  it("refuses, changing nothing, when a member holds a filesystem; names the drive and the wipe line", () => {
    const h = fakeHost(["empty", "xfs", "empty", "empty"]);
    const step = arrayStep(h);
    const conf = readFileSync(h.conf, "utf8");
    const refusal = [
      `refusing to use ${h.members[1]} (serial 2402E8A20002): it holds xfs filesystem at 0x0`,
      `  to let aiws destroy what is on it, set in the profile: storage.wipe: ["2402E8A20002"]`,
      NOTHING_CHANGED,
    ].join("\n");
    const check = h.run(step, "check");
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`apply would refuse:\n${refusal}`);
    const apply = h.run(step, "apply");
    expect(apply.code).toBe(1);
    expect(apply.stdout.trim()).toBe(refusal);
    expect(h.log()).toEqual([]);
    expect(readFileSync(h.conf, "utf8")).toBe(conf);
  });

  it("wipes a member whose serial is in storage.wipe, then creates", () => {
    // md-member's fixture is the drive with serial 2402E8A20001 (the safe mode checks serials).
    const h = fakeHost(["md-member", "xfs", "empty", "empty"]);
    const apply = h.run(arrayStep(h, ["2402E8A20001", "2402E8A20002"]), "apply");
    expect(apply).toMatchObject({ code: 0, stderr: "" });
    expect(apply.stdout).toContain(`wiping ${h.members[0]}: its serial is in storage.wipe`);
    expect(h.log().slice(0, 3)).toEqual([`wipefs --all --quiet ${h.members[0]}`, `wipefs --all --quiet ${h.members[1]}`, expect.stringMatching(/^mdadm --create \/dev\/md0 /)]);
  });

  it("never destroys a filesystem aiws made (recorded by UUID), even with the serial in storage.wipe, until its UUID is confirmed once", () => {
    const h = fakeHost(["md-member", "xfs", "empty", "empty"]);
    const record = join(h.root, "filesystems-made");
    const fsUuid = "0b7e0f6a-3c1d-4f7e-9a55-6d2c1e0f9b21";
    writeFileSync(record, `${fsUuid} /dev/disk/by-id/nvme-CT2000T700SSD3_2402E8A20002 2026-03-01T09:00:00Z 2402E8A20002\n`);
    // blkid answers for the member that holds the XFS aiws made.
    const blkid = `[ "\${*: -1}" = "${h.members[1]}" ] && echo ${fsUuid}`;
    const run = (step: Step, extra: Record<string, string> = {}) =>
      runBash(phaseFile(step, "apply"), { stubs: { ...fakeStubs(h), blkid }, env: { ...fakeEnv(h), AIWS_FS_RECORD: record, ...extra } });
    const wipe = ["2402E8A20001", "2402E8A20002"];
    const refused = run(arrayStep(h, wipe));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`refusing to use ${h.members[1]} (serial 2402E8A20002): it holds the filesystem (or RAID array) aiws made on 2026-03-01T09:00:00Z (UUID ${fsUuid}), which may hold your data by now; storage.wipe alone does not destroy it again`);
    expect(refused.stdout).toContain(`  to destroy it once, set in the profile: storage.reformat: ["${fsUuid}"]`);
    expect(h.log()).toEqual([]);
    // Confirmed by the migration on the host, or in the profile: created.
    const confirmed = join(h.root, "reformat-confirmed");
    writeFileSync(confirmed, `${fsUuid}\n`);
    expect(run(arrayStep(h, wipe), { AIWS_REFORMAT_CONFIRMED: confirmed })).toMatchObject({ code: 0 });
    expect(h.log().some((l) => l.startsWith("mdadm --create"))).toBe(true);
    // The new array's members are recorded in turn (blkid answers for the one it knows).
    expect(readFileSync(record, "utf8").split("\n").filter(Boolean)).toEqual([
      expect.stringContaining(fsUuid),
      expect.stringMatching(new RegExp(`^${fsUuid} ${h.members[1]} \\S+ 2402E8A20002$`)),
    ]);
  });

  it("names an array found running as md127 in mdadm.conf and asks for a reboot, without re-creating it", () => {
    const h = fakeHost(["empty", "empty", "empty", "empty"], { confText: `MAILADDR root\nARRAY /dev/md/data metadata=1.2 UUID=${UUID} name=ws:data\n` });
    addArray(h, "md127", 512);
    const step = arrayStep(h);
    const apply = h.run(step, "apply");
    expect(apply).toMatchObject({ code: 0, reboot: true });
    expect(apply.stdout).toContain("the array is active as /dev/md127");
    expect(h.log()).toEqual(["mdadm --detail --brief /dev/md127", "update-initramfs -u"]);
    // The ARRAY line mdadm's package wrote for the same array is replaced: one line per array.
    expect(readFileSync(h.conf, "utf8")).toBe(`MAILADDR root\n${ourLine}\n`);
  });

  it("refuses to touch a /dev/md0 that differs from the profile (here: its chunk)", () => {
    const h = fakeHost(["empty", "empty", "empty", "empty"]);
    addArray(h, "md0", 64);
    const apply = h.run(arrayStep(h), "apply");
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain("/dev/md0 has a 64 KiB chunk; the profile says 512 KiB");
    expect(apply.stdout).toContain("aiws never stops, reshapes or re-creates an array");
    expect(h.log()).toEqual([]);
  });

  it("refuses, changing nothing, when the members and their serials do not pair up line by line", () => {
    const h = fakeHost(["empty", "empty", "empty", "empty"]);
    const step = arrayStep(h);
    const skewed = { ...step, vars: { ...step.vars, MEMBER_SERIALS: `X\n${step.vars.MEMBER_SERIALS}` } };
    for (const phase of ["check", "apply"] as const) {
      const r = h.run(skewed, phase);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("4 RAID members but 5 serials");
    }
    expect(h.log()).toEqual([]);
  });

  it("on remove drops only its ARRAY line and rebuilds the initramfs; the array keeps running", () => {
    const h = fakeHost(["empty", "empty", "empty", "empty"]);
    const step = arrayStep(h);
    h.run(step, "apply");
    writeFileSync(h.conf, `${readFileSync(h.conf, "utf8")}ARRAY /dev/md1 metadata=1.2 UUID=00000000:00000000:00000000:00000001\n`);
    const remove = h.run(step, "remove");
    expect(remove.code).toBe(0);
    expect(readFileSync(h.conf, "utf8")).toBe("HOMEHOST <system>\nMAILADDR root\nARRAY /dev/md1 metadata=1.2 UUID=00000000:00000000:00000000:00000001\n");
    expect(h.log().filter((l) => /--stop|--zero/.test(l))).toEqual([]);
    expect(h.log().at(-1)).toBe("update-initramfs -u");
    expect(existsSync(join(h.root, "sys/block/md0"))).toBe(true);
  });
});

const loops: string[] = [];
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.reverse()) spawnSync("umount", [m]);
  for (const l of loops) spawnSync("losetup", ["-d", l]);
});

function loopDevice(dir: string, sizeMiB: number): string {
  const img = join(dir, `disk${loops.length}.img`);
  writeFileSync(img, "");
  execFileSync("truncate", ["-s", `${sizeMiB}M`, img]);
  const dev = execFileSync("losetup", ["-f", "--show", img], { encoding: "utf8" }).trim();
  loops.push(dev);
  return dev;
}

const blkid = (dev: string, tag: string) => spawnSync("blkid", ["-p", "-o", "value", "-s", tag, dev], { encoding: "utf8" }).stdout.trim();

describe.skipIf(!canUseLoopDevices() || lacks("mkfs.ext4"))("storage filesystem and mount steps on loop devices", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiws-loop-"));
  afterAll(() => {
    for (const m of mounts.splice(0).reverse()) spawnSync("umount", [m]);
    for (const l of loops.splice(0)) spawnSync("losetup", ["-d", l]);
    rmSync(dir, { recursive: true, force: true });
  });

  const fsStep = (device: string, over: Partial<{ fstype: "xfs" | "ext4"; mkfsArgs: string[]; wipe: string[] }> = {}) =>
    filesystemStep(
      { slug: "data", device, kind: "drive", serials: ["LOOPSERIAL1"], fstype: over.fstype ?? "ext4", label: "aiws-data", mkfsArgs: over.mkfsArgs ?? [], mountpoint: "/data" },
      over.wipe ?? [],
      ["storage-packages"],
    );
  // A loop device reports TYPE "loop" and no serial, and safe mode accepts only a whole disk
  // that reports one: this lsblk answers as the NVMe drive the loop device stands in for.
  const realLsblk = spawnSync("bash", ["-c", "command -v lsblk"], { encoding: "utf8" }).stdout.trim();
  const asDisk = { lsblk: `set -o pipefail; ${realLsblk} "$@" | sed '1s/TYPE="loop"/TYPE="disk"/; 1s/SERIAL=""/SERIAL="LOOPSERIAL1"/'` };
  const run = (step: Step, phase: "check" | "apply" | "remove") => runBash(phaseFile(step, phase), { stubs: asDisk });

  it("makes ext4 on an empty drive, and then leaves it alone", () => {
    const dev = loopDevice(dir, 64);
    const step = fsStep(dev);
    const check = run(step, "check");
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`${dev} holds no filesystem; the profile wants ext4 labelled aiws-data`);
    expect(check.stdout).toContain("apply would make it");
    expect(run(step, "apply")).toMatchObject({ code: 0 });
    expect([blkid(dev, "TYPE"), blkid(dev, "LABEL")]).toEqual(["ext4", "aiws-data"]);
    const uuid = blkid(dev, "UUID");
    expect(run(step, "check")).toMatchObject({ code: 0, stdout: "" });
    expect(run(step, "apply")).toMatchObject({ code: 0, stdout: "" });
    expect(blkid(dev, "UUID")).toBe(uuid);
  });

  it("refuses a drive that holds someone else's filesystem, and formats it once its serial is in storage.wipe", () => {
    const dev = loopDevice(dir, 64);
    execFileSync("mkfs.ext4", ["-q", "-L", "photos", dev]);
    const uuid = blkid(dev, "UUID");
    const refused = run(fsStep(dev), "apply");
    expect(refused.code).toBe(1);
    expect(refused.stdout.trim()).toBe(
      [
        `refusing to use ${dev} (serial LOOPSERIAL1): it holds ext4 filesystem at 0x438`,
        `  to let aiws destroy what is on it, set in the profile: storage.wipe: ["LOOPSERIAL1"]`,
        NOTHING_CHANGED,
      ].join("\n"),
    );
    expect([blkid(dev, "UUID"), blkid(dev, "LABEL")]).toEqual([uuid, "photos"]);
    const wiped = run(fsStep(dev, { wipe: ["LOOPSERIAL1"] }), "apply");
    expect(wiped.code).toBe(0);
    expect(wiped.stdout).toContain(`wiping ${dev}: storage.wipe names it`);
    expect(blkid(dev, "LABEL")).toBe("aiws-data");
    expect(blkid(dev, "UUID")).not.toBe(uuid);
  });

  it("records the filesystem it made; a later profile that wants another filesystem there is refused until the UUID is confirmed", () => {
    const dev = loopDevice(dir, 64);
    const record = join(dir, `made-${dev.replace(/\//g, "_")}`);
    const env = { AIWS_FS_RECORD: record };
    const apply = (step: Step) => runBash(phaseFile(step, "apply"), { stubs: asDisk, env });
    expect(apply(fsStep(dev, { wipe: ["LOOPSERIAL1"] })).code).toBe(0);
    const uuid = blkid(dev, "UUID");
    expect(readFileSync(record, "utf8")).toMatch(new RegExp(`^${uuid} ${dev} \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z LOOPSERIAL1\\n$`));
    // The owner's files by now; then a profile change relabels it, the serial still in storage.wipe.
    const relabel = (reformat: string[] = []) => filesystemStep({ slug: "data", device: dev, kind: "drive", serials: ["LOOPSERIAL1"], fstype: "ext4", label: "aiws-scratch", mkfsArgs: [], mountpoint: "/scratch" }, ["LOOPSERIAL1"], ["storage-packages"], reformat);
    const refused = apply(relabel());
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`it holds the filesystem (or RAID array) aiws made on `);
    expect(refused.stdout).toContain(`storage.reformat: ["${uuid}"]`);
    expect(blkid(dev, "UUID")).toBe(uuid);
    expect(apply(relabel([uuid])).code).toBe(0);
    expect(blkid(dev, "LABEL")).toBe("aiws-scratch");
    expect(blkid(dev, "UUID")).not.toBe(uuid);
  });

  it.skipIf(lacks("mkfs.xfs", "xfs_db"))("makes XFS with the stripe geometry", () => {
    const dev = loopDevice(dir, 1024); // sparse; XFS wants a 64 MiB log
    const step = fsStep(dev, { fstype: "xfs", mkfsArgs: ["-d", "su=512k,sw=4"] });
    expect(run(step, "apply")).toMatchObject({ code: 0 });
    expect(run(step, "check")).toMatchObject({ code: 0 });
    const info = execFileSync("xfs_db", ["-r", "-c", "sb 0", "-c", "print unit width", dev], { encoding: "utf8" });
    // 512 KiB = 128 blocks of 4 KiB; 4 data drives = 512 blocks.
    expect(info).toContain("unit = 128");
    expect(info).toContain("width = 512");
  });

  it("writes the fstab line by UUID, mounts it, keeps other lines, refuses a foreign line, and removes only its own", () => {
    const dev = loopDevice(dir, 64);
    execFileSync("mkfs.ext4", ["-q", "-L", "aiws-data", dev]);
    const uuid = blkid(dev, "UUID");
    const mp = join(dir, "data");
    const fstab = join(dir, "fstab");
    const other = "UUID=1234-ABCD /boot/efi vfat umask=0077 0 1\n";
    writeFileSync(fstab, other);
    const layout = { config: { deviceTimeoutSec: 30 }, filesystems: [{ device: dev, mountpoint: mp, fstype: "ext4" }] } as unknown as StorageLayout;
    const base = mountedStep(layout, ["storage-filesystem-data"]);
    const step = { ...base, vars: { ...base.vars, FSTAB: fstab } };
    expect(run(step, "check").stdout).toContain("nothing is mounted at");
    const apply = run(step, "apply");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    mounts.push(mp);
    const line = `UUID=${uuid} ${mp} ext4 defaults,noatime,nofail,x-systemd.device-timeout=30s 0 2`;
    expect(readFileSync(fstab, "utf8")).toBe(`${other}# aiws storage-mounted ${mp}\n${line}\n`);
    expect(execFileSync("findmnt", ["-n", "-o", "SOURCE", "--mountpoint", mp], { encoding: "utf8" }).trim()).toBe(dev);
    expect(run(step, "check")).toMatchObject({ code: 0, stdout: "" });
    const mtime = statSync(fstab).mtimeMs;
    expect(run(step, "apply")).toMatchObject({ code: 0, stdout: "" });
    expect(statSync(fstab).mtimeMs).toBe(mtime);

    writeFileSync(fstab, `${readFileSync(fstab, "utf8")}/dev/sdz1 ${mp} ext4 defaults 0 2\n`);
    const foreign = run(step, "apply");
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toContain(`already mounts something at ${mp} with a line aiws did not write`);
    writeFileSync(fstab, `${other}# aiws storage-mounted ${mp}\n${line}\n`);

    const remove = run(step, "remove");
    expect(remove.code).toBe(0);
    expect(readFileSync(fstab, "utf8")).toBe(other);
    expect(execFileSync("findmnt", ["-n", "-o", "SOURCE", "--mountpoint", mp], { encoding: "utf8" }).trim()).toBe(dev);
  });
});
