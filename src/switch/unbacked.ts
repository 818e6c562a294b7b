/**
 * Files on the old layout that the migration's snapshot does not hold, sorted by why: a
 * rebuild destroys them. Those under one of the profile's `backup.exclude` entries were left
 * out on purpose (model weights that can be downloaded again), and the owner may give them
 * up by naming that entry. Anything else (under a `.nobackup` marker, in a cache directory,
 * unreadable to the backup) is nobody's decision yet: the migration refuses it outright.
 */
interface Unbacked {
  /** backup.exclude entry -> the files it left out. */
  readonly excluded: ReadonlyMap<string, readonly string[]>;
  /** Files in no snapshot for any other reason. */
  readonly other: readonly string[];
}

export function classifyUnbacked(files: readonly string[], excludes: readonly string[]): Unbacked {
  const excluded = new Map<string, string[]>();
  const other: string[] = [];
  for (const f of files) {
    const by = excludes.find((e) => excludeMatches(e, f));
    if (by === undefined) other.push(f);
    else excluded.set(by, [...(excluded.get(by) ?? []), f]);
  }
  return { excluded, other };
}

/**
 * Why the migration cannot go on with these files lost, or undefined when it may: every file
 * lies under an exclude entry the owner named in `discard`.
 */
export function unbackedRefusal(u: Unbacked, discard: readonly string[]): string | undefined {
  const sample = (xs: readonly string[]) => `${xs.slice(0, 3).join(", ")}${xs.length > 3 ? ", ..." : ""}`;
  const notWaived = [...u.excluded].filter(([e]) => !discard.includes(e));
  if (u.other.length === 0 && notWaived.length === 0) return undefined;
  const parts: string[] = [];
  if (u.other.length > 0) {
    parts.push(
      `${u.other.length} file(s) are in no snapshot although no backup.exclude entry leaves them out (a .nobackup marker, a cache directory, or unreadable to the backup), e.g. ${sample(u.other)}: move them off the data volumes or let the backup take them, back up again, then run the switch again`,
    );
  }
  for (const [e, files] of notWaived) {
    parts.push(`${files.length} file(s) under ${e}, which backup.exclude leaves out on purpose, e.g. ${sample(files)}: the rebuild destroys them; accept that with --discard ${e}, or move them off the data volumes`);
  }
  return parts.join("; ");
}

/**
 * Whether a restic exclude pattern covers a path: the pattern names the path or a directory
 * above it; `*` and `?` match within one path element, `**` across them.
 */
export function excludeMatches(pattern: string, path: string): boolean {
  if (!pattern.startsWith("/")) return false;
  const re = pattern
    .split(/(\*\*|\*|\?)/)
    .map((part) => (part === "**" ? ".*" : part === "*" ? "[^/]*" : part === "?" ? "[^/]" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${re.replace(/\/$/, "")}(/.*)?$`, "s").test(path);
}
