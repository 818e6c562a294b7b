import { scriptsBeside } from "../../step/scripts.js";

/** The text of a bash file that lives beside this module (src/host/storage/NAME). */
export const storageSh = scriptsBeside(import.meta.url);

/** Joins bash parts (libraries, then the body) into one script body. */
export function bashBody(...parts: string[]): string {
  return parts.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join("");
}
