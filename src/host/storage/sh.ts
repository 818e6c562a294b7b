import { readFileSync } from "node:fs";

const cache = new Map<string, string>();

/** The text of a bash file that lives beside this module (src/host/storage/NAME). */
export function storageSh(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./${name}`, import.meta.url), "utf8");
    cache.set(name, text);
  }
  return text;
}

/** Joins bash parts (libraries, then the body) into one script body. */
export function bashBody(...parts: string[]): string {
  return parts.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join("");
}
