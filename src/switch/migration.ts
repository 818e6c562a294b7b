import type { Profile } from "../profile/schema/profile.js";
import { shellQuote } from "../step/render.js";
import { unitsToStop } from "./quiesce.js";
import { storageMountpoints } from "../profile/schema/storage.js";

/**
 * A storage layout change (independent <-> RAID 0) is a migration, not an edit: the data has
 * to leave the old layout and come back onto the new one. These are its phases, as commands
 * a person can follow one by one; `npm run switch -- --migrate` runs them (see migrate.ts).
 */
interface MigrationPhase {
  readonly name: "preflight" | "quiesce" | "backup" | "verify" | "rebuild" | "restore" | "verify-again" | "resume";
  readonly what: string;
  /** Shell commands, on the host unless they start with `pulumi` or `npm`. */
  readonly commands: readonly string[];
}

/** The mount points whose data moves: everything the old layout mounted. */
export function dataMountpoints(p: Profile): string[] {
  return p.storage ? storageMountpoints(p.storage) : [];
}

export function migrationPlan(from: Profile, to: Profile, toFile: string, stack: string | undefined): MigrationPhase[] {
  const mounts = dataMountpoints(from);
  const s = stack ? ` --stack ${stack}` : "";
  const manifest = "/var/lib/aiws/migration-manifest.sha256z";
  const list = mounts.join(" ");
  const units = unitsToStop(from).join(" ");
  return [
    {
      name: "preflight",
      what: "refuse, changing nothing, when the new layout drops a mountpoint that holds data and storage.moves does not restore it elsewhere (in place, it would land on the OS drive)",
      commands: [`find <each old mountpoint not under ${dataMountpoints(to).join(", ") || "a new one"} nor moved> -xdev -mindepth 1 -print -quit (must print nothing)`],
    },
    {
      name: "quiesce",
      what: "stop what uses the data (the inference services, the backup timers), then make the old filesystems read-only: nothing written after the backup can be lost",
      commands: [`systemctl stop ${units}`, ...mounts.map((m) => `mount -o remount,ro ${m}`)],
    },
    {
      name: "backup",
      what: "back up now, with the data still on the old layout, and tag the snapshot so that no retention removes it",
      commands: ["systemctl start aiws-backup.service", "aiws-restic tag --add aiws-migration --add aiws-migration-ID <the new snapshot>"],
    },
    {
      name: "verify",
      what: "verify the repository and record a hash of every file to move (NUL-separated: any file name survives)",
      commands: [
        "systemctl start aiws-backup-check.service",
        `find ${list} -xdev -type f ! -path '*/lost+found/*' -print0 | sort -z | xargs -0 -r sha256sum -z -- > ${manifest}`,
      ],
    },
    {
      name: "rebuild",
      what: `pause the backups, unmount the old layout (${from.storage?.layout ?? "none"}; no process may still mount it in a namespace of its own) and converge the new one (${to.storage?.layout ?? "none"})`,
      commands: ["echo 'id ID' > /var/lib/aiws/migration-in-progress", ...mounts.map((m) => `umount ${m}`), `pulumi config set aiws:profile ${toFile}${s}`, `pulumi up${s}`],
    },
    {
      name: "restore",
      what: "restore the data from the tagged, verified snapshot (by its id, never 'latest') onto the new layout",
      commands: mounts.map((m) => {
        const mv = to.storage?.moves.find((x) => x.from === m);
        return mv
          ? `aiws-restic restore <the tagged snapshot's id> --target ${mv.to}.aiws-restore --include ${m} --verify && mv -T ${mv.to}.aiws-restore${m} ${mv.to} (storage.moves)`
          : `aiws-restic restore <the tagged snapshot's id> --target / --include ${m} --verify`;
      }),
    },
    {
      name: "verify-again",
      what: "hash every restored file again and compare each with the hash recorded before; then resume the backups",
      commands: [`cut -z -c67- ${manifest} | xargs -0 -r sha256sum -z -- (every file must match)`, "rm /var/lib/aiws/migration-in-progress"],
    },
    {
      name: "resume",
      what: "start again the units stopped at the start that the new profile still has",
      commands: [`systemctl start ${units}`],
    },
  ];
}

/** One line per mountpoint that holds anything besides lost+found: `MOUNTPOINT<TAB>first entry`. */
export function droppedWithDataScript(dropped: readonly string[]): string {
  return `for m in ${dropped.map(shellQuote).join(" ")}; do
  mountpoint -q "$m" || continue
  first=$(find "$m" -xdev -mindepth 1 ! -path "$m/lost+found" ! -path "$m/lost+found/*" -print -quit)
  if [[ -n $first ]]; then printf '%s\\t%s\\n' "$m" "$first"; fi
done
`;
}

/** Why a new layout that drops mountpoints holding data (`MOUNTPOINT<TAB>first entry` lines) is refused, with a move for each. */
export function droppedRefusal(holding: readonly string[], newMounts: readonly string[]): string {
  const moves = holding.map((l) => l.split("\t")[0]!).map((m) => `{ from: ${m}, to: ${newMounts[0]}/from-${m.slice(1).replaceAll("/", "-")} }`);
  return `the new layout drops ${holding.map((l) => l.replace("\t", " (holds ")).join("), ")}) and mounts only ${newMounts.join(", ")}: a restore would put that data on the OS drive. Move it under ${newMounts[0]} (or off the workstation), or have the new profile restore it there (storage.moves: [${moves.join(", ")}]), then run the switch again`;
}

/** Bash that fails unless every new mountpoint is mounted: what the restore and the comparison write and read. */
export function newLayoutCheckScript(newMounts: readonly string[]): string {
  return newMounts.map((m) => `mountpoint -q ${shellQuote(m)} || { echo "${m} is not mounted: the new layout is not in place" >&2; exit 1; }`).join("\n");
}
