import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadProfile } from "../../../src/profile/load.js";
import type { Profile } from "../../../src/profile/schema/profile.js";
import { backupSteps, BACKUP_SECRETS } from "../../../src/host/backup/steps.js";
import { backupUnits } from "../../../src/host/backup/units.js";
import { configFiles, knownHostsLine, repositoryOf, requiredMounts, unitFiles } from "../../../src/host/backup/hostFiles.js";
import { backupSh } from "../../../src/host/backup/sh.js";
import { restoreDrillScript } from "../../../src/host/backup/drill.js";
import { renderScript, secretFileVar } from "../../../src/step/render.js";
import type { Step } from "../../../src/step/step.js";
import { shellcheck, verifyUnits } from "../../helpers/lint.js";

const base = loadProfile("profiles/base.yaml").profile;
const quad = loadProfile("profiles/quad-gpu.yaml").profile;
const byId = (steps: Step[]) => new Map(steps.map((s) => [s.id, s]));

describe.each([
  ["base", base],
  ["quad-gpu", quad],
])("backup steps for %s.yaml", (_name, profile) => {
  const steps = backupSteps(profile);
  const s = byId(steps);

  it("has these steps in order; none is destructive; only the credentials step takes secrets", () => {
    expect(steps.map((x) => [x.id, x.after, x.destructive, x.secrets])).toEqual([
      ["backup-packages", [], false, []],
      ["backup-config", ["backup-packages"], false, []],
      ["backup-credentials", ["backup-config"], false, ["backupPassword", "nasSshKey"]],
      ["backup-repo", ["backup-credentials"], false, []],
      ["backup-units", ["backup-repo", "storage-mounted"], false, []],
    ]);
    expect(steps.every((x) => x.concern === "backup" && x.reboot === "never")).toBe(true);
    expect(BACKUP_SECRETS).toEqual(["backupPassword", "nasSshKey"]);
  });

  it("installs Debian's restic and names the SFTP repository from the profile", () => {
    expect(s.get("backup-packages")!.vars).toEqual({ PACKAGES: "restic openssh-client" });
    expect(s.get("backup-repo")!.vars).toEqual({ RESTIC: "/usr/local/sbin/aiws-restic", REPOSITORY: "sftp:aiws-backup@nas.lan:/volume1/backup/workstation" });
  });

  it("writes the secrets as 0600 files in a 0700 directory, from the renderer's secret files", () => {
    const c = s.get("backup-credentials")!;
    expect(c.vars).toEqual({ CRED_DIR: "/etc/aiws/restic", PASSWORD_FILE: "/etc/aiws/restic/password", KEY_FILE: "/etc/aiws/restic/nas_key" });
    expect(c.apply).toContain(`$${secretFileVar("backupPassword")}`);
    expect(c.apply).toContain(`$${secretFileVar("nasSshKey")}`);
    // The remove phase gets no secrets from the renderer: it must not need them.
    expect(c.remove).not.toContain("AIWS_SECRET_");
  });

  it("backs up the profile's paths and the canary, excluding models, datasets and restic's cache", () => {
    const files = new Map(configFiles(profile, profile.backup!).map((f) => [f.path, f]));
    expect(files.get("/etc/aiws/restic/paths")!.text).toBe("/home\n/data\n/etc\n/var/lib/aiws/backup-canary\n/var/lib/aiws/backup-canary.sha256\n");
    expect(files.get("/etc/aiws/restic/excludes")!.text).toBe("/data/models\n/data/datasets/raw\n/var/cache/aiws/restic\n");
    expect(files.get("/etc/aiws/restic/backup.conf")!.text).toBe(
      [
        "# aiws backup configuration, written by the backup-config step (pulumi up rewrites it).",
        "REPOSITORY='sftp:aiws-backup@nas.lan:/volume1/backup/workstation'",
        "KEEP_DAILY=7",
        "KEEP_WEEKLY=4",
        "KEEP_MONTHLY=6",
        "CHECK_SUBSET='5%'",
        "REQUIRED_MOUNTS='/data'",
        "RESTORE_SAMPLE=20",
        "",
      ].join("\n"),
    );
    expect([...files.values()].filter((f) => f.path.startsWith("/etc/aiws/")).every((f) => f.mode === "600")).toBe(true);
    expect(files.get("/etc/aiws/restic/ssh_config")!.text).toContain("  StrictHostKeyChecking accept-new\n");
    expect(files.has("/etc/aiws/restic/known_hosts")).toBe(false);
  });
});

describe("backup configuration details", () => {
  it("pins a NAS host key when the profile gives one", () => {
    const b = { ...base.backup!, nas: { ...base.backup!.nas, port: 2222, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk" } };
    expect(knownHostsLine(b)).toBe("[nas.lan]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk\n");
    const files = new Map(configFiles(base, b).map((f) => [f.path, f.text]));
    expect(files.get("/etc/aiws/restic/known_hosts")).toBe("[nas.lan]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk\n");
    expect(files.get("/etc/aiws/restic/ssh_config")).toContain("  Port 2222\n");
    expect(files.get("/etc/aiws/restic/ssh_config")).toContain("  StrictHostKeyChecking yes\n");
  });

  it("names IPv6 NAS addresses the way restic parses them", () => {
    expect(repositoryOf({ ...base.backup!, nas: { ...base.backup!.nas, host: "fd00::10" } })).toBe("sftp:aiws-backup@[fd00::10]:/volume1/backup/workstation");
  });

  it("requires the storage mountpoints that are backed up, or that hold a backed-up path", () => {
    expect(requiredMounts(quad)).toEqual(["/data"]);
    expect(requiredMounts({ ...base, backup: { ...base.backup!, paths: ["/home"] } })).toEqual([]);
    // A path below a mountpoint needs that mountpoint: unmounted, the path is an empty directory on the OS drive.
    expect(requiredMounts({ ...quad, backup: { ...quad.backup!, paths: ["/home", "/data/projects"] } })).toEqual(["/data"]);
  });

  it("has no steps without a backup section, and does not wait for storage that is not there", () => {
    const { backup: _b, ...rest } = base;
    expect(backupSteps(rest as Profile)).toEqual([]);
    const { storage: _s, ...noStorage } = base;
    expect(byId(backupSteps(noStorage as Profile)).get("backup-units")!.after).toEqual(["backup-repo"]);
  });
});

describe("the backup units for quad-gpu.yaml", () => {
  const units = backupUnits(quad.backup!);

  it("are the backup, its timer, the weekly check, its timer and the failure recorder", () => {
    expect(Object.keys(units)).toEqual(["aiws-backup.service", "aiws-backup.timer", "aiws-backup-check.service", "aiws-backup-check.timer", "aiws-backup-failure@.service"]);
    for (const line of ["OnCalendar=daily", "Persistent=true", "RandomizedDelaySec=30m", "WantedBy=timers.target"]) expect(units["aiws-backup.timer"]).toContain(`\n${line}\n`);
    for (const line of ["OnCalendar=weekly", "Persistent=true", "RandomizedDelaySec=1h"]) expect(units["aiws-backup-check.timer"]).toContain(`\n${line}\n`);
    for (const svc of ["aiws-backup.service", "aiws-backup-check.service"]) {
      expect(units[svc]).toContain("\nType=oneshot\n");
      expect(units[svc]).toContain("\nOnFailure=aiws-backup-failure@%n.service\n");
    }
    expect(units["aiws-backup-check.service"]).toContain("5%% of the data");
    expect(Object.values(units).join("\n")).not.toMatch(/RESTIC_PASSWORD=|--password|Environment=/);
  });

  it("pass systemd-analyze verify", () => {
    const named = Object.fromEntries(Object.entries(units).map(([n, t]) => [n, t]));
    // The template is verified through an instance, as OnFailure= starts it.
    named["aiws-backup-failure@aiws-backup.service.service"] = units["aiws-backup-failure@.service"]!;
    expect(verifyUnits(named, { binaries: ["/usr/local/lib/aiws/backup-run", "/usr/local/lib/aiws/backup-check", "/usr/local/lib/aiws/backup-failed"] })).toBe("");
  });

  it("are what the units step installs, with its scripts", () => {
    const files = unitFiles(quad.backup!);
    expect(files.map((f) => `${f.mode} ${f.path}`)).toEqual([
      "644 /usr/local/lib/aiws/backup-lib.sh",
      "755 /usr/local/lib/aiws/backup-run",
      "755 /usr/local/lib/aiws/backup-check",
      "755 /usr/local/lib/aiws/backup-failed",
      "755 /usr/local/bin/aiws-backup-status",
      "755 /usr/local/sbin/aiws-restore-drill",
      "644 /etc/systemd/system/aiws-backup.service",
      "644 /etc/systemd/system/aiws-backup.timer",
      "644 /etc/systemd/system/aiws-backup-check.service",
      "644 /etc/systemd/system/aiws-backup-check.timer",
      "644 /etc/systemd/system/aiws-backup-failure@.service",
    ]);
    expect(byId(backupSteps(quad)).get("backup-units")!.vars.TIMERS).toBe("aiws-backup.timer aiws-backup-check.timer");
  });
});

describe("backup scripts", () => {
  // Every phase of every shipped profile's steps is linted in tests/unit/renderedScripts.test.ts.

  const installed = readdirSync(join(import.meta.dirname, "../../../src/host/backup/host"));
  for (const name of installed) {
    it(`host/${name} is shellcheck-clean`, () => {
      expect(shellcheck(backupSh(`host/${name}`), name)).toBe("");
    });
  }

  it("renders with the secrets in files, never in the script's arguments or variables", () => {
    const c = byId(backupSteps(quad)).get("backup-credentials")!;
    const script = renderScript(c, "converge", { backupPassword: "correct horse", nasSshKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n" });
    expect(script).toContain("export AIWS_SECRET_BACKUP_PASSWORD_FILE=");
    expect(script).toContain("export AIWS_SECRET_NAS_SSH_KEY_FILE=");
    expect(renderScript(c, "remove")).not.toContain("correct horse");
  });

  it("the restore drill's remote script is shellcheck-clean and takes only a whole sample size", () => {
    expect(shellcheck(restoreDrillScript())).toBe("");
    expect(restoreDrillScript(25)).toContain("exec /usr/local/sbin/aiws-restore-drill 25 </dev/null");
    expect(() => restoreDrillScript(2.5)).toThrow(/whole number/);
  });

  it("never puts the password in argv: restic reads RESTIC_PASSWORD_FILE", () => {
    const all = installed.map((n) => backupSh(`host/${n}`)).join("\n");
    expect(all).toContain('export RESTIC_PASSWORD_FILE=$conf/password');
    expect(all).not.toMatch(/--password|RESTIC_PASSWORD=/);
  });
});
