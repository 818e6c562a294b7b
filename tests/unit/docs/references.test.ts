import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "../../..");

/**
 * Every file the repository ships that people read: docs, comments, messages, catalogs. Test
 * code is left out (it names files that must not exist on purpose), and so are generated files.
 */
function shippedFiles(): string[] {
  const tracked = gitFiles() ?? walk(ROOT).map((f) => relative(ROOT, f));
  return tracked.filter(
    (f) =>
      existsSync(join(ROOT, f)) &&
      !/^tests\/(unit|program|e2e)\//.test(f) &&
      !/(^|\/)package-lock\.json$|\.schema\.json$|^node_modules/.test(f) &&
      /\.(md|ts|mjs|sh|yaml|yml|json|txt|py)$|^\.ci\/run$|^lab\/.*\/[a-z-]+$|^src\/host\/backup\/host\//.test(f),
  );
}

/** The repository's files as git knows them (a copy without .git: undefined). */
function gitFiles(): string[] | undefined {
  try {
    return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n").filter(Boolean);
  } catch {
    return undefined;
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (["node_modules", ".git", ".lab"].includes(e.name)) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

/** Paths into the repository that a text cites: `docs/x.md`, `src/a/b.ts`, `profiles/catalog/`. */
const CITED = /(?<![\w./$~{-])((?:docs|src|scripts|profiles|lab|tests|stacks|reference|shared|\.ci|\.github)\/[\w./-]*\.(?:md|ts|mjs|sh|ya?ml|json|txt|csv|py))(?![\w/])/g;
/** A placeholder, not a file: profiles/NAME.yaml, stacks/Pulumi.<stack>.yaml. */
const PLACEHOLDER = /[A-Z]{3,}\.|<|\*|\bx\.yaml$|\.\.\./;

/** Files the docs tell the owner to make: they cannot exist in the repository. */
const OWNER_MAKES = new Set(["profiles/mine.yaml", "stacks/Pulumi.workstation.yaml"]);

function citedPaths(text: string): string[] {
  return [...text.matchAll(CITED)].map((m) => m[1]!).filter((p) => !PLACEHOLDER.test(p) && !OWNER_MAKES.has(p));
}

/** README headings a text names: `README, "Drift in CI"`, `see README: Installing Pulumi)`. */
function namedReadmeHeadings(text: string): string[] {
  return [...text.matchAll(/README(?:\.md)?(?:'s)?(?:,|:)?\s*(?:section\s+)?["“]([^"”]+)["”]|README(?:\.md)?:\s+([A-Z][\w -]+?)\s*[)\]]/g)].map((m) => (m[1] ?? m[2]!).trim());
}

function readmeHeadings(): string[] {
  return readFileSync(join(ROOT, "README.md"), "utf8")
    .split("\n")
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => l.replace(/^#+ /, "").replace(/`/g, "").trim().toLowerCase());
}

describe("no dangling reference", () => {
  const files = shippedFiles();

  it("finds the files to read", () => {
    expect(files).toEqual(expect.arrayContaining(["README.md", "Pulumi.yaml", "src/ssh/target.ts", "profiles/catalog/models.yaml", "stacks/Pulumi.example.yaml"]));
  });

  it("every file path cited in docs, comments, catalogs and messages exists", () => {
    const missing: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(ROOT, f), "utf8");
      for (const p of citedPaths(text)) {
        if (!existsSync(join(ROOT, p)) && !existsSync(join(ROOT, dirname(f), p))) missing.push(`${f} cites ${p}`);
      }
      // Markdown links to files beside it: [backup](docs/backup.md), [lab](lab.md).
      if (f.endsWith(".md")) {
        for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
          const p = m[1]!;
          if (/^[a-z]+:/.test(p)) continue;
          if (!existsSync(join(ROOT, dirname(f), p))) missing.push(`${f} links ${p}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("every README heading a text names exists", () => {
    const headings = readmeHeadings();
    const missing: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(ROOT, f), "utf8");
      for (const h of namedReadmeHeadings(text)) {
        if (!headings.includes(h.replace(/`/g, "").toLowerCase())) missing.push(`${f} names the README heading "${h}"`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("would catch the kinds that were dangling", () => {
    expect(namedReadmeHeadings('(see README: Installing Pulumi)" and (README, "Drift in CI")')).toEqual(["Installing Pulumi", "Drift in CI"]);
    expect(citedPaths("see docs/pulumi-up.md and shared/reference/x.md, not profiles/NAME.yaml or $src/CMakeLists.txt")).toEqual(["docs/pulumi-up.md", "shared/reference/x.md"]);
  });
});
