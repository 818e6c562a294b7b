/**
 * The migration's long phases (hashing every file, the restore, the comparison: hours on
 * terabytes) run on the host outside the SSH session: a transient systemd unit (setsid where
 * systemd does not run the host), its stdout, stderr and exit status kept in files under
 * /var/lib/aiws/migration-run/<id>/. The command follows it with short polls and a progress
 * line at least every 30 seconds. A cut connection leaves the phase running; the next run
 * of the same migration (`switch --resume`) follows that run instead of starting a second
 * one beside it.
 */
import { STATE_DIR } from "../host/shared.js";
import { heredocDelimiter, shellQuote } from "../step/render.js";
import type { RunResult } from "../ssh/ssh.js";
import { lastLines } from "./journal.js";
import { MigrationStop } from "./stop.js";

/** Where the detached phases keep their scripts, outputs and exit statuses, one folder per migration. */
export const RUN_ROOT = `${STATE_DIR}/migration-run`;

/** What the migration needs of the host: a root shell (an SshSession, or the lab's). */
export interface RootShell {
  runScript(script: string, opts?: { timeoutMs?: number }): Promise<RunResult>;
}

export interface LongPhase {
  /** The migration's id: the folder and the unit name carry it. */
  readonly id: string;
  /** A short name, a unit-name word: hash, restore, compare. */
  readonly name: string;
  /** What it is, for messages ("restic restore"). */
  readonly what: string;
  /** The bash script to run (it sets its own options). */
  readonly script: string;
  /**
   * Bash that prints "FILES BYTES" done so far, run by each poll with `d` set to the run's
   * folder; `base` runs once when the phase starts, its output kept in $d/<name>.base.
   */
  readonly progress: { readonly base?: string; readonly now: string };
  /** The whole job, for the percentage and the time left (unknown: undefined). */
  readonly total?: { readonly files: number; readonly bytes: number };
  /** Whether `--resume` follows it after a cut (default); one that is not is stopped by the migration's way back. */
  readonly resumable?: boolean;
  /** A run of it in the folder that ended with status 0 is its result: it is not started again. */
  readonly reuseFinished?: boolean;
}

export interface FollowOptions {
  readonly log?: (line: string) => void;
  /** Between polls (default 5 s; the tests use 0). */
  readonly pollMs?: number;
  /** At least this often a progress line (default 30 s). */
  readonly reportMs?: number;
  readonly now?: () => number;
  /** Where the runs are kept (default RUN_ROOT; the tests use a folder of their own). */
  readonly runRoot?: string;
}

/** A phase's unit; with name "*", the pattern of every unit of the migration. */
const unitName = (p: Pick<LongPhase, "id" | "name">) => `aiws-migration-${p.id}-${p.name}`;
const dirOf = (id: string, root = RUN_ROOT) => `${root}/${id}`;

/**
 * Starts the phase on the host, or attaches to it when a run of it is still going (after a cut
 * connection), follows it to its end and returns what it printed and its exit status, as if
 * it had run in the session. A connection lost while following stops the migration; the
 * phase goes on, and `--resume` follows it.
 */
export async function runLongPhase(host: RootShell, phase: LongPhase, opts: FollowOptions = {}): Promise<RunResult> {
  const log = opts.log ?? (() => undefined);
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollMs ?? 5_000;
  const reportMs = opts.reportMs ?? 30_000;
  const unit = unitName(phase);
  const lost = (why: string) =>
    new MigrationStop(
      phase.resumable === false
        ? `lost the host while ${phase.what} ran there (${why})`
        : `lost the host while ${phase.what} runs there (${why}); it goes on as ${unit}: run the switch again with --resume to follow it`,
    );

  const dir = dirOf(phase.id, opts.runRoot);
  const started = await host.runScript(startScript(phase, dir), { timeoutMs: 600_000 });
  if (started.code !== 0) throw new MigrationStop(`${phase.what} did not start on the host (exit ${started.code}): ${lastLines(started.stderr || started.stdout) || "no output"}`);
  for (const line of started.stdout.split("\n").filter(Boolean)) log(`migration: ${phase.name}: ${line}`);

  let lastReport = now();
  let first: { at: number; bytes: number } | undefined;
  for (;;) {
    const poll = await host.runScript(pollScript(phase, dir), { timeoutMs: 120_000 }).catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
    if (poll.code !== 0) throw lost(`exit ${poll.code}${poll.stderr.trim() ? `: ${lastLines(poll.stderr)}` : ""}`);
    const state = poll.stdout.trim().split("\n").at(-1) ?? "";
    if (state.startsWith("done")) break;
    if (state.startsWith("gone")) throw new MigrationStop(`${phase.what} ended on the host without an exit status (see journalctl -u ${unit}): run the switch again with --resume`);
    const m = /^running (\d+) (\d+)$/.exec(state);
    if (m) {
      const done = { files: Number(m[1]), bytes: Number(m[2]) };
      first ??= { at: now(), bytes: done.bytes };
      if (now() - lastReport >= reportMs) {
        lastReport = now();
        log(`migration: ${phase.name}: ${progressLine(done, phase.total, (now() - first.at) / 1000, done.bytes - first.bytes)}`);
      }
    }
    if (pollMs > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
  const result = await host.runScript(collectScript(phase, dir), { timeoutMs: 1_800_000 });
  if (result.code === 255 && !result.stdout && !result.stderr) throw lost("exit 255 reading its result");
  return result;
}

/** "1200 of 4000 files, 12.0 of 40.0 GB (30%), 110 MB/s, about 4 min left". */
export function progressLine(done: { files: number; bytes: number }, total: { files: number; bytes: number } | undefined, seconds: number, bytesSince: number): string {
  const gb = (b: number) => (b / 1e9).toFixed(1);
  const parts = [total ? `${done.files} of ${total.files} files` : `${done.files} files`, total ? `${gb(done.bytes)} of ${gb(total.bytes)} GB` : `${gb(done.bytes)} GB`];
  if (total && total.bytes > 0) parts[1] += ` (${Math.min(100, Math.floor((100 * done.bytes) / total.bytes))}%)`;
  const rate = seconds > 0 ? bytesSince / seconds : 0;
  if (rate > 0) {
    parts.push(`${(rate / 1e6).toFixed(0)} MB/s`);
    if (total && total.bytes > done.bytes) parts.push(`about ${duration((total.bytes - done.bytes) / rate)} left`);
  }
  return parts.join(", ");
}

function duration(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/**
 * Bash that succeeds, with `p` set to its pid, while the process of pid file `pidFile` runs a
 * wrapper of run folder `folder` (both shell words): a pid reused by another process is not it.
 */
function livePid(pidFile: string, folder: string): string {
  return `{ p=$(cat ${pidFile} 2>/dev/null) && [[ -n $p ]] && kill -0 "$p" 2>/dev/null && grep -qaF -- ${folder} "/proc/$p/cmdline" 2>/dev/null; }`;
}

/** Stops the run livePid found: setsid made its wrapper a process group, the body and its children too. */
const KILL_RUN = 'kill -- "-$p" 2>/dev/null || kill -- "$p" 2>/dev/null || true';

/** Whether the phase still runs: its unit is active, or (setsid, no systemd) the process of its pid file (livePid). */
function aliveTest(name: string, unit: string): string {
  return `{ systemctl is-active --quiet ${unit} 2>/dev/null || ${livePid(`"$d/${name}.pid"`, '"$d"')}; }`;
}

function startScript(p: LongPhase, dir: string): string {
  const unit = unitName(p);
  const eof = heredocDelimiter("AIWS_LONG_PHASE", p.script);
  // The wrapper keeps the body's outputs and writes its exit status last, atomically.
  const wrapper = `echo $$ >"$1/$2.pid"; bash "$1/$2.sh" >"$1/$2.out" 2>"$1/$2.err"; echo $? >"$1/$2.rc.tmp"; mv -f "$1/$2.rc.tmp" "$1/$2.rc"`;
  return [
    "set -euo pipefail",
    `d=${shellQuote(dir)}`,
    'mkdir -p "$d" && chmod 700 "$d"',
    ...(p.reuseFinished ? [`if [[ $(cat "$d/${p.name}.rc" 2>/dev/null) == 0 ]]; then echo "${p.what} ended on the host while the connection was cut: its result is taken, not run again"; exit 0; fi`] : []),
    `if ${aliveTest(p.name, unit)}; then echo "following the run already going on the host (${unit})"; exit 0; fi`,
    // A phase of another migration still running would write the same manifest: stopped first.
    `for u in $(systemctl list-units --plain --no-legend 'aiws-migration-*' 2>/dev/null | awk '{print $1}'); do`,
    `  [[ $u == ${unit}.service ]] || { systemctl stop "$u" && echo "stopped $u, left running by an earlier migration"; }`,
    "done",
    // Without systemd: a wrapper of another run folder whose pid file still names it.
    'for f in "${d%/*}"/*/*.pid; do',
    '  [[ -e $f && ${f%/*} != "$d" ]] || continue',
    `  if ${livePid('"$f"', '"${f%/*}"')}; then`,
    `    ${KILL_RUN}`,
    '    echo "stopped process $p, left running by an earlier migration"',
    "  fi",
    "done",
    `rm -f "$d/${p.name}.rc" "$d/${p.name}.out" "$d/${p.name}.err" "$d/${p.name}.pid"`,
    `cat >"$d/${p.name}.sh" <<'${eof}'`,
    p.script,
    eof,
    `{ ${p.progress.base ?? "echo 0 0"}; } >"$d/${p.name}.base"`,
    // The wrapper's $1 and $2 are its own arguments: single quotes on purpose.
    "# shellcheck disable=SC2016",
    `if [[ -d /run/systemd/system ]] && command -v systemd-run >/dev/null; then`,
    `  systemd-run --quiet --collect --unit=${unit} --description=${shellQuote(`aiws: ${p.what} of migration ${p.id}`)} --setenv=PATH="$PATH" -- bash -c ${shellQuote(wrapper)} _ "$d" ${p.name}`,
    `  echo "${p.what} runs on the host as ${unit} (a cut connection does not stop it)"`,
    "else",
    `  setsid bash -c ${shellQuote(wrapper)} _ "$d" ${p.name} </dev/null >/dev/null 2>&1 &`,
    // Written here too, so that the first poll finds it (the wrapper writes its own pid again).
    `  echo $! >"$d/${p.name}.pid"`,
    `  echo "${p.what} runs on the host as process $! (a cut connection does not stop it)"`,
    "fi",
  ].join("\n");
}

function pollScript(p: LongPhase, dir: string): string {
  return [
    "set -uo pipefail",
    `d=${shellQuote(dir)}`,
    `if [[ -e "$d/${p.name}.rc" ]]; then echo "done"; exit 0; fi`,
    // Not running and no status: look once more (the status is written as the run ends).
    `if ! ${aliveTest(p.name, unitName(p))}; then sleep 1; if [[ -e "$d/${p.name}.rc" ]]; then echo "done"; else echo "gone"; fi; exit 0; fi`,
    `echo "running $( ${p.progress.now} ) " | awk '{printf "%s %.0f %.0f\\n", $1, $2, $3}'`,
  ].join("\n");
}

function collectScript(p: LongPhase, dir: string): string {
  return `d=${shellQuote(dir)}\ncat "$d/${p.name}.out"\ncat "$d/${p.name}.err" >&2\nexit "$(cat "$d/${p.name}.rc")"`;
}

/** The run folder of a migration. */
export function runFolder(id: string): string {
  return dirOf(id);
}

/**
 * Bash that prints what of migration `id` still works on the host: its detached runs (a unit,
 * or the process of a pid file naming its folder) and the backup units it starts and waits for.
 */
export function migrationActivityScript(id: string, runRoot = RUN_ROOT): string {
  const d = shellQuote(dirOf(id, runRoot));
  return [
    "for u in aiws-backup.service aiws-backup-check.service; do if systemctl is-active --quiet \"$u\" 2>/dev/null; then echo \"$u\"; fi; done",
    `systemctl list-units --plain --no-legend ${shellQuote(unitName({ id, name: "*" }))} 2>/dev/null | awk '{print $1}'`,
    `for f in ${d}/*.pid; do`,
    '  [[ -e $f ]] || continue',
    `  if ${livePid('"$f"', d)}; then echo "process $p"; fi`,
    "done",
    "true",
  ].join("\n");
}

/** Bash that stops every detached run of migration `id` still going (its unit, or the process of its pid file). */
export function stopRunsScript(id: string, runRoot = RUN_ROOT): string {
  const d = shellQuote(dirOf(id, runRoot));
  return [
    `systemctl stop ${shellQuote(unitName({ id, name: "*" }))} 2>/dev/null || true`,
    `for f in ${d}/*.pid; do`,
    '  [[ -e $f ]] || continue',
    `  if ${livePid('"$f"', d)}; then ${KILL_RUN}; fi`,
    "done",
  ].join("\n");
}
