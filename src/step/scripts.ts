import { readFileSync } from "node:fs";

const cache = new Map<string, string>();

/**
 * The one loader of the bash that lives beside the code that uses it:
 * `const sh = scriptsBeside(import.meta.url)` gives `sh("name.check.sh")`, the text of that file
 * in the module's own folder, read once.
 */
export function scriptsBeside(moduleUrl: string): (name: string) => string {
  return (name) => {
    const url = new URL(name, moduleUrl);
    let text = cache.get(url.href);
    if (text === undefined) {
      text = readFileSync(url, "utf8");
      cache.set(url.href, text);
    }
    return text;
  };
}
