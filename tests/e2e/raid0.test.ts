/**
 * The lab profile with RAID 0 (lab/profiles/lab-raid0.yaml), on a fresh guest, converged as
 * the non-root user `aiws` (every step under `sudo -n`) through the test engine:
 * converge from fresh with the SSH connection cut in the middle of a step (a second run
 * converges), the host as the profile says, converge again with nothing applied, a backup
 * to the NAS and a byte-identical restore, a reboot that brings back the array, the limits
 * and the timers, and the inference services answering.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labDown, rebootGuest } from "../../src/lab/lab.js";
import { LAB_PROFILES, LAB_SERIALS, labSecrets, prepareLab } from "../../lab/workstation.js";
import { assertInference, converge, drift, driftedIds, failure, out, phase, printTimings, sh, until } from "./helpers.js";

const PROFILE = LAB_PROFILES.raid0;
const USER = "aiws";
/** The step whose connection is cut: a pip install into a fresh venv, seconds long under emulation. */
const CUT_STEP = "inference-vllm";

/** The array and its mount, in one ssh call: the facts as `KEY=value` lines. */
async function assertArray(): Promise<void> {
  await until("mountpoint -q /data", 180_000);
  const facts = Object.fromEntries(
    (
      await out(
        [
          `echo "mdstat=$(grep '^md0 :' /proc/mdstat)"`,
          `echo "level=$(mdadm --detail /dev/md0 | sed -n 's/.*Raid Level : //p')"`,
          `echo "active=$(mdadm --detail /dev/md0 | sed -n 's/.*Active Devices : //p')"`,
          `echo "serials=$(for d in $(ls /sys/block/md0/slaves); do cat /sys/block/$d/device/serial; done | tr -d ' ' | sort | paste -sd,)"`,
          `echo "mount=$(findmnt -n -o SOURCE,FSTYPE /data)"`,
          `echo "uuid=$(blkid -s UUID -o value /dev/md0)"`,
          `echo "fstab=$(grep -v '^#' /etc/fstab | grep ' /data ')"`,
          `echo "arrays=$(grep -c '^ARRAY' /etc/mdadm/mdadm.conf)"`,
        ].join("; "),
      )
    )
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  expect(facts.mdstat).toMatch(/^md0 : active raid0 (nvme\dn1\[\d\] ?){4}$/);
  expect(facts.level).toBe("raid0");
  expect(facts.active).toBe("4");
  expect(facts.serials).toBe(LAB_SERIALS.join(","));
  expect(facts.mount).toBe("/dev/md0 xfs");
  expect(facts.fstab).toMatch(new RegExp(`^UUID=${facts.uuid} /data xfs .*x-systemd.device-timeout=120s`));
  expect(facts.arrays).toBe("1");
}

async function assertLimitsAndTimers(): Promise<void> {
  await until("nvidia-smi --query-gpu=power.limit --format=csv,noheader | grep -v '^250.00 W$' | wc -l | grep -qx 0", 120_000);
  const timers = ["aiws-backup.timer", "aiws-backup-check.timer", "fstrim.timer"];
  expect(await out(`nvidia-smi --query-gpu=power.limit --format=csv,noheader; for t in ${timers.join(" ")}; do echo "$t $(systemctl is-enabled $t) $(systemctl is-active $t)"; done`)).toBe(
    [...Array(4).fill("250.00 W"), ...timers.map((t) => `${t} enabled active`)].join("\n"),
  );
}

describe("lab-raid0 (RAID 0 over four NVMe drives, non-root user)", () => {
  beforeAll(async () => {
    await phase("lab up (fresh guest)", () => prepareLab((l) => console.log(`[lab] ${l}`), { fresh: true }));
  });
  afterAll(async () => {
    await phase("lab down", () => labDown());
    printTimings("lab-raid0");
  });

  it("converges from fresh; a connection cut mid-step fails that run, and the next run converges", async () => {
    let cut: ChildProcess | undefined;
    const first = await phase("converge from fresh, connection cut in " + CUT_STEP, () =>
      converge("run 1", {
        profile: PROFILE,
        user: USER,
        onSpawn: (name, child) => {
          if (name !== CUT_STEP) return;
          cut = child;
          setTimeout(() => child.kill("SIGKILL"), 4000);
        },
      }),
    );
    expect(cut, `the engine never started ${CUT_STEP}`).toBeDefined();
    expect(first.ok).toBe(false);
    const failed = first.records.filter((r) => r.outcome === "failed");
    expect(failed.map((r) => r.name)).toEqual([CUT_STEP]);
    // Everything before the cut converged; nothing after it ran.
    expect(first.records.filter((r) => r.outcome === "skipped").length).toBeGreaterThan(0);

    const second = await phase("converge again after the cut", () => converge("run 2", { profile: PROFILE, user: USER }));
    expect(second.ok, failure(second)).toBe(true);
    expect(second.records.find((r) => r.name === CUT_STEP)?.outcome).toBe("converged");
    expect(second.inSync + second.applied).toBe(second.steps);
  });

  it("leaves the host as the profile says: array, fstab by UUID, limits, timers, backup units, services", async () => {
    await phase("host checks after converge", async () => {
      await assertArray();
      await assertLimitsAndTimers();
      await assertInference(labSecrets().inferenceApiKey!);
    });
  });

  it("converges again with every check passing first and nothing applied", async () => {
    const s = await phase("converge again (nothing to do)", () => converge("run 3", { profile: PROFILE, user: USER }));
    expect(s.ok, failure(s)).toBe(true);
    expect(s.applied).toBe(0);
    expect(s.inSync).toBe(s.steps);
    console.log(`[e2e] second converge: ${s.applied} step(s) applied of ${s.steps}`);
  });

  it("backs up to the NAS and restores byte-identical", async () => {
    await phase("backup to the NAS and restore", async () => {
      await sh("mkdir -p /data/projects/e2e && head -c 3M /dev/urandom >/data/projects/e2e/blob && echo hello >/data/projects/e2e/note && sha256sum /data/projects/e2e/* >/root/e2e.sha256");
      await sh("systemctl start aiws-backup.service");
      const status = JSON.parse(await out("aiws-backup-status")) as { lastBackup: { snapshot: string } | null; lastFailure: unknown };
      expect(status.lastBackup?.snapshot).toMatch(/^[0-9a-f]{8,}/);
      const restoreDir = "/var/tmp/e2e-restore";
      await sh(`rm -rf ${restoreDir} && aiws-restic restore latest --target ${restoreDir} --include /data/projects/e2e --verify >/dev/null`);
      await sh(`cd ${restoreDir} && sed 's| /data| data|' /root/e2e.sha256 | sha256sum --check --strict`);
      await sh(`rm -rf ${restoreDir}`);
      const drill = await sh("aiws-restore-drill 10", { check: false });
      expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
    });
  });

  it("comes back after a reboot: array assembled and mounted, limits re-applied, timers on, services up", async () => {
    await phase("reboot", async () => {
      const seconds = await rebootGuest();
      console.log(`[e2e] reboot took ${seconds.toFixed(1)} s`);
    });
    await phase("host checks after reboot", async () => {
      await assertArray();
      await sh("sha256sum --check --strict /root/e2e.sha256");
      await assertLimitsAndTimers();
      await assertInference(labSecrets().inferenceApiKey!);
      const report = await drift(PROFILE, USER);
      expect(driftedIds(report)).toEqual([]);
    });
  });
});
