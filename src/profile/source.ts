import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, isMap, isNode, isPair, isScalar, type Document, type Node } from "yaml";
import { dottedPath, type Problem } from "./problems.js";

/** One parsed YAML file, kept with its line counter so any node can be located. */
export interface YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The file's content as plain data (undefined when it could not be parsed). */
  readonly data: unknown;
}

export type Path = readonly (string | number)[];

export function readYaml(file: string, displayName: string): { source?: YamlSource; problems: Problem[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a profile" : `cannot be read (${code ?? String(e)})`;
    return { problems: [{ file: displayName, line: 0, col: 0, path: "", message: why }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = doc.errors.map((err) => {
    const pos = lines.linePos(err.pos[0]);
    return { file: displayName, line: pos.line, col: pos.col, path: "", message: `broken YAML: ${firstLine(err.message)}` };
  });
  if (problems.length > 0) return { problems };
  const source: YamlSource = { file: displayName, doc, lines, data: doc.toJS() };
  if (!isMap(doc.contents)) {
    return { problems: [{ file: displayName, line: 1, col: 1, path: "", message: "a profile is a YAML mapping (key: value lines) at the top level" }] };
  }
  return { source, problems: [] };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/** Line and column of the node at `path`, or of its closest ancestor present in this file. */
export function locate(src: YamlSource, path: Path, preferKey = false): { line: number; col: number; exact: boolean } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(src.doc, path.slice(0, n), preferKey && n === path.length);
    if (node?.range) {
      const pos = src.lines.linePos(node.range[0]);
      return { line: pos.line, col: pos.col, exact: n === path.length };
    }
  }
  return undefined;
}

/** The value node at `path` (or the key node, for "unknown key" problems). */
function nodeAt(doc: Document.Parsed, path: Path, wantKey: boolean): Node | undefined {
  if (path.length === 0) return isNode(doc.contents) ? doc.contents : undefined;
  if (wantKey) {
    const parent = doc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(path[path.length - 1]));
      if (pair && isNode(pair.key)) return pair.key;
    }
    return undefined;
  }
  const node = doc.getIn(path as (string | number)[], true);
  return isNode(node) ? node : undefined;
}

/** A problem located in the first source (most derived first) that holds the path. */
export function problemAt(sources: readonly YamlSource[], path: Path, message: string, preferKey = false): Problem {
  let fallback: Problem | undefined;
  for (const src of sources) {
    const pos = locate(src, path, preferKey);
    if (pos?.exact) return { file: src.file, line: pos.line, col: pos.col, path: dottedPath(path), message };
    if (pos && !fallback) fallback = { file: src.file, line: pos.line, col: pos.col, path: dottedPath(path), message };
  }
  const first = sources[0];
  return fallback ?? { file: first?.file ?? "<profile>", line: 0, col: 0, path: dottedPath(path), message };
}
