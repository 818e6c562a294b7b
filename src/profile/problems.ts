/**
 * Problems a user can cause in a profile, each pointing at the file, line and column of the
 * YAML node to change and its dotted path. They are collected, never thrown one at a time,
 * so one run of `npm run check` lists everything that is wrong.
 */
export interface Problem {
  readonly file: string;
  /** 1-based; 0 when the problem has no node (a missing file). */
  readonly line: number;
  readonly col: number;
  /** Dotted path into the profile (`hardware.gpus.0.model`); empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** Thrown by the loader with every problem found; `message` is the whole report. */
export class ProfileError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ProfileError";
  }
}

export function dottedPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

/** Levenshtein distance, for did-you-mean suggestions. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate, if it is close enough to be what the user meant. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const w = normalize(word);
  for (const c of candidates) {
    const lc = normalize(c);
    // A word whose letters all appear in order in a candidate ("maxq" in "max-q") is an abbreviation of it.
    const score = isSubsequence(w, lc) || isSubsequence(lc, w) ? Math.abs(lc.length - w.length) * 0.01 : distance(w, lc);
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestScore <= limit ? best : undefined;
}

function normalize(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function isSubsequence(short: string, long: string): boolean {
  if (short.length < 3) return false;
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length;
}

export function suggestion(word: string, candidates: Iterable<string>): string {
  const m = didYouMean(word, candidates);
  return m ? `; did you mean ${m}?` : "";
}
