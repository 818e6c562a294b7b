import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `npm run versions`, run as the owner runs it, against a local stub of PyPI's and GitHub's
 * release APIs (--upstream-origins), so the upstream path is tested without internet.
 */
const ROOT = join(import.meta.dirname, "../../..");
const run = async (...args: string[]) => {
  try {
    const r = await promisify(execFile)(process.execPath, ["--import", "tsx", join(ROOT, "scripts/versions.ts"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
};

let server: Server;
let origin = "";
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push(req.url ?? "");
    const body: Record<string, unknown> = {
      "/pypi/vllm/json": { info: { version: "0.32.0" } },
      "/repos/ollama/ollama/releases/latest": { tag_name: "v0.40.2" },
    };
    const b = body[req.url ?? ""];
    res.writeHead(b ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify(b ?? { message: "unavailable" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("npm run versions", () => {
  it("without --upstream: the pins against the catalog, the changes on the way, contacting nothing", async () => {
    // The stub's origins are given: any lookup without --upstream would reach it and be counted.
    const r = await run(`--upstream-origins=${origin},${origin}`, "profiles/serving-4x70b.yaml");
    expect(r.err).toBe("");
    expect(r.code).toBe(1);
    expect(r.out).toContain("NVIDIA driver branch  580      catalog newest 620: the catalog lists newer");
    expect(r.out).toContain("changes at 590: Ubuntu's driver packages drop the branch from their names");
    expect(r.out).toContain("driver branch 580 runs CUDA up to 13.0");
    expect(r.out).toContain("vLLM                  0.31.0   catalog newest 0.31.0: the catalog's newest");
    expect(asked).toEqual([]);
  });

  it("with --upstream: upstream's newest beside the catalog's, and a source that fails named, not fatal", async () => {
    const r = await run("--json", "--upstream", `--upstream-origins=${origin},${origin}`, "profiles/serving-4x70b.yaml");
    expect(r.err).toBe("");
    const j = JSON.parse(r.out) as { command: string; status: string; items: { component: string; upstream?: string; upstreamNote?: string; status: string }[] };
    expect(j).toMatchObject({ command: "versions", status: "newer-available" });
    const vllm = j.items.find((i) => i.component === "vllm")!;
    expect(vllm).toMatchObject({ upstream: "0.32.0", status: "ahead-of-catalog" });
    expect(j.items.find((i) => i.component === "cuda")!.upstreamNote).toBe("no release API to ask; see the catalog entry's source");
    expect(asked).toContain("/pypi/vllm/json");
  });

  it("a profile with Ollama and llama.cpp: Ollama upstream matches, llama.cpp's source answers 503", async () => {
    const r = await run("--upstream", `--upstream-origins=${origin},${origin}`, "lab/profiles/lab-raid0.yaml");
    expect(r.out).toMatch(/Ollama {16}0\.40\.2 {3}catalog newest 0\.40\.2, upstream 0\.40\.2: the catalog's newest/);
    expect(r.out).toContain(`upstream: ${origin}/repos/ggml-org/llama.cpp/releases/latest answered 503`);
  });

  it("a bad profile or command line is exit 2 with one message", async () => {
    expect((await run()).code).toBe(2);
    const bad = await run("--upstream-origins=ftp://x,y", "profiles/quad-gpu.yaml");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--upstream-origins takes two origins");
    const missing = await run("profiles/nope.yaml");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("profiles/nope.yaml");
    expect(missing.err).not.toContain("    at ");
  });
});
