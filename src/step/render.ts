import { scriptsBeside } from "./scripts.js";
import type { Step } from "./step.js";

const hostSh = scriptsBeside(import.meta.url);
/** What every phase file carries after its preamble: package queries (aiws_installed). */
export const STEP_QUERIES = hostSh("queries.sh");
/** What apply phase files carry after the queries: the apt helpers, aiws_reboot_required. */
export const STEP_RUNTIME = hostSh("runtime.sh");
/** The detached half of a converge (written to the run directory and started by aiws_detach). */
export const CONVERGE_RUNNER = hostSh("runner.sh");
/** The session's half: aiws_detach starts the runner and follows its output. */
const DETACH_LIB = hostSh("detach.sh");
/** Where converge runs keep their work directories and the host's one aiws lock. */
export const RUN_ROOT = "/run/aiws";

/**
 * Turns a Step into the bash that one of the three drivers (Pulumi, drift, e2e) sends to
 * `bash -s` on the host. Pure: the same step and secrets always give the same text.
 *
 * Shape of every rendered script:
 *  - the whole script is one function, called on its last line, so bash has read all of it
 *    before anything runs (a connection cut mid-transfer runs nothing);
 *  - a private work directory (`mktemp -d` in /run, a tmpfs, or /tmp when /run is not
 *    writable) removed by an EXIT trap (HUP, INT and TERM exit through it too);
 *  - each secret written into a 0600 file there from a quoted here-document, its path exported
 *    as `AIWS_SECRET_<NAME>_FILE` (see secretFileVar); values never reach argv or the terminal;
 *  - each phase body written to its own file behind the quoted preamble (`AIWS_STEP` and
 *    `step.vars`, single-quoted) and run as its own `bash FILE </dev/null`, so `set -euo
 *    pipefail` holds inside it (bash ignores `set -e` inside an `if` condition) and nothing it
 *    runs can read the rest of the script from stdin.
 *
 * `check`, `apply` and `remove` run that one phase and exit with its status (an apply that
 * asked for a reboot with aiws_reboot_required also prints `aiws: <id>: reboot required`).
 *
 * `converge` runs check in the session; in sync: prints `aiws: <id>: in sync`, exits 0.
 * Otherwise it prints the check's reason and hands the rest to a runner detached from the SSH
 * session (src/step/runner.sh, started and followed by src/step/detach.sh), so that a cut
 * connection never kills apt or dpkg halfway: the runner takes the host's aiws lock (waiting,
 * and saying so, while another run holds it), checks again, applies, checks again, and the
 * session streams its output with a heartbeat. Then: `aiws: <id>: converged`, exit 0; a
 * reboot asked for (a marker file, never an exit code: apt exits 100 on any error):
 * `aiws: <id>: reboot required`, runs `onRebootRequired`, exits 0; apply failed: its last
 * error lines on stderr, exits with its status; still not converged after apply: the check's
 * reason (and the apply's last error lines) on stderr, exit 1.
 */
export type Phase = "check" | "apply" | "remove" | "converge";

export interface RenderOptions {
  /**
   * Bash run by `converge` when apply asked for a reboot (aiws_reboot_required), after the
   * `reboot required` line and before `exit 0` (as root, in the rendered script's shell;
   * `$aiws_dir` is the work directory). The Pulumi driver schedules the reboot here; drift and e2e leave it out.
   */
  readonly onRebootRequired?: string;
  /**
   * One line rendered as a comment near the top: changes the script, and so the Pulumi input,
   * without changing what it does. The Pulumi program puts a repair request's stamp here
   * (`aiws:repair`, see src/step/repair.ts) so that Pulumi runs the step again.
   */
  readonly stamp?: string;
}

/** Names a shell variable from `step.vars` may have. */
const VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Names the shell or the loader give a meaning to; a step may not set them. `AIWS_` is ours. */
const RESERVED_VARS = new Set([
  "PATH", "IFS", "HOME", "SHELL", "PWD", "OLDPWD", "CDPATH", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS",
  "PS4", "GLOBIGNORE", "TMPDIR", "LD_PRELOAD", "LD_LIBRARY_PATH", "LANG", "LC_ALL", "UID", "EUID", "PPID",
]);

const STEP_ID = /^[a-z0-9][a-z0-9-]*$/;

export function renderScript(
  step: Step,
  phase: Phase,
  secrets?: Readonly<Record<string, string>>,
  opts: RenderOptions = {},
): string {
  validateStep(step);
  const id = step.id;
  const converge = phase === "converge";
  const lines: string[] = [
    "#!/usr/bin/env bash",
    // bash -s reads its script from the pipe one byte per read(2), to leave the rest of stdin to
    // what it runs; under emulation a converge script's 20 KB cost a second a step. cat reads the
    // rest in blocks, and the text runs only once it has arrived whole (a cut transfer leaves
    // aiws_main unfinished, a syntax error: nothing runs).
    ...(converge ? ['aiws_text=$(cat) && eval "$aiws_text"'] : []),
    `# aiws step ${id} (${phase}): ${oneLine(step.title)}`,
    ...(opts.stamp !== undefined ? [`# aiws: run again on request ${oneLine(opts.stamp)}`] : []),
    "# Rendered by src/step/render.ts: read whole, then run (see aiws_main at the end).",
    ...(converge ? [DETACH_LIB.replace(/\n$/, "")] : []),
    "aiws_main() {",
    "set -euo pipefail",
    "umask 077",
    ...(converge ? convergeWorkDir(id) : workDir()),
    "trap 'exit 129' HUP",
    "trap 'exit 130' INT",
    "trap 'exit 143' TERM",
    ...secretFiles(step, phase, secrets),
  ];

  const phases: ("check" | "apply" | "remove")[] = converge ? ["check", "apply"] : [phase];
  for (const p of phases) lines.push(...writeFile(`"$aiws_dir/${p}"`, phaseFile(step, p), `AIWS_${p.toUpperCase()}_EOF`));

  if (converge) lines.push(...writeFile(`"$aiws_dir/runner"`, CONVERGE_RUNNER.replace(/\n$/, ""), "AIWS_RUNNER_EOF"), ...convergeLogic(id, opts.onRebootRequired));
  else if (phase === "apply") lines.push(...applyLogic(id));
  else lines.push(`bash "$aiws_dir/${phase}" </dev/null`);

  lines.push("}", 'aiws_main "$@"');
  return `${lines.join("\n")}\n`;
}

/** A private work directory in /run (a tmpfs), or /tmp when /run is not writable, removed at exit. */
function workDir(): string[] {
  return [
    "if [ -d /run ] && [ -w /run ]; then aiws_tmp=/run; else aiws_tmp=/tmp; fi",
    'aiws_dir=$(mktemp -d "$aiws_tmp/aiws.XXXXXXXXXX")',
    `trap 'rm -rf -- "$aiws_dir"' EXIT`,
  ];
}

/**
 * A converge's work directory is also the detached runner's: under RUN_ROOT/runs, kept at exit
 * while a runner started from it has not finished (it removes its scripts and secrets itself).
 * Finished runs older than an hour that a cut session left behind are removed by aiws_detach.
 */
function convergeWorkDir(id: string): string[] {
  return [
    `aiws_root=${RUN_ROOT}`,
    'if ! mkdir -p "$aiws_root/runs" 2>/dev/null || [ ! -w "$aiws_root/runs" ]; then aiws_root=/tmp/aiws-$(id -u); mkdir -p "$aiws_root/runs"; fi',
    'chmod 0700 "$aiws_root" "$aiws_root/runs"',
    `aiws_dir=$(mktemp -d "$aiws_root/runs/${id}.XXXXXXXXXX")`,
    `trap 'if [ ! -e "$aiws_dir/started" ] || [ -e "$aiws_dir/status" ]; then rm -rf -- "$aiws_dir"; fi' EXIT`,
  ];
}

/**
 * The file one phase runs from: `set -euo pipefail`, the quoted preamble, then the body as the
 * concern wrote it. Exported so a concern's tests can shellcheck a body the way it really runs.
 */
export function phaseFile(step: Step, phase: "check" | "apply" | "remove"): string {
  validateStep(step);
  const body = step[phase];
  return [
    "#!/usr/bin/env bash",
    `# aiws step ${step.id}: ${phase}`,
    "set -euo pipefail",
    ...preamble(step),
    STEP_QUERIES.replace(/\n$/, ""),
    ...(phase === "apply" ? [STEP_RUNTIME.replace(/\n$/, "")] : []),
    body.endsWith("\n") ? body.slice(0, -1) : body,
    "",
  ].join("\n");
}

/** `AIWS_STEP` and every `step.vars` entry as single-quoted shell assignments. */
export function preamble(step: Step): string[] {
  const out = ["# shellcheck disable=SC2034 # not every body uses every value", "{", `AIWS_STEP=${shellQuote(step.id)}`];
  for (const [name, value] of Object.entries(step.vars)) out.push(`${name}=${shellQuote(value)}`);
  out.push("}");
  return out;
}

/**
 * A bash word that stands for exactly `value`: single quotes, each `'` closed, escaped and
 * reopened. Nothing inside single quotes is special to bash, newlines included.
 */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new Error("render: a shell value cannot hold a NUL byte");
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A here-document delimiter that is not a line of `text`: `base`, else `base_1`, `base_2`...
 * A quoted here-document ends at the first line equal to its delimiter, so this is the one
 * condition for the text to arrive whole.
 */
export function heredocDelimiter(base: string, text: string): string {
  const lines = new Set(text.split("\n"));
  let d = base;
  for (let i = 1; lines.has(d); i++) d = `${base}_${i}`;
  return d;
}

/**
 * Lines writing `text` to `target` (a quoted shell word) exactly, byte for byte: a quoted
 * here-document always ends in a newline, so one is added and then cut off with truncate.
 */
function writeFile(target: string, text: string, base: string): string[] {
  if (text.includes("\0")) throw new Error("render: a script or secret cannot hold a NUL byte");
  const eof = heredocDelimiter(base, `${text}\n`);
  return [`cat > ${target} <<'${eof}'`, text, eof, `truncate -s -1 ${target}`];
}

/**
 * The variable holding the path of a secret's file: `AIWS_SECRET_<NAME>_FILE`, NAME in upper
 * snake case (`resticPassword` and `restic-password` both give AIWS_SECRET_RESTIC_PASSWORD_FILE).
 */
export function secretFileVar(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[-.]/g, "_")
    .toUpperCase();
  const v = `AIWS_SECRET_${snake}_FILE`;
  if (!/^[A-Z0-9_]+$/.test(snake)) throw new Error(`render: secret name ${JSON.stringify(name)} must be letters, digits, "-", "." or "_"`);
  return v;
}

function secretFiles(step: Step, phase: Phase, secrets: Readonly<Record<string, string>> | undefined): string[] {
  if (step.secrets.length === 0) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const name of step.secrets) {
    const v = secretFileVar(name);
    if (seen.has(v)) throw new Error(`render: step ${step.id} names secret ${name} twice (as ${v})`);
    seen.add(v);
    const value = secrets?.[name];
    if (value === undefined) {
      // `remove` must not need secrets: the Pulumi driver sends it in the command line, never with them.
      if (phase === "remove") continue;
      // The drift check runs checks without secrets (it never sends them): the variable is set
      // but empty, and a check that compares against a secret checks only what it can without.
      if (phase === "check") {
        out.push(`export ${v}=''`);
        continue;
      }
      throw new Error(`render: step ${step.id} needs secret ${name}, which was not given`);
    }
    const file = `"$aiws_dir/secret-${v.slice("AIWS_SECRET_".length, -"_FILE".length).toLowerCase()}"`;
    // Here-documents bigger than a pipe go through a temporary file in TMPDIR: keep it in the work directory.
    out.push(`export ${v}=${file}`, "(", 'TMPDIR="$aiws_dir"', ...writeFile(`"$${v}"`, value, `AIWS_SECRET_EOF`), ")");
  }
  return out;
}

function convergeLogic(id: string, onReboot: string | undefined): string[] {
  // The id is kebab-case (validateStep): safe as it is inside double quotes.
  return [
    `if aiws_reason=$(bash "$aiws_dir/check" </dev/null 2>&1); then`,
    `  echo "aiws: ${id}: in sync"`,
    "  exit 0",
    "else",
    "  aiws_status=$?",
    "fi",
    `echo "aiws: ${id}: not in sync: \${aiws_reason:-check exited $aiws_status}"`,
    `aiws_detach "$aiws_dir" ${id} "$aiws_root/lock"`,
    'case $aiws_result in',
    `  converged) echo "aiws: ${id}: converged" ;;`,
    "  reboot)",
    `    echo "aiws: ${id}: reboot required"`,
    // Not indented: the snippet may hold a here-document.
    ...(onReboot ? [onReboot.replace(/\n$/, "")] : []),
    "    ;;",
    "  *)",
    `    grep -E '^aiws: ${id}: (apply failed|still not converged|the detached run)' "$aiws_dir/out" >&2 || echo "aiws: ${id}: failed (exit $aiws_code)" >&2`,
    '    [ "$aiws_code" -ne 0 ] 2>/dev/null || aiws_code=1',
    '    exit "$aiws_code"',
    "    ;;",
    "esac",
    "exit 0",
  ];
}

/** The apply phase alone: the reboot marker lives in the work directory. */
function applyLogic(id: string): string[] {
  return [
    'export AIWS_REBOOT_FILE="$aiws_dir/reboot-required"',
    'bash "$aiws_dir/apply" </dev/null',
    `if [ -e "$AIWS_REBOOT_FILE" ]; then echo "aiws: ${id}: reboot required"; fi`,
  ];
}

function validateStep(step: Step): void {
  if (!STEP_ID.test(step.id)) throw new Error(`render: step id ${JSON.stringify(step.id)} must be kebab-case (a-z, 0-9, -)`);
  for (const name of Object.keys(step.vars)) {
    if (!VAR_NAME.test(name)) throw new Error(`render: step ${step.id}: variable name ${JSON.stringify(name)} must match [A-Z_][A-Z0-9_]*`);
    if (RESERVED_VARS.has(name) || name.startsWith("AIWS_") || name.startsWith("BASH")) {
      throw new Error(`render: step ${step.id}: variable ${name} is reserved (the shell or aiws gives it a meaning); pick another name`);
    }
  }
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}
