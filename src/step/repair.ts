/**
 * The command that repairs exactly the drifted steps through Pulumi. remote.Command has no
 * Read, so `pulumi up` alone would see no change and run nothing; the program re-runs the
 * steps named in `aiws:repair` (their converge script carries the request's stamp, so Pulumi
 * sees a changed input and runs an update: check, else apply, then check again).
 */
export function repairCommand(ids: readonly string[], stack?: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]|\.\d+/g, "");
  const s = stack ? ` --stack ${stack}` : "";
  return `pulumi up${s} --config aiws:repair=${ids.join(",")}@${stamp}`;
}

/** Parses `aiws:repair` ("id,id@stamp") into the ids and the stamp. */
export function parseRepair(value: string | undefined): { ids: Set<string>; stamp: string } {
  if (!value) return { ids: new Set(), stamp: "" };
  const at = value.lastIndexOf("@");
  const list = at >= 0 ? value.slice(0, at) : value;
  const stamp = at >= 0 ? value.slice(at + 1) : value;
  return { ids: new Set(list.split(",").map((s) => s.trim()).filter(Boolean)), stamp };
}
