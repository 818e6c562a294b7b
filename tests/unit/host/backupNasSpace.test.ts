/**
 * A full NAS, named as such. Over SFTP a full volume reaches restic only as "Failure" (SFTP
 * version 3 has no code for ENOSPC), so after a backup that failed so, backup-run measures the
 * volume with sftp's df (backup-lib.sh's aiws_nas_space_note) and the status says it is full.
 * Run with stand-ins for sftp (answering df as OpenSSH's does, sizes in KiB) and for restic.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HOST = join(import.meta.dirname, "../../../src/host/backup/host");
const LIB = join(HOST, "backup-lib.sh");

type Df = { size: number; avail: number } | "fails";

/** A directory with an sftp stand-in that answers `df "PATH"` with `df`, keeping what it was asked. */
function sftpStandin(df: Df): { dir: string; asked: () => string; args: () => string } {
  const dir = mkdtempSync(join(tmpdir(), "aiws-nas-space-"));
  const answer =
    df === "fails"
      ? 'echo "Connection closed" >&2; exit 255'
      : `printf 'sftp> df %s\\n        Size         Used        Avail       (root)    %%Capacity\\n%12s %12s %12s %12s %8s\\n' "$path" ${df.size} ${df.size - df.avail} ${df.avail} ${df.avail} 99%`;
  writeFileSync(join(dir, "sftp"), `#!/bin/bash\nprintf '%s\\n' "$*" >"${dir}/args"\nread -r _ path\npath=\${path#\\"}; path=\${path%\\"}\nprintf '%s\\n' "$path" >"${dir}/asked"\n${answer}\n`, { mode: 0o755 });
  const read = (f: string) => {
    try {
      return readFileSync(join(dir, f), "utf8").trim();
    } catch {
      return "";
    }
  };
  return { dir, asked: () => read("asked"), args: () => read("args") };
}

/** The note for a repository, the library sourced under `set -euo pipefail` as backup-run does. */
function note(repository: string, df: Df) {
  const sftp = sftpStandin(df);
  const r = spawnSync("bash", ["-c", `set -euo pipefail; . "${LIB}"; aiws_nas_space_note "$1"`, "note", repository], { encoding: "utf8", env: { ...process.env, PATH: `${sftp.dir}:${process.env.PATH ?? ""}`, AIWS_ETC: "/etc/aiws" } });
  return { code: r.status, out: r.stdout.trim(), asked: sftp.asked(), args: sftp.args() };
}

describe("aiws_nas_space_note", () => {
  it("a full volume: says so, with the figures and what to do", () => {
    const r = note("sftp:aiws-backup@nas.lan:/volume1/backup/ws", { size: 1048576, avail: 256 });
    expect(r.code).toBe(0);
    expect(r.out).toBe("the NAS is (nearly) full: 0 MiB free of 1024 MiB under /volume1/backup/ws; free space there (or raise the share's quota), then run the backup again (systemctl start aiws-backup.service)");
    expect(r.asked).toBe("/volume1/backup/ws");
    expect(r.args).toBe("-q -F /etc/aiws/restic/ssh_config -b - aiws-nas");
  });

  it("the path of a repository on an IPv6 NAS, whose address holds colons", () => {
    expect(note("sftp:aiws-backup@[fd00::5]:/srv/backup/ws", { size: 1048576, avail: 0 }).asked).toBe("/srv/backup/ws");
  });

  it("full means under 256 MiB or under 1 % free: the edges", () => {
    expect(note("sftp:u@nas:/b", { size: 20_000_000_000, avail: 150_000_000 }).out).toMatch(/^the NAS is \(nearly\) full: 146484 MiB free of 19531250 MiB/);
    expect(note("sftp:u@nas:/b", { size: 20_000_000_000, avail: 200_000_000 }).out).toBe("");
    expect(note("sftp:u@nas:/b", { size: 1048576, avail: 262143 }).out).toMatch(/^the NAS is \(nearly\) full/);
    expect(note("sftp:u@nas:/b", { size: 1048576, avail: 262144 }).out).toBe("");
  });

  it("says nothing when it cannot tell: not on SFTP, a NAS that does not answer, figures it cannot take, a path it will not quote", () => {
    expect(note("/mnt/backup/repo", { size: 1048576, avail: 0 }).out).toBe("");
    const down = note("sftp:u@nas:/b", "fails");
    expect([down.code, down.out]).toEqual([0, ""]);
    expect(note("sftp:u@nas:/b", { size: 18446744073709551615, avail: 18446744073709551615 }).out).toBe("");
    const quoted = note('sftp:u@nas:/b"; !reboot', { size: 1048576, avail: 0 });
    expect([quoted.out, quoted.args]).toEqual(["", ""]);
  });
});

describe("backup-run on a failed backup", () => {
  /** backup-run with a restic stand-in whose backup fails with `said`, the NAS's df answered by `df`. */
  function failedBackup(said: string, df: Df) {
    const root = mkdtempSync(join(tmpdir(), "aiws-backup-full-"));
    const etc = join(root, "etc");
    mkdirSync(join(etc, "restic"), { recursive: true });
    writeFileSync(join(etc, "restic/backup.conf"), "REPOSITORY='sftp:aiws-backup@nas.lan:/volume1/backup/ws'\nKEEP_DAILY=7\nKEEP_WEEKLY=4\nKEEP_MONTHLY=6\nREQUIRED_MOUNTS=''\n");
    writeFileSync(join(root, "restic"), `#!/bin/bash\ncase $1 in backup) echo ${JSON.stringify(said)} >&2; exit 1 ;; esac\nexit 0\n`, { mode: 0o755 });
    const sftp = sftpStandin(df);
    const env = { ...process.env, PATH: `${sftp.dir}:${process.env.PATH ?? ""}`, AIWS_ETC: etc, AIWS_STATE: join(root, "state"), AIWS_LIB: HOST, AIWS_RESTIC: join(root, "restic"), AIWS_RUN_LOCK: join(root, "lock"), INVOCATION_ID: "" };
    const r = spawnSync(join(HOST, "backup-run"), [], { encoding: "utf8", env, input: "" });
    const status = JSON.parse(readFileSync(join(root, "state/backup-status.json"), "utf8")) as { lastFailure: { message: string } };
    return { code: r.status, message: status.lastFailure.message, asked: sftp.asked() };
  }

  it("a write the NAS refused as SFTP does on a full volume: the status says the NAS is full, then what restic said", () => {
    const r = failedBackup('Save(<data/1a2b3c>) returned error: sftp: "Failure" (SSH_FX_FAILURE)', { size: 1048576, avail: 256 });
    expect(r.code).toBe(1);
    expect(r.message).toBe(
      "restic backup failed (exit 1): the NAS is (nearly) full: 0 MiB free of 1024 MiB under /volume1/backup/ws; free space there (or raise the share's quota), then run the backup again (systemctl start aiws-backup.service). restic said: Save(<data/1a2b3c>) returned error: sftp: \"Failure\" (SSH_FX_FAILURE) ",
    );
  });

  it("another failure on a nearly full NAS is not blamed on the space: the NAS is not even asked", () => {
    const r = failedBackup("Fatal: wrong password or no key found", { size: 1048576, avail: 256 });
    expect(r.message).toBe("restic backup failed (exit 1): Fatal: wrong password or no key found ");
    expect(r.asked).toBe("");
  });
});
