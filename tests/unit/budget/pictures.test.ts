import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkProfileFile } from "../../../src/budget/check.js";
import { reportJson } from "../../../src/budget/format.js";
import { checkRoadmapFile } from "../../../src/budget/roadmap.js";
import { roadmapJson } from "../../../src/budget/roadmapFormat.js";
import { budgetSvg } from "../../../src/budget/svg/budgetSvg.js";
import { pictures, PICTURES_DIR } from "../../../src/budget/svg/pictures.js";
import { roadmapSvg } from "../../../src/budget/svg/roadmapSvg.js";

const ROOT = join(import.meta.dirname, "../../..");
const PROFILES = readdirSync(join(ROOT, "profiles")).filter((f) => f.endsWith(".yaml")).map((f) => f.replace(/\.yaml$/, ""));
const ROADMAPS = readdirSync(join(ROOT, "profiles/roadmap")).filter((f) => f.endsWith(".yaml")).map((f) => f.replace(/\.yaml$/, ""));

interface Element {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: Element[];
}

/** A strict little XML reader: every tag closed in order, every attribute quoted, no raw `<` or `&` in text. */
function parseSvg(svg: string): Element {
  const root: Element = { name: "#root", attrs: {}, children: [] };
  const stack = [root];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/g;
  let at = 0;
  for (let m = re.exec(svg); m; m = re.exec(svg)) {
    if (m.index !== at) throw new Error(`not XML at ${at}: ${svg.slice(at, at + 40)}`);
    at = re.lastIndex;
    if (m[5] !== undefined) {
      if (/&(?!amp;|lt;|gt;|quot;)/.test(m[5])) throw new Error(`raw & in text: ${m[5]}`);
      continue;
    }
    const [, close, name, attrText, selfClose] = m;
    if (close) {
      const open = stack.pop()!;
      if (open.name !== name) throw new Error(`</${name}> closes <${open.name}>`);
      continue;
    }
    const attrs = Object.fromEntries([...attrText!.matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]));
    const el: Element = { name: name!, attrs, children: [] };
    stack[stack.length - 1]!.children.push(el);
    if (!selfClose) stack.push(el);
  }
  if (at !== svg.length || stack.length !== 1) throw new Error("unclosed elements or trailing garbage");
  return root;
}

function all(e: Element, pred: (e: Element) => boolean): Element[] {
  return [...(pred(e) ? [e] : []), ...e.children.flatMap((c) => all(c, pred))];
}

interface JsonLine {
  id: string;
  load: number;
  limit: number;
  ok: boolean;
}

describe("the README's pictures are current", () => {
  const made = pictures();

  it.each([...made.keys()])("%s matches what npm run pictures writes", (path) => {
    const file = join(ROOT, path);
    expect(existsSync(file), `${path} is missing: run npm run pictures`).toBe(true);
    expect(readFileSync(file, "utf8") === made.get(path), `${path} is stale: run npm run pictures`).toBe(true);
  });

  it("draws every shipped profile and roadmap, and nothing else lies in docs/img", () => {
    expect([...made.keys()].sort()).toEqual([...PROFILES.map((p) => `${PICTURES_DIR}/budget-${p}.svg`), ...ROADMAPS.map((r) => `${PICTURES_DIR}/roadmap-${r}.svg`)].sort());
    const onDisk = readdirSync(join(ROOT, PICTURES_DIR)).filter((f) => f.endsWith(".svg")).map((f) => `${PICTURES_DIR}/${f}`);
    expect(onDisk.sort()).toEqual([...made.keys()].sort());
  });
});

describe("a profile's picture holds the figures of check --json", () => {
  it.each(PROFILES)("%s", (name) => {
    const report = checkProfileFile(join(ROOT, `profiles/${name}.yaml`));
    const json = reportJson(report) as { budgets: JsonLine[] };
    const svg = parseSvg(budgetSvg(report));
    const drawn = all(svg, (e) => e.attrs["data-budget"] !== undefined);
    const byId = new Map(drawn.map((e) => [e.attrs["data-budget"]!, e]));
    expect(new Set(byId.keys()).size).toBe(drawn.length);
    for (const b of json.budgets) {
      if (b.id.startsWith("vram-gpu") && b.load === 0) continue; // a card no service uses is not drawn
      const e = byId.get(b.id);
      expect(e, `${name}: ${b.id} is not drawn`).toBeDefined();
      expect([Number(e!.attrs["data-load"]), Number(e!.attrs["data-limit"]), e!.attrs["data-ok"]]).toEqual([b.load, b.limit, String(b.ok)]);
    }
    // Each power bar's parts add up to its load.
    for (const id of ["psu-sustained", "psu-peak", "circuit-continuous", "circuit-peak", "ups"]) {
      const e = byId.get(id);
      if (!e) continue;
      const sum = all(e, (x) => x.attrs["data-part"] !== undefined).reduce((a, x) => a + Number(x.attrs["data-value"]), 0);
      expect(sum, `${name}: ${id}`).toBeCloseTo(Number(e.attrs["data-load"]), 0);
    }
  });
});

describe("a roadmap's picture holds the figures of roadmap --json, step by step", () => {
  it.each(ROADMAPS)("%s", (name) => {
    const report = checkRoadmapFile(join(ROOT, `profiles/roadmap/${name}.yaml`));
    const json = roadmapJson(report) as { steps: { number: number; total: { sum: number }; check: { budgets: JsonLine[] } }[] };
    const svg = parseSvg(roadmapSvg(report));
    const cells = all(svg, (e) => e.attrs["data-step"] !== undefined && e.attrs["data-budget"] !== undefined);
    expect(cells).toHaveLength(json.steps.reduce((a, s) => a + s.check.budgets.length, 0));
    for (const s of json.steps) {
      for (const b of s.check.budgets) {
        const c = cells.find((e) => e.attrs["data-step"] === String(s.number) && e.attrs["data-budget"] === b.id);
        expect(c, `step ${s.number} ${b.id}`).toBeDefined();
        expect([Number(c!.attrs["data-load"]), Number(c!.attrs["data-limit"]), c!.attrs["data-ok"]]).toEqual([b.load, b.limit, String(b.ok)]);
      }
      const total = all(svg, (e) => e.attrs["data-step"] === String(s.number) && e.attrs["data-total"] !== undefined);
      expect(total.map((e) => Number(e.attrs["data-total"]))).toEqual([s.total.sum]);
    }
  });
});

describe("--svg on the command line", () => {
  const run = (script: string, ...args: string[]) => {
    try {
      return { code: 0, err: "", out: execFileSync(process.execPath, ["--import", "tsx", join(ROOT, `scripts/${script}.ts`), ...args], { cwd: ROOT, encoding: "utf8", stdio: "pipe" }) };
    } catch (e) {
      const x = e as { status: number; stdout: string; stderr: string };
      return { code: x.status, out: x.stdout, err: x.stderr };
    }
  };
  const dir = mkdtempSync(join(tmpdir(), "aiws-svg-"));

  it.each([
    ["check", "profiles/quad-gpu.yaml", 0, () => budgetSvg(checkProfileFile(join(ROOT, "profiles/quad-gpu.yaml")))],
    ["check", "profiles/a16z.yaml", 1, () => budgetSvg(checkProfileFile(join(ROOT, "profiles/a16z.yaml")))],
    ["roadmap", "profiles/roadmap/corrected.yaml", 0, () => roadmapSvg(checkRoadmapFile(join(ROOT, "profiles/roadmap/corrected.yaml")))],
  ] as const)("%s --svg FILE %s writes the picture and exits %d", (script, file, code, want) => {
    const out = join(dir, `${script}-${code}.svg`);
    expect(run(script, "--svg", out, file).code).toBe(code);
    expect(readFileSync(out, "utf8")).toBe(want());
  });

  it.each([
    ["check", ["--svg", join(dir, "x.svg"), "profiles/base.yaml", "profiles/quad-gpu.yaml"], "--svg draws one profile"],
    ["check", ["profiles/base.yaml", "--svg"], "--svg needs a value"],
    ["roadmap", ["--svg", join(dir, "y.svg")], "--svg draws one roadmap"],
  ] as const)("%s %j exits 2: %s", (script, args, message) => {
    const r = run(script, ...args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});
