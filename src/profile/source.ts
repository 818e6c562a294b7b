import { LineCounter, parseDocument, isAlias, isMap, isNode, isPair, isScalar, isSeq, visit, type Document, type Node, type Pair, type YAMLMap } from "yaml";
import { dottedPath, type Problem } from "./problems.js";
import { readProfileFile } from "./readProfileFile.js";

/** One parsed YAML file, kept with its line counter so any node can be located. */
export interface YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The file's content as plain data (undefined when it could not be parsed). */
  readonly data: unknown;
}

export type Path = readonly (string | number)[];

/**
 * Aliases (`*name`) a file may use. A profile needs few, and each alias can repeat a whole
 * subtree: nested ones multiply (a "billion laughs" file of a few lines expands to gigabytes).
 */
export const MAX_ALIASES = 100;
/** What the aliases may expand to in all, counted in nodes (the yaml library's own guard). */
const MAX_ALIAS_EXPANSION = 10_000;

export function readYaml(file: string, displayName: string): { source?: YamlSource; problems: Problem[] } {
  const read = readProfileFile(file);
  if ("problem" in read) return { problems: [{ file: displayName, line: 0, col: 0, path: "", message: read.problem }] };
  const lines = new LineCounter();
  // uniqueKeys is off because the library compares each key with every earlier one (100k keys
  // took minutes): duplicateKeys below does the same check with one set per mapping.
  const doc = parseDocument(read.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number, message: string): Problem => {
    const pos = lines.linePos(offset);
    return { file: displayName, line: pos.line, col: pos.col, path: "", message };
  };
  const problems: Problem[] = doc.errors.map((err) => at(err.pos[0], `broken YAML: ${firstLine(err.message)}`));
  if (problems.length > 0) return { problems };
  const structural = duplicateKeysAndAliases(doc);
  if (structural.duplicate) return { problems: [at(structural.duplicate.offset, `broken YAML: Map keys must be unique; "${structural.duplicate.key}" is already set above`)] };
  if (structural.aliases.length > MAX_ALIASES) {
    const extra = structural.aliases[MAX_ALIASES]!;
    return { problems: [at(extra, `too many YAML aliases (${structural.aliases.length}); a profile may use at most ${MAX_ALIASES}: write the values out`)] };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    return { problems: [at(structural.aliases[0] ?? 0, `YAML aliases here expand to too much (${firstLine(e.message)}): write the values out`)] };
  }
  const source: YamlSource = { file: displayName, doc, lines, data };
  if (!isMap(doc.contents)) {
    return { problems: [{ file: displayName, line: 1, col: 1, path: "", message: "a profile is a YAML mapping (key: value lines) at the top level" }] };
  }
  return { source, problems: [] };
}

/** The first key set twice in one mapping, and where every alias is; one pass, one set per mapping. */
function duplicateKeysAndAliases(doc: Document.Parsed): { duplicate?: { key: string; offset: number }; aliases: number[] } {
  const aliases: number[] = [];
  let duplicate: { key: string; offset: number } | undefined;
  visit(doc, {
    Alias(_, node) {
      aliases.push(node.range?.[0] ?? 0);
    },
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(key)) {
          duplicate ??= { key, offset: isNode(pair.key) ? (pair.key.range?.[0] ?? 0) : 0 };
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return { duplicate, aliases };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/** Each mapping's pairs by key, built once: finding a key is then constant time, not a scan. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: string | number): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const it of map.items) {
      if (isPair(it) && isScalar(it.key) && !index.has(String(it.key.value))) index.set(String(it.key.value), it);
    }
    pairIndex.set(map, index);
  }
  return index.get(String(key));
}

/** The node at `path` (its key node when `wantKey`), following aliases. */
function nodeIn(doc: Document.Parsed, path: Path, wantKey: boolean): Node | undefined {
  let cur: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(cur)) cur = cur.resolve(doc);
    const k = path[i]!;
    if (isMap(cur)) {
      const pair = pairOf(cur, k);
      if (!pair) return undefined;
      if (wantKey && i === path.length - 1) return isNode(pair.key) ? pair.key : undefined;
      cur = pair.value;
    } else if (isSeq(cur) && typeof k === "number") {
      if (wantKey) return undefined;
      cur = cur.items[k];
    } else return undefined;
  }
  return isNode(cur) ? cur : undefined;
}

/** The plain value at `path` in this file, or undefined. */
export function valueIn(src: YamlSource, path: Path): unknown {
  let node: unknown = nodeIn(src.doc, path, false);
  if (isAlias(node)) node = node.resolve(src.doc);
  if (isScalar(node)) return node.value;
  return isNode(node) ? node.toJSON() : undefined;
}

/** Line and column of the node at `path`, or of its closest ancestor present in this file. */
export function locate(src: YamlSource, path: Path, preferKey = false): { line: number; col: number; exact: boolean } | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? (isNode(src.doc.contents) ? src.doc.contents : undefined) : nodeIn(src.doc, path.slice(0, n), preferKey && n === path.length);
    if (node?.range) {
      const pos = src.lines.linePos(node.range[0]);
      return { line: pos.line, col: pos.col, exact: n === path.length };
    }
  }
  return undefined;
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
