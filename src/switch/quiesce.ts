import { BACKUP_TIMERS } from "../host/backup/units.js";
import { STATE_DIR } from "../host/shared.js";
import { unitName } from "../host/inference/units.js";
import { shellQuote } from "../step/render.js";
import type { Profile } from "../profile/schema/profile.js";
import { IN_PROGRESS, JOURNAL, lastLines } from "./journal.js";
import { stopRunsScript, type RootShell } from "./detached.js";

/**
 * Quiescing the old layout before a migration: nothing may write to the data after the backup
 * that the restore brings back, and nothing may hold the filesystems when the rebuild wipes
 * their drives. The inference services keep models open on them, and their sandboxes
 * (ReadWritePaths=, src/host/sandbox.ts) keep a mount of their own in a private namespace: the
 * host's umount succeeds, the drive stays busy, and the wipe fails with EBUSY.
 *
 * The units stopped are recorded in a file, so that the end of the migration, or the way back
 * after a stop that changed nothing, starts exactly those again.
 */
export const STOPPED_UNITS = `${STATE_DIR}/migration-stopped-units`;
/** UUIDs of filesystems aiws made that may be destroyed once (read by src/host/storage/safeMode.sh). */
export const REFORMAT_CONFIRMED = `${STATE_DIR}/reformat-confirmed`;

/** The units that use the data: the old profile's inference services, and the backup timers. */
export function unitsToStop(from: Profile): string[] {
  return [...BACKUP_TIMERS, ...from.inference.services.map(unitName)];
}

/** Nested mountpoints first (unmount order); the reverse mounts them back. */
function deepestFirst(mounts: readonly string[]): string[] {
  return [...mounts].sort((a, b) => b.length - a.length);
}

const list = (xs: readonly string[]) => xs.map(shellQuote).join(" ");

/** Shell functions that name who uses a filesystem: "process 123 (vllm, aiws-vllm-chat.service)". */
export const WHO_USES = String.raw`
aiws_describe() {
  local unit
  unit=$(sed -n 's|^0::.*/\([^/]*\.\(service\|scope\)\)$|\1|p' "/proc/$1/cgroup" 2>/dev/null || true)
  printf 'process %s (%s%s)' "$1" "$(cat "/proc/$1/comm" 2>/dev/null || echo gone)" "\${unit:+, $unit}"
}
# Processes with a file or their working directory under the mountpoint.
aiws_writers() {
  local pid out=()
  for pid in $( { find /proc/[0-9]*/fd -lname "$1/*" 2>/dev/null; find /proc/[0-9]*/cwd -maxdepth 0 \( -lname "$1" -o -lname "$1/*" \) 2>/dev/null; } | cut -d/ -f3 | sort -un | head -n 5); do
    out+=("$(aiws_describe "$pid")")
  done
  local IFS=';'
  echo "\${out[*]:-no process found (a kernel user such as swap or a loop device?)}"
}
# Processes whose own mount namespace still mounts the device (MAJOR:MINOR) after the host unmounted it.
aiws_ns_holders() {
  local f pid out=()
  for f in /proc/[0-9]*/mountinfo; do
    awk -v d="$1" '$3 == d { found = 1 } END { exit !found }' "$f" 2>/dev/null || continue
    pid=\${f#/proc/}
    out+=("$(aiws_describe "\${pid%/mountinfo}")")
    ((\${#out[@]} < 5)) || break
  done
  local IFS=';'
  echo "\${out[*]:-}"
}
`.replace(/\\\$/g, "$");

/**
 * Stops the units that use the data (only those running, recorded in STOPPED_UNITS), then
 * remounts every old data filesystem read-only: from here on nothing can change the data the
 * backup is about to take. Fails naming the processes that still write.
 */
export function quiesceScript(units: readonly string[], mounts: readonly string[]): string {
  return `${WHO_USES}
mkdir -p ${STATE_DIR}
# Kept from a run that stopped half way: the units it stopped are still to be started again.
touch ${STOPPED_UNITS}
for unit in ${list(units)}; do
  if systemctl is-active --quiet "$unit"; then
    systemctl stop "$unit"
    grep -qxF -- "$unit" ${STOPPED_UNITS} || echo "$unit" >>${STOPPED_UNITS}
  fi
done
# A backup or check already running would be joined by the migration's own start, and its
# snapshot, taken before the freeze, accepted: let it end first.
for unit in aiws-backup.service aiws-backup-check.service; do
  while [[ $(systemctl is-active "$unit" 2>/dev/null || true) == activating ]]; do sleep 2; done
done
for m in ${list(mounts)}; do
  mountpoint -q "$m" || continue
  if ! err=$(mount -o remount,ro "$m" 2>&1); then
    echo "cannot make $m read-only ($err): files on it are open for writing by $(aiws_writers "$m"). Stop them, then run the switch again" >&2
    exit 1
  fi
done
echo "stopped: $(paste -sd' ' ${STOPPED_UNITS}); read-only: ${mounts.join(" ")}"
echo "frozen-at $(date +%s)"
`;
}

/**
 * Unmounts the old layout and proves its devices free: a process in another mount namespace
 * (a sandboxed service aiws does not know, a container) keeps the filesystem alive after the
 * host's umount. Fails naming them, before any drive is touched.
 */
export function unmountScript(mounts: readonly string[]): string {
  return `${WHO_USES}
devices=()
uuids=()
for m in ${list(deepestFirst(mounts))}; do
  mountpoint -q "$m" || continue
  devices+=("$(mountpoint -d "$m")")
  uuids+=("$(findmnt -n -o UUID --mountpoint "$m" || true)")
  if ! err=$(umount "$m" 2>&1); then
    echo "cannot unmount $m ($err), in use by $(aiws_writers "$m"). Stop them, then run the switch again" >&2
    exit 1
  fi
done
for d in "\${devices[@]}"; do
  holders=$(aiws_ns_holders "$d")
  if [[ -n $holders ]]; then
    echo "the old layout's filesystem (device $d) is unmounted here but still mounted in the namespace of $holders: stop them (a sandboxed service or a container), then run the switch again" >&2
    exit 1
  fi
done
# The storage steps never destroy a filesystem aiws made without a confirmation of its UUID
# (src/host/storage/safeMode.sh): the verified backup of these is that confirmation.
for u in "\${uuids[@]}"; do
  [[ -z $u ]] || echo "$u" >>${REFORMAT_CONFIRMED}
done
`;
}

/**
 * The way back after a stop that changed nothing: the old filesystems mounted again, writable,
 * and the stopped units started again.
 */
export function unquiesceScript(mounts: readonly string[]): string {
  return `${mountBackScript(mounts)}
${startStoppedUnits()}`;
}

/** The old filesystems mounted again (from fstab), writable. */
export function mountBackScript(mounts: readonly string[]): string {
  return `for m in ${list([...deepestFirst(mounts)].reverse())}; do
  if mountpoint -q "$m"; then mount -o remount,rw "$m"; else mount "$m"; fi
done`;
}

/** After a migration that verified: the stopped units the new profile still has, started again. */
export function resumeScript(): string {
  return startStoppedUnits();
}

function startStoppedUnits(): string {
  return `started=()
if [[ -f ${STOPPED_UNITS} ]]; then
  while read -r unit; do
    [[ -n $unit ]] || continue
    # A unit the new profile dropped is gone: nothing to start.
    systemctl cat "$unit" >/dev/null 2>&1 || continue
    systemctl start "$unit"
    started+=("$unit")
  done <${STOPPED_UNITS}
  rm -f ${STOPPED_UNITS}
fi
echo "started again: \${started[*]:-nothing}"
`;
}

/**
 * The way back of a migration stopped before any drive was touched: its detached runs stopped,
 * its pause and journal removed, the old filesystems writable and the units running again.
 * Says where the host is, for the stop's message.
 */
export async function putOldLayoutBack(host: RootShell, id: string, mounts: readonly string[]): Promise<string> {
  const back = await host
    .runScript(`set -euo pipefail\n${stopRunsScript(id)}\nrm -f ${IN_PROGRESS} ${JOURNAL}\n${unquiesceScript(mounts)}`, { timeoutMs: 600_000 })
    .catch((err: Error) => ({ code: -1, stdout: "", stderr: err.message }));
  return back.code === 0
    ? `no drive was touched: the old layout is mounted and writable again${back.stdout.trim() ? `; ${back.stdout.trim()}` : ""}`
    : `no drive was touched, but putting the old layout back failed (${lastLines(back.stderr || back.stdout)}): mount ${mounts.join(", ")} and start the units in ${STOPPED_UNITS} by hand`;
}
