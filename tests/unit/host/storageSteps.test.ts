import { describe, expect, it } from "vitest";
import { loadProfile } from "../../../src/profile/load.js";
import { profileSchema, type Profile } from "../../../src/profile/schema/profile.js";
import { storageSteps, fstabOptions } from "../../../src/host/storage/steps.js";
import { STORAGE_MOUNTED } from "../../../src/host/shared.js";
import { storageLayout, stripeArgs, slugOf } from "../../../src/host/storage/layout.js";
import { renderScript } from "../../../src/step/render.js";
import type { Step } from "../../../src/step/step.js";

const base = loadProfile("profiles/base.yaml").profile;
const quad = loadProfile("profiles/quad-gpu.yaml").profile;
const byId = (steps: Step[]) => new Map(steps.map((s) => [s.id, s]));

describe("storage steps for base.yaml (independent: the T700 at /data)", () => {
  const steps = storageSteps(base);
  const s = byId(steps);

  it("has these steps, in this order, each after the one it needs", () => {
    expect(steps.map((x) => [x.id, x.after, x.destructive])).toEqual([
      ["storage-packages", [], false],
      ["storage-filesystem-data", ["storage-packages"], true],
      [STORAGE_MOUNTED, ["storage-filesystem-data"], false],
      ["storage-fstrim", [STORAGE_MOUNTED], false],
    ]);
    expect(steps.every((x) => x.concern === "storage" && x.secrets.length === 0 && x.reboot === "never")).toBe(true);
  });

  it("makes ext4 on the data drive by its by-id path, refusable by its serial", () => {
    expect(s.get("storage-filesystem-data")!.vars).toEqual({
      DEVICE: "/dev/disk/by-id/nvme-CT4000T700SSD3_2401E8A10002",
      FSTYPE: "ext4",
      LABEL: "aiws-data",
      MKFS_ARGS: "",
      TARGET_KIND: "drive",
      SERIALS: "2401E8A10002",
      WIPE: "",
      REFORMAT: "",
    });
    expect(s.get("storage-packages")!.vars).toEqual({ PACKAGES: "e2fsprogs" });
  });

  it("mounts it at /data with nofail and a 30 s device timeout", () => {
    expect(s.get(STORAGE_MOUNTED)!.vars).toEqual({
      MOUNTS: "/dev/disk/by-id/nvme-CT4000T700SSD3_2401E8A10002 /data ext4 2",
      FSTAB_OPTIONS: "defaults,noatime,nofail,x-systemd.device-timeout=30s",
      FSTAB: "/etc/fstab",
    });
  });
});

describe("storage steps for quad-gpu.yaml (RAID 0 of four T700s at /data)", () => {
  const steps = storageSteps(quad);
  const s = byId(steps);
  const members = [1, 2, 3, 4].map((i) => `/dev/disk/by-id/nvme-CT2000T700SSD3_2402E8A2000${i}`);

  it("has these steps, in this order; the array and the filesystem are destructive", () => {
    expect(steps.map((x) => [x.id, x.after, x.destructive])).toEqual([
      ["storage-packages", [], false],
      ["storage-raid0-array", ["storage-packages"], true],
      ["storage-filesystem-data", ["storage-raid0-array"], true],
      [STORAGE_MOUNTED, ["storage-filesystem-data"], false],
      ["storage-fstrim", [STORAGE_MOUNTED], false],
    ]);
    expect(s.get("storage-raid0-array")!.reboot).toBe("if-needed");
  });

  it("builds /dev/md0 from the four by-id paths, 512 KiB chunk", () => {
    expect(s.get("storage-raid0-array")!.vars).toEqual({
      MD_DEVICE: "/dev/md0",
      MD_NAME: "data",
      CHUNK_KIB: "512",
      MEMBERS: members.join("\n"),
      MEMBER_SERIALS: ["2402E8A20001", "2402E8A20002", "2402E8A20003", "2402E8A20004"].join("\n"),
      MDADM_CONF: "/etc/mdadm/mdadm.conf",
      WIPE: "",
      REFORMAT: "",
    });
    expect(s.get("storage-packages")!.vars).toEqual({ PACKAGES: "mdadm xfsprogs" });
  });

  it("makes XFS on the array with the stripe geometry, wipeable only with every member's serial", () => {
    expect(s.get("storage-filesystem-data")!.vars).toMatchObject({
      DEVICE: "/dev/md0",
      FSTYPE: "xfs",
      LABEL: "aiws-data",
      MKFS_ARGS: "-d su=512k,sw=4",
      TARGET_KIND: "array",
      SERIALS: "2402E8A20001\n2402E8A20002\n2402E8A20003\n2402E8A20004",
    });
    expect(s.get(STORAGE_MOUNTED)!.vars.MOUNTS).toBe("/dev/md0 /data xfs 0");
  });

  it("never names a drive by its kernel name", () => {
    for (const st of steps) for (const v of Object.values(st.vars)) expect(v).not.toMatch(/\/dev\/(nvme\d|sd[a-z])/);
  });

  it("passes the wipe list to the destructive steps", () => {
    const p = { ...quad, storage: { ...quad.storage!, wipe: ["2402E8A20003"] } };
    for (const id of ["storage-raid0-array", "storage-filesystem-data"]) expect(byId(storageSteps(p)).get(id)!.vars.WIPE).toBe("2402E8A20003");
  });
});

describe("storage layout", () => {
  it("computes the stripe geometry", () => {
    expect(stripeArgs("xfs", 512, 4)).toEqual(["-d", "su=512k,sw=4"]);
    expect(stripeArgs("ext4", 512, 4)).toEqual(["-E", "stride=128,stripe_width=512"]);
    expect(stripeArgs("xfs", 64, 2)).toEqual(["-d", "su=64k,sw=2"]);
  });

  it("names steps after mountpoints and keeps XFS labels within 12 characters", () => {
    expect(slugOf("/data")).toBe("data");
    expect(slugOf("/mnt/fast-scratch")).toBe("mnt-fast-scratch");
    expect(fstabOptions(45)).toBe("defaults,noatime,nofail,x-systemd.device-timeout=45s");
    const two = profileSchema.parse({
      ...structuredClone(base),
      hardware: {
        ...base.hardware,
        drives: [
          ...base.hardware.drives,
          { ...base.hardware.drives[1]!, id: "/dev/disk/by-id/nvme-CT4000T700SSD3_2401E8A10003", serial: "2401E8A10003" },
        ],
      },
      storage: {
        layout: "independent",
        filesystem: "xfs",
        mounts: [
          { drive: "/dev/disk/by-id/nvme-CT4000T700SSD3_2401E8A10002", mountpoint: "/data/scratch-one" },
          { drive: "/dev/disk/by-id/nvme-CT4000T700SSD3_2401E8A10003", mountpoint: "/data/scratch-two" },
        ],
      },
    }) as Profile;
    const fs = storageLayout(two)!.filesystems;
    expect(fs.map((f) => f.label)).toEqual(["aiws-data-sc", "aiws-d1"]);
    expect(fs.every((f) => f.label.length <= 12)).toBe(true);
    expect(storageSteps(two).map((x) => x.id)).toEqual(["storage-packages", "storage-filesystem-data-scratch-one", "storage-filesystem-data-scratch-two", STORAGE_MOUNTED, "storage-fstrim"]);
  });

  it("has no steps without a storage section", () => {
    const { storage: _s, ...rest } = base;
    expect(storageSteps(rest as Profile)).toEqual([]);
  });
});

describe("storage scripts", () => {
  // Every phase of every shipped profile's steps is linted in tests/unit/renderedScripts.test.ts.
  const all = [...storageSteps(base), ...storageSteps(quad)];

  it("renders through the renderer (valid var names, no secrets needed)", () => {
    for (const st of all) for (const phase of ["check", "apply", "remove", "converge"] as const) expect(renderScript(st, phase)).toContain(`aiws step ${st.id}`);
  });

  it("re-runs safe mode right before mdadm --create and mkfs, never stops or wipes on remove", () => {
    const q = byId(storageSteps(quad));
    const array = q.get("storage-raid0-array")!;
    const create = array.apply.indexOf("mdadm --create");
    const safe = array.apply.lastIndexOf("aiws_members_safe_mode ||", create);
    expect(safe).toBeGreaterThan(0);
    expect(array.apply.slice(safe, create)).not.toMatch(/\n(fi|done)\n[\s\S]*else/);
    expect(array.apply).toContain("--metadata=1.2 --run");
    const conf = array.apply.indexOf('mv -f "$tmp" "$MDADM_CONF"');
    const initramfs = array.apply.indexOf("update-initramfs -u </dev/null");
    expect(conf).toBeGreaterThan(create);
    expect(initramfs).toBeGreaterThan(conf);
    const fs = q.get("storage-filesystem-data")!;
    expect(fs.apply.indexOf("aiws_safe_mode_report || exit 1")).toBeLessThan(fs.apply.indexOf("mkfs.xfs"));
    for (const st of all) {
      const commands = st.remove
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => !l.startsWith("#") && !l.startsWith("echo"));
      expect(commands.join("\n")).not.toMatch(/mdadm --(stop|zero-superblock|create)|wipefs --all|mkfs|umount|rm -rf/);
    }
  });
});
