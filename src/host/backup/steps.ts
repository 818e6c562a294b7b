import type { Profile } from "../../profile/schema/profile.js";
import type { BackupConfig } from "../../profile/schema/backup.js";
import { defineStep, type Step } from "../../step/step.js";
import { packagesStep } from "../packages/index.js";
import { mountsData } from "../storage/steps.js";
import { STORAGE_MOUNTED } from "../shared.js";
import { backupSh } from "./sh.js";
import { configFiles, fileDefinitions, fileManifest, repositoryOf, unitFiles } from "./hostFiles.js";
import { BACKUP_TIMERS } from "./units.js";
import { CRED_DIR, KEY_FILE, KNOWN_HOSTS, PASSWORD_FILE, RESTIC_WRAPPER } from "./paths.js";

const CONCERN = "backup";

/** The stack secrets the backup needs (Pulumi config `aiws:backupPassword`, `aiws:nasSshKey`). */
export const BACKUP_SECRETS = ["backupPassword", "nasSshKey"] as const;

const body = (...parts: string[]) => parts.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join("");

function configStep(profile: Profile, b: BackupConfig): Step {
  const files = configFiles(profile, b);
  const lib = fileDefinitions(files, "CONFIG_FILE") + backupSh("files.sh");
  return defineStep(CONCERN, {
    id: "backup-config",
    title: `restic repository ${repositoryOf(b)}: ssh settings, paths, excludes, the aiws-restic wrapper`,
    after: ["backup-packages"],
    check: body(lib, backupSh("files.check.sh")),
    apply: body(lib, backupSh("config.apply.sh")),
    remove: body(backupSh("files.sh"), backupSh("config.remove.sh")),
    vars: { FILES: fileManifest(files, "CONFIG_FILE"), DIRS: `700 ${CRED_DIR}`, KNOWN_HOSTS },
  });
}

function credentialsStep(): Step {
  const lib = backupSh("credentials.sh");
  return defineStep(CONCERN, {
    id: "backup-credentials",
    title: `the backup password and the NAS key as root-only files in ${CRED_DIR}`,
    after: ["backup-config"],
    check: body(lib, backupSh("credentials.check.sh")),
    apply: body(lib, backupSh("credentials.apply.sh")),
    remove: backupSh("credentials.remove.sh"),
    vars: { CRED_DIR, PASSWORD_FILE, KEY_FILE },
    secrets: [...BACKUP_SECRETS],
  });
}

function repoStep(b: BackupConfig): Step {
  return defineStep(CONCERN, {
    id: "backup-repo",
    title: `restic repository at ${repositoryOf(b)} (initialised when absent)`,
    after: ["backup-credentials"],
    check: backupSh("repo.check.sh"),
    apply: backupSh("repo.apply.sh"),
    remove: backupSh("repo.remove.sh"),
    vars: { RESTIC: RESTIC_WRAPPER, REPOSITORY: repositoryOf(b) },
  });
}

function unitsStep(b: BackupConfig, after: readonly string[]): Step {
  const files = unitFiles(b);
  const lib = fileDefinitions(files, "UNIT_FILE") + backupSh("files.sh");
  return defineStep(CONCERN, {
    id: "backup-units",
    title: `backup ${b.schedule} (keep ${b.keep.daily} daily, ${b.keep.weekly} weekly, ${b.keep.monthly} monthly), check ${b.checkSubset} ${b.checkSchedule}; status in aiws-backup-status`,
    after,
    check: body(lib, backupSh("units.check.sh")),
    apply: body(lib, backupSh("units.apply.sh")),
    remove: body(backupSh("files.sh"), backupSh("units.remove.sh")),
    vars: { FILES: fileManifest(files, "UNIT_FILE"), DIRS: "", TIMERS: BACKUP_TIMERS.join(" ") },
  });
}

/**
 * The backup steps: restic and ssh, the configuration, the secrets as root-only files, the
 * repository (initialised when absent), then the units and timers. None without a backup section.
 */
export function backupSteps(profile: Profile): Step[] {
  const b = profile.backup;
  if (!b) return [];
  return [
    packagesStep({ id: "backup-packages", title: "restic (Debian's package) and the OpenSSH client", concern: CONCERN, packages: ["restic", "openssh-client"] }),
    configStep(profile, b),
    credentialsStep(),
    repoStep(b),
    // Backups start once the data they cover is mounted.
    unitsStep(b, mountsData(profile) ? ["backup-repo", STORAGE_MOUNTED] : ["backup-repo"]),
  ];
}
