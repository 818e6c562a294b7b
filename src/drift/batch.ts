import { randomBytes } from "node:crypto";
import type { Step } from "../step/step.js";
import { heredocDelimiter } from "../step/render.js";

/**
 * Every step's check in one bash script, so the drift check costs one SSH connection and one
 * `bash -s`, whatever the number of steps. Each check runs in its own bash process (its own
 * `set -e`, its own exit status); its output is framed by a marker made fresh for each run so
 * that nothing a check prints can forge a frame.
 */
interface Batch {
  readonly script: string;
  readonly marker: string;
}

export function batchChecks(steps: readonly Step[], renderCheck: (s: Step) => string): Batch {
  const marker = `AIWS_${randomBytes(8).toString("hex")}`;
  const parts = [
    "#!/usr/bin/env bash",
    "# aiws drift: every step's check, read-only.",
    "set -u",
    `aiws_dir=$(mktemp -d /run/aiws-drift.XXXXXX 2>/dev/null || mktemp -d)`,
    `trap 'rm -rf "$aiws_dir"' EXIT`,
  ];
  for (const step of steps) {
    const body = renderCheck(step);
    const eof = heredocDelimiter(`${marker}_EOF`, body);
    parts.push(
      `cat >"$aiws_dir/check" <<'${eof}'`,
      body,
      eof,
      `echo '${marker} BEGIN ${step.id}'`,
      `bash "$aiws_dir/check" </dev/null 2>&1`,
      `echo "${marker} END ${step.id} $?"`,
    );
  }
  return { script: `${parts.join("\n")}\n`, marker };
}

export interface CheckOutcome {
  /** The check's exit status: 0 in sync. */
  readonly code: number;
  /** What it printed: the reason when drifted. */
  readonly output: string;
}

/** Reads the framed output back into one outcome per step id. Steps with no complete frame are absent. */
export function parseBatchOutput(text: string, marker: string): Map<string, CheckOutcome> {
  const out = new Map<string, CheckOutcome>();
  let current: { id: string; lines: string[] } | undefined;
  for (const raw of text.split("\n")) {
    if (raw.startsWith(`${marker} BEGIN `)) {
      current = { id: raw.slice(`${marker} BEGIN `.length).trim(), lines: [] };
      continue;
    }
    if (raw.startsWith(`${marker} END `) && current) {
      const [id, code] = raw.slice(`${marker} END `.length).trim().split(" ");
      if (id === current.id) out.set(id, { code: Number(code), output: current.lines.join("\n").trim() });
      current = undefined;
      continue;
    }
    current?.lines.push(raw);
  }
  return out;
}
