import { z } from "zod";

/**
 * Control characters: C0 (tab, newline, carriage return, escape ...), DEL, C1 and the Unicode
 * line and paragraph separators. A profile's strings end up in config files that root programs
 * read line by line (a newline in a GPU name would write an extra line into
 * /etc/aiws/gpu-power-limits.conf) and in newline-separated step vars (a newline in a serial
 * would shift safe mode's drive-to-serial pairing), so no string may carry one.
 */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The message every string field gives for a control character. */
const NO_CONTROL_MESSAGE = "must be one line of text without control characters (no newline, tab or escape)";

/** A free-text string: anything printable on one line. */
export function text() {
  return z.string().refine((s) => !CONTROL_CHARACTERS.test(s), { message: NO_CONTROL_MESSAGE });
}

/** A free-text string that may not be empty. */
export function nonEmptyText() {
  return z.string().min(1).refine((s) => !CONTROL_CHARACTERS.test(s), { message: NO_CONTROL_MESSAGE });
}
