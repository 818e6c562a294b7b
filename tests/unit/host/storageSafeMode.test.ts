import { describe, expect, it } from "vitest";
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  LSBLK_COLUMNS,
  NOTHING_CHANGED,
  describeContents,
  parseLsblkJson,
  parseWipefsJson,
  safeModeDecision,
  wipeLine,
  type DriveProbe,
  type SafeModeTarget,
} from "./safeModeOracle.js";
import { storageSh } from "../../../src/host/storage/sh.js";
import { runBash, script } from "./storageBash.js";
import { shellcheck } from "../../helpers/lint.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures/storage");
const CASES = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/**
 * A fixture's directory. "ext4@SERIAL" is the ext4 fixture as another drive of the same kind
 * reports it: the same contents, its own serial (the fixtures report 2402E8A20001).
 */
function fixtureDir(spec: string): string {
  const [name, serial] = spec.split("@") as [string, string | undefined];
  if (serial === undefined) return join(FIXTURES, name);
  const dir = mkdtempSync(join(tmpdir(), "aiws-fixture-"));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  for (const f of ["lsblk.pairs", "lsblk.json"]) {
    if (existsSync(join(dir, f))) writeFileSync(join(dir, f), readFileSync(join(dir, f), "utf8").replace("2402E8A20001", serial));
  }
  return dir;
}

function probe(spec: string): DriveProbe {
  const dir = fixtureDir(spec);
  const lsblk = existsSync(join(dir, "lsblk.json")) ? parseLsblkJson(readFileSync(join(dir, "lsblk.json"), "utf8")) : null;
  const signatures = existsSync(join(dir, "wipefs.json")) ? parseWipefsJson(readFileSync(join(dir, "wipefs.json"), "utf8")) : [];
  return { lsblk, signatures };
}

const M1 = "/dev/disk/by-id/nvme-CT2000T700SSD3_2402E8A20001";
const M2 = "/dev/disk/by-id/nvme-CT2000T700SSD3_2402E8A20002";
const M3 = "/dev/disk/by-id/nvme-CT2000T700SSD3_2402E8A20003";
const M4 = "/dev/disk/by-id/nvme-CT2000T700SSD3_2402E8A20004";
const drive = (path: string, serial: string): SafeModeTarget => ({ path, kind: "drive", serials: [serial] });

/** Stand-ins for lsblk and wipefs that print a fixture per device, and insist on the exact arguments. */
function stubs(map: Record<string, string>): { stubs: Record<string, string>; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "aiws-sm-"));
  const mapFile = join(dir, "map");
  writeFileSync(mapFile, Object.entries(map).map(([dev, c]) => `${dev} ${fixtureDir(c)}\n`).join(""));
  const lookup = `dev="\${*: -1}"; dir=$(awk -v d="$dev" '$1 == d { print $2 }' "$AIWS_STUB_MAP")`;
  return {
    env: { AIWS_STUB_MAP: mapFile },
    stubs: {
      lsblk: `${lookup}
[ "$*" = "-P -b -o ${LSBLK_COLUMNS} $dev" ] || { echo "lsblk stub: unexpected arguments: $*" >&2; exit 99; }
if [ -z "$dir" ] || [ -f "$dir/lsblk.rc" ]; then echo "lsblk: $dev: not a block device" >&2; exit 32; fi
cat "$dir/lsblk.pairs"`,
      wipefs: `${lookup}
[ "$*" = "--no-act --noheadings --output DEVICE,OFFSET,TYPE,USAGE $dev" ] || { echo "wipefs stub: unexpected arguments: $*" >&2; exit 99; }
cat "$dir/wipefs.txt"`,
      udevadm: "exit 0",
    },
  };
}

/** The same decision, made by safeMode.sh against the fixtures through the stand-ins. */
function bashDecision(targets: { target: SafeModeTarget; fixture: string }[], wipe: string[]) {
  const { stubs: s, env } = stubs(Object.fromEntries(targets.map((t) => [t.target.path, t.fixture])));
  const calls = targets
    .map(({ target }) => `aiws_safe_mode_target ${target.kind} ${[target.path, ...target.serials].map((x) => `'${x}'`).join(" ")} || exit 2`)
    .join("\n");
  const body = `${storageSh("safeMode.sh")}
aiws_safe_mode_reset
${calls}
rc=0
aiws_safe_mode_report || rc=$?
echo "WIPE_PATHS=\${AIWS_WIPE_PATHS[*]}"
exit "$rc"
`;
  const r = runBash(script({ WIPE: wipe.join("\n") }, body), { stubs: s, env });
  const out = r.stdout.trimEnd().split("\n");
  const last = out.pop() ?? "";
  return { code: r.code, text: out.join("\n"), wipe: last.replace(/^WIPE_PATHS=/, "").split(" ").filter(Boolean), stderr: r.stderr };
}

function tsDecision(targets: { target: SafeModeTarget; fixture: string }[], wipe: string[]) {
  return safeModeDecision(
    targets.map((t) => ({ target: t.target, probe: probe(t.fixture) })),
    wipe,
  );
}

describe("safe mode on real lsblk/wipefs outputs", () => {
  it("has the fixtures it is about", () => {
    expect(CASES).toEqual(
      expect.arrayContaining(["empty", "ext4", "xfs", "swap", "gpt", "dos", "mounted", "gpt-mounted", "missing", "md-member", "md-member-active", "other-drive", "partition", "no-serial"]),
    );
  });

  it("says what is on each drive", () => {
    const what = (c: string) => describeContents(probe(c));
    expect(what("empty")).toEqual({ items: [], inUse: false });
    expect(what("ext4")).toEqual({ items: ["ext4 filesystem at 0x438"], inUse: false });
    expect(what("xfs")).toEqual({ items: ["xfs filesystem at 0x0"], inUse: false });
    expect(what("swap")).toEqual({ items: ["swap signature at 0xff6"], inUse: false });
    expect(what("gpt").items[0]).toMatch(/^gpt partition table at 0x200, 0x3fffe00$/);
    expect(what("gpt").items).toContain("PMBR partition table at 0x1fe");
    expect(what("gpt").items.filter((i) => i.startsWith("partition "))).toHaveLength(2);
    expect(what("gpt").inUse).toBe(false);
    expect(what("dos").items[0]).toMatch(/^dos partition table at 0x1fe$/);
    expect(what("mounted")).toEqual({ items: ["ext4 filesystem at 0x438", "mounted at /tmp/aiws-capture-mnt"], inUse: true });
    expect(what("gpt-mounted").items).toContain(`partition ${probe("gpt-mounted").lsblk!.name}p1 (mounted at /tmp/aiws-capture-part)`);
    expect(what("gpt-mounted").inUse).toBe(true);
    expect(what("md-member")).toEqual({ items: ["linux_raid_member RAID superblock at 0x1000"], inUse: false });
    expect(what("md-member-active")).toEqual({ items: ["linux_raid_member RAID superblock at 0x1000", "raid0 md0 (xfs, mounted at /data)"], inUse: true });
  });

  it("refuses a RAID member that holds a filesystem, naming drive, contents and the wipe line", () => {
    const d = tsDecision([{ target: drive(M1, "2402E8A20001"), fixture: "xfs" }], []);
    expect(d.allowed).toBe(false);
    if (d.allowed) return;
    expect(d.text).toBe(
      [
        `refusing to use ${M1} (serial 2402E8A20001): it holds xfs filesystem at 0x0`,
        `  to let aiws destroy what is on it, set in the profile: storage.wipe: ["2402E8A20001"]`,
        NOTHING_CHANGED,
      ].join("\n"),
    );
  });

  it("keeps what the wipe list already holds in the line it suggests", () => {
    expect(wipeLine(["A1"], ["B2"])).toBe('storage.wipe: ["A1", "B2"]');
    expect(wipeLine(["A1", "B2"], ["B2"])).toBe('storage.wipe: ["A1", "B2"]');
  });

  const single: { fixture: string; serial: string; wipe: string[]; allowed: boolean; wipes: boolean }[] = [
    { fixture: "empty", serial: "2402E8A20001", wipe: [], allowed: true, wipes: false },
    { fixture: "empty", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: true, wipes: false },
    { fixture: "ext4", serial: "2402E8A20001", wipe: [], allowed: false, wipes: false },
    { fixture: "ext4", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: true, wipes: true },
    { fixture: "ext4", serial: "2402E8A20001", wipe: ["SOMETHINGELSE"], allowed: false, wipes: false },
    { fixture: "xfs", serial: "2402E8A20001", wipe: [], allowed: false, wipes: false },
    { fixture: "xfs", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: true, wipes: true },
    { fixture: "swap", serial: "2402E8A20001", wipe: [], allowed: false, wipes: false },
    { fixture: "gpt", serial: "2402E8A20001", wipe: [], allowed: false, wipes: false },
    { fixture: "gpt", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: true, wipes: true },
    { fixture: "dos", serial: "2402E8A20001", wipe: [], allowed: false, wipes: false },
    { fixture: "mounted", serial: "2402E8A20001", wipe: [], allowed: false, wipes: false },
    { fixture: "mounted", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: false, wipes: false },
    { fixture: "gpt-mounted", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: false, wipes: false },
    { fixture: "md-member", serial: "2402E8A20001", wipe: [], allowed: false, wipes: false },
    { fixture: "md-member", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: true, wipes: true },
    { fixture: "md-member-active", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: false, wipes: false },
    { fixture: "missing", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: false, wipes: false },
    { fixture: "other-drive", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: false, wipes: false },
    { fixture: "partition", serial: "2402E8A20001", wipe: [], allowed: false, wipes: false },
    { fixture: "partition", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: false, wipes: false },
    { fixture: "no-serial", serial: "2402E8A20001", wipe: [], allowed: false, wipes: false },
    { fixture: "no-serial", serial: "2402E8A20001", wipe: ["2402E8A20001"], allowed: false, wipes: false },
  ];

  for (const c of single) {
    it(`${c.fixture}, wipe ${JSON.stringify(c.wipe)}: ${c.allowed ? (c.wipes ? "wipes" : "allowed") : "refused"}, the same in TypeScript and bash`, () => {
      const targets = [{ target: drive(M1, c.serial), fixture: c.fixture }];
      const ts = tsDecision(targets, c.wipe);
      const sh = bashDecision(targets, c.wipe);
      expect(sh.stderr).toBe("");
      expect(ts.allowed).toBe(c.allowed);
      expect(sh.code).toBe(c.allowed ? 0 : 1);
      if (ts.allowed) {
        expect(ts.wipe).toEqual(c.wipes ? [M1] : []);
        expect(sh.wipe).toEqual(ts.wipe);
        expect(sh.text).toBe("");
      } else {
        expect(sh.text).toBe(ts.text);
        expect(ts.text).toContain(M1);
        expect(ts.text.endsWith(NOTHING_CHANGED)).toBe(true);
      }
    });
  }

  it("names the in-use and the unknown drive without offering the wipe list as the whole fix", () => {
    const used = tsDecision([{ target: drive(M1, "2402E8A20001"), fixture: "md-member-active" }], ["2402E8A20001"]);
    expect(used.allowed).toBe(false);
    if (!used.allowed) {
      expect(used.text).toContain("raid0 md0 (xfs, mounted at /data)");
      expect(used.text).toContain("never unmounts a filesystem or stops an array");
      expect(used.text).not.toContain("storage.wipe");
    }
    const other = tsDecision([{ target: drive(M1, "2402E8A20001"), fixture: "other-drive" }], []);
    expect(other.allowed).toBe(false);
    if (!other.allowed) expect(other.refusals[0]).toBe(`refusing to use ${M1} (serial 2402E8A20001): the drive there reports serial S7HENJ0X999999Z, not 2402E8A20001; check hardware.drives`);
    const gone = tsDecision([{ target: drive(M1, "2402E8A20001"), fixture: "missing" }], []);
    if (!gone.allowed) expect(gone.refusals[0]).toContain("no such block device");
  });

  it("matches serials to whole disks only: a partition, or a device that reports no serial, is refused with the fix", () => {
    const part = tsDecision([{ target: drive(M1, "2402E8A20001"), fixture: "partition" }], ["2402E8A20001"]);
    expect(part.allowed).toBe(false);
    if (!part.allowed) {
      expect(part.refusals[0]).toBe(
        `refusing to use ${M1} (serial 2402E8A20001): it is a partition (/dev/loop4p1), not a whole disk; name the drive itself in hardware.drives (its /dev/disk/by-id/ name without -partN)`,
      );
    }
    const anon = tsDecision([{ target: drive(M1, "2402E8A20001"), fixture: "no-serial" }], ["2402E8A20001"]);
    expect(anon.allowed).toBe(false);
    if (!anon.allowed) {
      expect(anon.refusals[0]).toBe(
        `refusing to use ${M1} (serial 2402E8A20001): the disk there reports no serial, so aiws cannot tell it is the drive the profile names; check with lsblk -d -o PATH,SERIAL`,
      );
    }
  });

  it("decides for all four RAID members at once: one occupied drive stops the whole array", () => {
    const targets = [
      { target: drive(M1, "2402E8A20001"), fixture: "md-member" },
      { target: drive(M2, "2402E8A20002"), fixture: "ext4@2402E8A20002" },
      { target: drive(M3, "2402E8A20003"), fixture: "empty@2402E8A20003" },
      { target: drive(M4, "2402E8A20004"), fixture: "empty@2402E8A20004" },
    ];
    for (const wipe of [[], ["2402E8A20002"], ["2402E8A20001", "2402E8A20002"]]) {
      const ts = tsDecision(targets, wipe);
      const sh = bashDecision(targets, wipe);
      expect(sh.code).toBe(ts.allowed ? 0 : 1);
      if (ts.allowed) expect(sh.wipe).toEqual(ts.wipe);
      else expect(sh.text).toBe(ts.text);
    }
    const none = tsDecision(targets, []);
    expect(none.allowed).toBe(false);
    if (!none.allowed) {
      expect(none.refusals.filter((l) => l.startsWith("refusing"))).toHaveLength(2);
      expect(none.text).toContain('storage.wipe: ["2402E8A20001"]');
      expect(none.text).toContain('storage.wipe: ["2402E8A20002"]');
      expect(none.refusals.at(-1)).toBe('to let aiws destroy what is on all of them, set: storage.wipe: ["2402E8A20001", "2402E8A20002"]');
    }
    const one = tsDecision(targets, ["2402E8A20002"]);
    expect(one.allowed).toBe(false);
    if (!one.allowed) expect(one.text).not.toContain("all of them");
    const all = tsDecision(targets, ["2402E8A20001", "2402E8A20002"]);
    expect(all).toEqual({ allowed: true, wipe: [M1, M2] });
  });

  it("treats the array device as one target that needs every member's serial", () => {
    const md: SafeModeTarget = { path: "/dev/md0", kind: "array", serials: ["2402E8A20001", "2402E8A20002"] };
    const targets = [{ target: md, fixture: "ext4" }];
    const some = tsDecision(targets, ["2402E8A20001"]);
    expect(some.allowed).toBe(false);
    if (!some.allowed) {
      expect(some.refusals[0]).toBe("refusing to use /dev/md0 (RAID 0 of serials 2402E8A20001, 2402E8A20002): it holds ext4 filesystem at 0x438");
      expect(some.text).toContain('storage.wipe: ["2402E8A20001", "2402E8A20002"]');
      expect(bashDecision(targets, ["2402E8A20001"]).text).toBe(some.text);
    }
    expect(tsDecision(targets, ["2402E8A20001", "2402E8A20002"])).toEqual({ allowed: true, wipe: ["/dev/md0"] });
    expect(bashDecision(targets, ["2402E8A20001", "2402E8A20002"]).wipe).toEqual(["/dev/md0"]);
  });

  it("refuses rather than guesses when lsblk fails for another reason", () => {
    const r = runBash(script({ WIPE: "" }, `${storageSh("safeMode.sh")}\naiws_safe_mode_reset\naiws_safe_mode_target drive /dev/x S || exit 2\n`), {
      stubs: { lsblk: "exit 1", wipefs: "exit 0", udevadm: "exit 0" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("refusing to guess");
  });

  it("is shellcheck-clean", () => {
    expect(shellcheck(script({ WIPE: "" }, `${storageSh("safeMode.sh")}\naiws_safe_mode_reset\naiws_safe_mode_target drive /dev/x S\naiws_safe_mode_report\n`))).toBe("");
  });
});
