import { describe, expect, it } from "vitest";
import { EMPTY_STATUS, isBackupFresh, parseBackupStatus, type BackupStatus } from "../../../src/host/backup/status.js";

const now = new Date("2026-11-27T12:00:00Z");
const SNAP = "8ebac32efd66029ad1c865482b8e0aa08435ba3db50134bf6659293d04f0e9ce";

function status(over: Partial<BackupStatus> = {}): BackupStatus {
  return {
    ...EMPTY_STATUS,
    repository: "sftp:aiws-backup@nas.lan:/volume1/backup/workstation",
    lastBackup: { time: "2026-11-27T03:10:00Z", snapshot: SNAP, durationSeconds: 420, warnings: false },
    lastCheck: { time: "2026-11-27T04:00:00Z", subset: "5%" },
    snapshotCount: 17,
    ...over,
  };
}

describe("isBackupFresh", () => {
  it("is fresh when the last backup is recent, a check passed after it and nothing failed since", () => {
    expect(isBackupFresh(status(), 26, now)).toEqual({ fresh: true, reasons: [] });
  });

  it("is not fresh when no backup ever completed", () => {
    expect(isBackupFresh(EMPTY_STATUS, 26, now)).toEqual({ fresh: false, reasons: ["no backup has completed yet (systemctl start aiws-backup.service)"] });
  });

  it("is not fresh when the last backup is too old", () => {
    const r = isBackupFresh(status({ lastBackup: { time: "2026-11-25T12:00:00Z", snapshot: SNAP, durationSeconds: 1, warnings: false }, lastCheck: { time: "2026-11-25T13:00:00Z", subset: "5%" } }), 26, now);
    expect(r).toEqual({ fresh: false, reasons: ["the last backup completed 48.0 h ago (2026-11-25T12:00:00Z), more than the 26 h allowed"] });
  });

  it("is not fresh until a check verified the last backup", () => {
    expect(isBackupFresh(status({ lastCheck: null }), 26, now).reasons).toEqual([
      "the last backup (2026-11-27T03:10:00Z) was never verified: no restic check has passed (systemctl start aiws-backup-check.service)",
    ]);
    expect(isBackupFresh(status({ lastCheck: { time: "2026-11-26T04:00:00Z", subset: "5%" } }), 26, now).reasons).toEqual([
      "the last backup (2026-11-27T03:10:00Z) is not verified yet: the last passing restic check was before it (2026-11-26T04:00:00Z); systemctl start aiws-backup-check.service",
    ]);
  });

  it("is not fresh when a backup failed after the last good one (the NAS unreachable)", () => {
    const r = isBackupFresh(
      status({ lastFailure: { time: "2026-11-27T11:00:00Z", unit: "aiws-backup.service", result: "exit-code", exitStatus: "1", message: "restic backup failed (exit 1): ssh: connect to host nas.lan port 22: No route to host" } }),
      26,
      now,
    );
    expect(r.fresh).toBe(false);
    expect(r.reasons).toEqual(["aiws-backup.service failed 1.0 h ago (2026-11-27T11:00:00Z, exit-code): restic backup failed (exit 1): ssh: connect to host nas.lan port 22: No route to host"]);
  });

  it("forgets a failure once the same kind of run succeeded after it", () => {
    const old = { time: "2026-11-27T02:00:00Z", unit: "aiws-backup.service", result: "exit-code", exitStatus: 1, message: "x" };
    expect(isBackupFresh(status({ lastFailure: old }), 26, now).fresh).toBe(true);
    const checkFailed = { time: "2026-11-27T05:00:00Z", unit: "aiws-backup-check.service", result: "exit-code", exitStatus: "1", message: "pack 1234 damaged" };
    expect(isBackupFresh(status({ lastFailure: checkFailed }), 26, now).reasons).toEqual([
      "aiws-backup-check.service failed 7.0 h ago (2026-11-27T05:00:00Z, exit-code): pack 1234 damaged",
    ]);
  });

  it("is not fresh when the repository is empty, the clock is wrong, or a restore drill failed since", () => {
    expect(isBackupFresh(status({ snapshotCount: 0 }), 26, now).reasons).toEqual(["the repository holds no snapshot"]);
    const future = status({ lastBackup: { time: "2026-11-28T12:00:00Z", snapshot: SNAP, durationSeconds: 1, warnings: false }, lastCheck: { time: "2026-11-28T13:00:00Z", subset: "5%" } });
    expect(isBackupFresh(future, 26, now).reasons).toEqual(["the last backup is dated 2026-11-28T12:00:00Z, in the future: check the host's clock"]);
    const drill = status({ lastRestoreDrill: { time: "2026-11-27T06:00:00Z", ok: false, snapshot: SNAP, files: 20, message: "1 mismatches" } });
    expect(isBackupFresh(drill, 26, now).reasons).toEqual(["the last restore drill failed (2026-11-27T06:00:00Z): 1 mismatches"]);
  });
});

describe("parseBackupStatus", () => {
  it("reads what aiws-backup-status prints", () => {
    const text =
      '{"version":1,"updated":"2026-11-27T09:56:41Z","repository":"/tmp/repo","lastBackup":{"time":"2026-11-27T09:56:37Z","snapshot":"8ebac32e","durationSeconds":2,"warnings":false},"lastCheck":null,"snapshotCount":1,"lastFailure":null,"lastRestoreDrill":null}';
    const r = parseBackupStatus(text);
    expect(r.error).toBeUndefined();
    expect(r.status?.lastBackup?.snapshot).toBe("8ebac32e");
    expect(isBackupFresh(r.status!, 26, new Date("2026-11-27T10:00:00Z")).reasons).toEqual([
      "the last backup (2026-11-27T09:56:37Z) was never verified: no restic check has passed (systemctl start aiws-backup-check.service)",
    ]);
  });

  it("names what is wrong instead of throwing", () => {
    expect(parseBackupStatus("not json").error).toMatch(/^the backup status is not JSON: /);
    expect(parseBackupStatus('{"version":2}').error).toMatch(/^the backup status is not in the expected form: version: /);
    expect(parseBackupStatus(JSON.stringify({ ...EMPTY_STATUS, lastCheck: { time: "yesterday", subset: "5%" } })).error).toBe(
      "the backup status is not in the expected form: lastCheck.time: an ISO 8601 time",
    );
  });
});
