/**
 * backup-lib.sh's aiws_nas_space_note: over SFTP a full NAS reaches restic only as "Failure"
 * (SFTP version 3 has no code for ENOSPC), so after a failed write backup-run measures the
 * volume with sftp's df and says when it is full. Run with a stand-in sftp that answers df
 * as OpenSSH's does (sizes in KiB) and keeps what it was asked.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const LIB = join(import.meta.dirname, "../../../src/host/backup/host/backup-lib.sh");

function note(repository: string, df: { size: number; avail: number } | "fails") {
  const dir = mkdtempSync(join(tmpdir(), "aiws-nas-space-"));
  const answer =
    df === "fails"
      ? 'echo "Connection closed" >&2; exit 255'
      : `printf 'sftp> df %s\\n        Size         Used        Avail       (root)    %%Capacity\\n%12d %12d %12d %12d %8d%%\\n' "$path" ${df.size} ${df.size - df.avail} ${df.avail} ${df.avail} ${Math.round((100 * (df.size - df.avail)) / df.size)}`;
  writeFileSync(join(dir, "sftp"), `#!/bin/bash\nprintf '%s\\n' "$*" >"${dir}/args"\nread -r _ path\nprintf '%s\\n' "$path" >"${dir}/asked"\n${answer}\n`, { mode: 0o755 });
  const r = spawnSync("bash", ["-c", `. "${LIB}"; aiws_nas_space_note "$1"`, "note", repository], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}`, AIWS_ETC: "/etc/aiws" } });
  const read = (f: string) => {
    try {
      return readFileSync(join(dir, f), "utf8").trim();
    } catch {
      return "";
    }
  };
  return { code: r.status, out: r.stdout.trim(), asked: read("asked"), args: read("args") };
}

describe("aiws_nas_space_note", () => {
  it("a full volume: says so, with the figures and what to do", () => {
    const r = note("sftp:aiws-backup@nas.lan:/volume1/backup/ws", { size: 1048576, avail: 256 });
    expect(r.code).toBe(0);
    expect(r.out).toBe("the NAS is full: 0 MiB free of 1024 MiB under /volume1/backup/ws; free space there (or raise the share's quota), then run the backup again (systemctl start aiws-backup.service)");
    expect(r.asked).toBe("/volume1/backup/ws");
    expect(r.args).toBe("-q -F /etc/aiws/restic/ssh_config -b - aiws-nas");
  });

  it("the path of a repository on an IPv6 NAS, whose address holds colons", () => {
    expect(note("sftp:aiws-backup@[fd00::5]:/srv/backup/ws", { size: 1048576, avail: 0 }).asked).toBe("/srv/backup/ws");
  });

  it("nearly full on a big volume (under 1 %) counts; room to spare says nothing", () => {
    expect(note("sftp:u@nas:/b", { size: 20_000_000_000, avail: 150_000_000 }).out).toMatch(/^the NAS is full: 146484 MiB free of 19531250 MiB/);
    expect(note("sftp:u@nas:/b", { size: 1048576, avail: 524288 }).out).toBe("");
  });

  it("says nothing when it cannot tell: a repository not on SFTP, a NAS that does not answer", () => {
    expect(note("/mnt/backup/repo", { size: 1048576, avail: 0 }).out).toBe("");
    const down = note("sftp:u@nas:/b", "fails");
    expect(down.code).toBe(0);
    expect(down.out).toBe("");
  });
});
