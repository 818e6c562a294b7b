import { readFileSync } from "node:fs";

const cache = new Map<string, string>();

/** The text of a file that lives beside this module (src/host/backup/NAME; `host/NAME` for what is installed on the host). */
export function backupSh(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./${name}`, import.meta.url), "utf8");
    cache.set(name, text);
  }
  return text;
}
