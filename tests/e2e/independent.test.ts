/**
 * The lab profile with four independent data drives (lab/profiles/lab-independent.yaml), on
 * a fresh guest, converged as root through the test engine: a drive holding data is refused
 * and left intact, the converge and the host, converge again with nothing applied, backup and
 * restore, the NAS unreachable, drift made by hand found by `npm run drift` as exactly those
 * steps and repaired by `aiws:repair`, then the switch to RAID 0: refused without a fresh
 * backup, allowed with one, and the migration restoring the data byte-identical on the array.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driftFromJson, formatDrift, type driftJson, type DriftReport } from "../../src/drift/report.js";
import { newEngineState } from "../../src/engine/engine.js";
import { labDown, nasSsh, nvmeById } from "../../src/lab/lab.js";
import { net, paths, repoRoot } from "../../src/lab/config.js";
import { loadProfile } from "../../src/profile/load.js";
import { SshSession } from "../../src/ssh/ssh.js";
import { runMigration } from "../../src/switch/migrate.js";
import type { RootShell } from "../../src/switch/detached.js";
import { LAB_PROFILES, LAB_SERIALS, labSecrets, labTarget, prepareLab } from "../../lab/workstation.js";
import { assertInference, cli, converge, derivedProfile, drift, driftedIds, failure, out, phase, printTimings, sh, until } from "./helpers.js";

const PROFILE = LAB_PROFILES.independent;
const MOUNTS = ["/data", "/scratch", "/projects", "/archive"];
/** The drive the test fills by hand before the first converge (the profile mounts it at /archive). */
const TAKEN = LAB_SERIALS[3];
const state = newEngineState();

describe("lab-independent (four independent data drives, root), then the switch to RAID 0", () => {
  beforeAll(async () => {
    await phase("lab up (fresh guest)", () => prepareLab((l) => console.log(`[lab] ${l}`), { fresh: true }));
  });
  afterAll(async () => {
    await phase("lab down", () => labDown());
    printTimings("lab-independent");
  });

  it("refuses a drive that holds a filesystem with data, with the clear message, and leaves the data intact", async () => {
    const dev = nvmeById(TAKEN);
    await sh(`mkfs.ext4 -q -L precious ${dev} && mkdir -p /mnt/p && mount ${dev} /mnt/p && head -c 2M /dev/urandom >/mnt/p/thesis.tex && sha256sum /mnt/p/thesis.tex >/root/precious.sha256 && umount /mnt/p`);
    const s = await phase("converge from fresh: refused at the filled drive", () => converge("run 1", { profile: PROFILE }));
    expect(s.ok).toBe(false);
    const failed = s.records.filter((r) => r.outcome === "failed");
    expect(failed.map((r) => r.name)).toEqual(["storage-filesystem-archive"]);
    const text = `${failed[0]!.stdout}\n${failed[0]!.stderr}`;
    expect(text).toContain(`refusing to use ${dev} (serial ${TAKEN}): it holds ext4 filesystem`);
    expect(text).toContain(`to let aiws destroy what is on it, set in the profile: storage.wipe: ["${TAKEN}"]`);
    expect(text).toContain("safe mode: nothing was changed");
    const said = [...new Set(text.split("\n").filter((l) => /refusing|storage.wipe|safe mode/.test(l)))];
    console.log(`[e2e] the refusal:\n${said.map((l) => `    ${l}`).join("\n")}`);
    // Intact: same label, same bytes.
    expect(await out(`blkid -s LABEL -o value ${dev}`)).toBe("precious");
    await sh(`mount -o ro ${dev} /mnt/p && sha256sum --check --strict /root/precious.sha256; rc=$?; umount /mnt/p; exit $rc`);
    // The owner decides the data may go (by hand here: the profile stays without a wipe list).
    await sh(`wipefs -q -a ${dev}`);
  });

  it("converges, leaving every drive mounted by UUID, limits applied, timers on, services answering", async () => {
    const s = await phase("converge (after the owner freed the drive)", () => converge("run 2", { profile: PROFILE }));
    expect(s.ok, failure(s)).toBe(true);
    await phase("host checks after converge", async () => {
      for (const [i, mp] of MOUNTS.entries()) {
        const dev = `/dev/${await out(`basename $(readlink -f ${nvmeById(LAB_SERIALS[i]!)})`)}`;
        expect(await out(`findmnt -n -o SOURCE,FSTYPE ${mp}`)).toBe(`${dev} ext4`);
        const uuid = await out(`blkid -s UUID -o value ${dev}`);
        expect(await out(`grep -v '^#' /etc/fstab | grep ' ${mp} '`)).toMatch(new RegExp(`^UUID=${uuid} ${mp} ext4 \\S*nofail,x-systemd.device-timeout=120s`));
      }
      expect(await out("nvidia-smi --query-gpu=power.limit --format=csv,noheader")).toBe(Array(4).fill("250.00 W").join("\n"));
      expect(await out("systemctl is-enabled aiws-backup.timer; systemctl is-active aiws-backup.timer")).toBe("enabled\nactive");
      await assertInference(labSecrets().inferenceApiKey!);
    });
  });

  it("converges again with every check passing first and nothing applied", async () => {
    // With a state: this run is also the one the repair below is diffed against.
    const s = await phase("converge again (nothing to do)", () => converge("run 3", { profile: PROFILE, state }));
    expect(s.ok, failure(s)).toBe(true);
    expect(s.applied).toBe(0);
    expect(s.inSync).toBe(s.steps);
  });

  it("backs up to the NAS and restores byte-identical (restore drill)", async () => {
    await phase("backup to the NAS and restore drill", async () => {
      await sh("mkdir -p /data/projects/e2e /projects/e2e && head -c 4M /dev/urandom >/data/projects/e2e/weights.bin && head -c 1M /dev/urandom >/projects/e2e/notes.bin && echo moved >/data/projects/e2e/README");
      await sh("systemctl start aiws-backup.service");
      // The repository is on the NAS.
      const onNas = (await nasSsh("ls /srv/backup/workstation")).stdout.split("\n");
      expect(onNas).toEqual(expect.arrayContaining(["config", "data", "index", "keys", "snapshots"]));
      const drill = await sh("aiws-restore-drill 20", { check: false });
      expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
      await sh("rm -rf /var/tmp/e2e && aiws-restic restore latest --target /var/tmp/e2e --include /data/projects/e2e --verify >/dev/null && cmp /var/tmp/e2e/data/projects/e2e/weights.bin /data/projects/e2e/weights.bin && rm -rf /var/tmp/e2e");
    });
  });

  it("fails the backup loudly when the NAS is unreachable, and nothing else breaks", async () => {
    await phase("NAS unreachable", async () => {
      const t0 = new Date(Date.now() - 2000);
      await sh(`ip route add unreachable ${net.nasIp}/32`);
      try {
        const r = await sh("systemctl start aiws-backup.service", { check: false, timeoutMs: 300_000 });
        expect(r.exitCode).not.toBe(0);
        expect(await out("systemctl is-failed aiws-backup.service || true")).toBe("failed");
        const status = JSON.parse(await out("aiws-backup-status")) as { lastFailure: { unit: string; time: string; message: string } | null };
        expect(status.lastFailure?.unit).toBe("aiws-backup.service");
        expect(Date.parse(status.lastFailure!.time)).toBeGreaterThanOrEqual(t0.getTime() - 5000);
        console.log(`[e2e] recorded failure: ${status.lastFailure!.message}`);
        // Everything else still holds: the other steps' checks pass, the services answer.
        const report = await drift(PROFILE);
        const others = report.steps.filter((s) => s.status !== "in-sync" && s.id !== "backup-repo");
        expect(others.map((s) => `${s.id}: ${s.reason}`)).toEqual([]);
        await assertInference(labSecrets().inferenceApiKey!);
        expect(await out("systemctl is-active aiws-backup.timer")).toBe("active");
      } finally {
        await sh(`ip route del unreachable ${net.nasIp}/32`);
      }
    });
  });

  it("switch to RAID 0 is refused without a fresh, verified backup", async () => {
    await phase("switch refused (no fresh backup)", async () => {
      const r = cli("switch", ["--to", migrationTarget(), "--host", net.guestIp, "--profile", PROFILE, "--identity", paths.labKey, "--confirm-wipe", LAB_SERIALS.join(",")]);
      console.log(`[e2e] npm run switch (refused), exit ${r.code}:\n${r.stdout}${r.stderr}`);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("REFUSED:");
      expect(r.stdout).toMatch(/no fresh, verified backup: .*aiws-backup\.service failed/);
    });
  });

  it("finds drift made by hand as exactly those steps, and the printed repair fixes exactly them", async () => {
    let report: DriftReport | undefined;
    await phase("drift made by hand, reported by npm run drift", async () => {
      await sh("nvidia-smi -i 0 -pl 300 >/dev/null && systemctl stop aiws-backup.timer && sed -i -E 's#^(UUID=\\S+ /scratch ext4 )defaults,noatime#\\1defaults,relatime#' /etc/fstab && grep -q ' /scratch ext4 defaults,relatime' /etc/fstab");
      const r = cli("drift", ["--host", net.guestIp, "--profile", PROFILE, "--identity", paths.labKey, "--json"]);
      expect(r.code, r.stderr).toBe(1);
      report = driftFromJson(JSON.parse(r.stdout) as ReturnType<typeof driftJson>);
      console.log(`[e2e] npm run drift -- --host ${net.guestIp} --profile ${PROFILE} --identity .lab/keys/lab_ed25519:\n${formatDrift(report)}`);
      expect(driftedIds(report).sort()).toEqual(["backup-units", "gpu-power-limits", "storage-mounted"]);
      expect(report.repair).toMatch(/^pulumi up --config aiws:repair=[a-z0-9,-]+@\d{8}T\d{6}Z$/);
    });
    await phase("repair through the program (aiws:repair), then drift", async () => {
      const repair = /aiws:repair=(\S+)/.exec(report!.repair!)![1]!;
      const s = await converge("repair", { profile: PROFILE, repair, state });
      expect(s.ok, failure(s)).toBe(true);
      const ran = s.records.filter((r) => r.outcome !== "unchanged").map((r) => `${r.name}:${r.outcome}`);
      // And the read-only hardware probe, which runs again before any step does.
      expect(ran.sort()).toEqual(["backup-units:converged", "gpu-power-limits:converged", "hardware-identity:ran", "storage-mounted:converged"]);
      const after = await drift(PROFILE);
      expect(driftedIds(after)).toEqual([]);
    });
  });

  it("switches to RAID 0 with a fresh backup: the migration restores the data byte-identical on the array", async () => {
    await phase("backup + check, switch allowed", async () => {
      await sh("systemctl start aiws-backup.service aiws-backup-check.service");
      const r = cli("switch", ["--to", migrationTarget(), "--host", net.guestIp, "--profile", PROFILE, "--identity", paths.labKey, "--confirm-wipe", LAB_SERIALS.join(",")]);
      console.log(`[e2e] npm run switch (allowed), exit ${r.code}:\n${r.stdout}${r.stderr}`);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("Allowed: drives confirmed and a fresh, verified backup exists.");
    });
    const migrate = async (session: RootShell, converge: () => Promise<void>, resume = false) =>
      runMigration({
        host: session,
        resume,
        from: loadProfile(PROFILE).profile,
        to: loadProfile(migrationTarget()).profile,
        // /data/models is left out of backups by design (weights are downloaded again): the
        // Ollama service's pulled model there is in no snapshot, and the owner accepts that.
        discard: ["/data/models"],
        log: (l) => console.log(`[e2e] ${l}`),
        converge,
      });
    await phase("migration refused: RAID 0 drops /projects, which holds data", async () => {
      const session = new SshSession(labTarget(PROFILE).ssh);
      try {
        const refused = await migrate(session, async () => expect.unreachable("a refused migration converges nothing"));
        console.log(`[e2e] migration refused: ${refused.error}`);
        expect(refused.ok).toBe(false);
        expect(refused.error).toContain("the new layout drops /projects (holds /projects/e2e) and mounts only /data");
        expect(refused.error).toContain("storage.moves: [{ from: /projects, to: /data/from-projects }]");
        expect(refused.error).toContain("nothing on the host was changed");
        expect(refused.phases).toEqual([]);
      } finally {
        await session.close();
      }
      expect(await out("findmnt -n -o TARGET,OPTIONS /projects | grep -c rw, || true")).toBe("1");
    });
    // What the owner does: the new profile restores /projects into a folder of /data.
    moving = true;
    const kept = ["/data/projects/e2e/weights.bin", "/data/projects/e2e/README", "/projects/e2e/notes.bin"];
    const restoredAt = ["/data/projects/e2e/weights.bin", "/data/projects/e2e/README", "/data/from-projects/e2e/notes.bin"];
    const hashes = async (files: string[]) => (await out(`sha256sum ${files.join(" ")}`)).split("\n").map((l) => l.slice(0, 64));
    const before = await hashes(kept);
    const stopped = await phase("migration independent -> raid0, the connection cut while the restore runs", async () => {
      const session = new SshSession(labTarget(PROFILE).ssh);
      // The connection drops once the restore has started on the host (detached): the first
      // poll that follows it gets ssh's 255. The restore goes on there.
      let cut = false;
      const cutting: RootShell = {
        runScript: async (script, opts) => {
          if (!cut && script.includes('"$d/restore.rc" ]]; then echo "done"')) {
            cut = true;
            return { code: 255, stdout: "", stderr: "Connection to 10.200.0.2 closed by remote host." };
          }
          return session.runScript(script, opts);
        },
      };
      try {
        return await migrate(cutting, async () => {
          const s = await converge("migration rebuild", { profile: migrationTarget() });
          if (!s.ok) throw new Error(failure(s));
          // The nightly backup firing between the rebuild and the restore: it must refuse, and
          // prune nothing the restore needs.
          const snapshots = "aiws-restic snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'";
          const count = await out(snapshots);
          const table = "aiws-restic snapshots --compact";
          console.log(`[e2e] restic snapshots before the backup fired mid-migration:\n${await out(table)}`);
          const fired = await sh("systemctl start aiws-backup.service", { check: false });
          console.log(`[e2e] backup started mid-migration: exit ${fired.exitCode}; snapshots ${count} -> ${await out(snapshots)}`);
          console.log(`[e2e] restic snapshots after it:\n${await out(table)}`);
          expect(fired.exitCode).not.toBe(0);
          // OnFailure= records it in the status (a unit of its own, just after).
          await until("aiws-backup-status | grep -q 'a storage migration is in progress'", 60_000);
          expect(await out(snapshots)).toBe(count);
        });
      } finally {
        await session.close();
      }
    });
    console.log(`[e2e] migration stopped: ${stopped.error}`);
    expect(stopped.ok).toBe(false);
    expect(stopped.error).toContain("lost the host while restic restore runs there");
    expect(stopped.error).toContain("go on where it stopped with --resume");
    expect(JSON.parse(await out("cat /var/lib/aiws/migration-journal.json"))).toMatchObject({ stage: "restoring" });
    const result = await phase("migration resumed from the host's journal (--resume)", async () => {
      const session = new SshSession(labTarget(PROFILE).ssh);
      try {
        return await migrate(session, async () => expect.unreachable("the rebuild is done: a resume after it converges nothing"), true);
      } finally {
        await session.close();
      }
    });
    console.log(`[e2e] migration: ${JSON.stringify({ ok: result.ok, files: result.files, mismatches: result.mismatches, error: result.error, phases: result.phases })}`);
    expect(result.phases.map((p) => p.name)).toEqual(["restore", "verify-again", "resume"]);
    expect(await out("test -e /var/lib/aiws/migration-journal.json || echo gone")).toBe("gone");
    // The detached runs' folder is gone with the journal, and no unit of theirs is left.
    expect(await out("ls -A /var/lib/aiws/migration-run 2>/dev/null; systemctl list-units --all --plain --no-legend 'aiws-migration-*'")).toBe("");
    expect(result.ok, result.error).toBe(true);
    expect(result.mismatches).toEqual([]);
    expect(result.files).toBeGreaterThan(0);
    await phase("host checks after the migration", async () => {
      await until("mountpoint -q /data");
      expect(await out("findmnt -n -o SOURCE,FSTYPE /data")).toBe("/dev/md0 xfs");
      expect(await out("cat /proc/mdstat")).toMatch(/^md0 : active raid0 (nvme\dn1\[\d\] ?){4}$/m);
      expect(await hashes(restoredAt)).toEqual(before);
      // The moved mountpoint is in its folder, and restic's staging folder is gone.
      expect(await out("ls -A /data | grep -c aiws-restore || true")).toBe("0");
      // Nothing of the dropped mountpoints was restored onto the OS drive.
      expect(await out("ls -A /projects /scratch /archive 2>/dev/null | grep -v -e '^/' -e '^$' -e '^lost+found$' || true")).toBe("");
      const report = await drift(migrationTarget());
      expect(driftedIds(report)).toEqual([]);
    });
  });
});

/** Set once the owner has written storage.moves (after the refusal of a layout that drops /projects). */
let moving = false;

/**
 * lab-raid0.yaml with the drives the independent layout used in its wipe list: what the owner
 * writes to switch; once `moving`, also where /projects goes (storage.moves).
 */
function migrationTarget(): string {
  return derivedProfile(
    "lab-raid0-switch",
    [
      "# lab-raid0.yaml, and the owner's consent to destroy what the independent layout left on the drives",
      `extends: ${repoRoot}${LAB_PROFILES.raid0}`,
      "storage:",
      `  wipe: [${LAB_SERIALS.join(", ")}]`,
      ...(moving ? ["  # /projects is no mountpoint of RAID 0: its data is restored into /data/from-projects", "  moves: [{ from: /projects, to: /data/from-projects }]"] : []),
      "",
    ].join("\n"),
  );
}
