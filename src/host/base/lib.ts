import { scriptsBeside } from "../../step/scripts.js";
import { heredocDelimiter } from "../../step/render.js";

/** Helpers every aiws step script starts with: dpkg queries, idempotent file writes, aiws_die. */
export const AIWS_LIB = scriptsBeside(import.meta.url)("lib.sh");

/** The bash of a step with the shared helpers in front of each script. */
export function withLib(lib: string, body: { check: string; apply: string; remove: string }) {
  return { check: `${lib}\n${body.check}`, apply: `${lib}\n${body.apply}`, remove: `${lib}\n${body.remove}` };
}

/**
 * A bash function printing `text` exactly (from a quoted here-document): how a step carries a
 * file it installs (a script, a profile.d snippet) without putting shell code in a var.
 * Scripts compare and write it as "$(NAME)".
 */
export function textFunction(name: string, text: string): string {
  if (!/^aiws_text_[a-z0-9_]+$/.test(name)) throw new Error(`textFunction: ${name} must be aiws_text_<name>`);
  const eof = heredocDelimiter(`AIWS_${name.slice("aiws_text_".length).toUpperCase()}_EOF`, `${text}\n`);
  return [`${name}() {`, `  cat <<'${eof}'`, text, eof, "}", ""].join("\n");
}
