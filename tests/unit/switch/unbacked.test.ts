import { describe, expect, it } from "vitest";
import { classifyUnbacked, excludeMatches } from "../../../src/switch/unbacked.js";

describe("files in no snapshot, by why", () => {
  it("matches restic exclude patterns: a directory and what lies below it, * within one element, ** across", () => {
    expect(excludeMatches("/data/models", "/data/models/llama/w.gguf")).toBe(true);
    expect(excludeMatches("/data/models", "/data/models")).toBe(true);
    expect(excludeMatches("/data/models", "/data/models2/w.gguf")).toBe(false);
    expect(excludeMatches("/data/*/cache", "/data/ana/cache/x")).toBe(true);
    expect(excludeMatches("/data/*/cache", "/data/ana/deep/cache/x")).toBe(false);
    expect(excludeMatches("/data/**/cache", "/data/ana/deep/cache/x")).toBe(true);
    expect(excludeMatches("/data/run?.log", "/data/run1.log")).toBe(true);
    expect(excludeMatches("/data/a.b", "/data/axb")).toBe(false);
    // A pattern without a leading slash matches anywhere in restic: never a reason to give data up.
    expect(excludeMatches("*.tmp", "/data/x.tmp")).toBe(false);
  });

  it("sorts each file under the exclude entry that left it out, or among the unexplained", () => {
    const u = classifyUnbacked(["/data/models/a", "/data/raw/b", "/data/models/c", "/data/p/.nobackup"], ["/data/models", "/data/raw"]);
    expect(Object.fromEntries(u.excluded)).toEqual({ "/data/models": ["/data/models/a", "/data/models/c"], "/data/raw": ["/data/raw/b"] });
    expect(u.other).toEqual(["/data/p/.nobackup"]);
  });
});
