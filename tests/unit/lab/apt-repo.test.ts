/**
 * The lab's stand-in apt repository: the one package list is well formed, and the build
 * turns it into a signed flat repository whose packages carry what the steps rely on.
 */
import { lacks } from "../../helpers/systemTools.js";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const apt = fileURLToPath(new URL("../../../lab/apt/", import.meta.url));
const url = "http://10.200.0.1:8080/debian12/x86_64/";

interface Standin {
  name: string;
  version: string;
  arch: string;
  template: string;
  depends: string;
}

function standins(): Standin[] {
  return readFileSync(join(apt, "standins.list"), "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.trim().startsWith("#"))
    .map((l) => {
      const [name, version, arch, template, depends] = l.split("|").map((f) => f.trim());
      return { name: name!, version: version!, arch: arch!, template: template!, depends: depends ?? "" };
    });
}

const haveTools = !lacks("dpkg-deb", "dpkg-scanpackages", "gpg", "gpgv");

describe("standins.list", () => {
  it("names the packages the driver and CUDA steps install, once each, with templates that exist", () => {
    const list = standins();
    const names = list.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const wanted of [
      "cuda-keyring",
      "nvidia-driver-580-open",
      "nvidia-open",
      "cuda-drivers-580",
      "nvidia-persistenced",
      "cuda-toolkit-12-8",
      "cuda-toolkit-12-9",
      "nvidia-driver-pinning-580",
    ]) {
      expect(names).toContain(wanted);
    }
    for (const s of list) {
      expect(s.version).toMatch(/^[0-9][A-Za-z0-9.+~-]*$/);
      expect(["all", "amd64"]).toContain(s.arch);
      if (s.template !== "-") expect(spawnSync("test", ["-d", join(apt, "templates", s.template)]).status).toBe(0);
      // every dependency is either another stand-in or something the guest image holds
      for (const dep of s.depends.split(",").map((d) => d.trim().split(" ")[0]).filter(Boolean)) {
        expect([...names, "python3"]).toContain(dep);
      }
    }
  });
});

describe.skipIf(!haveTools)("build-repo.sh", () => {
  let dir: string;
  let repo: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lab-apt-"));
    repo = join(dir, "repo");
    execFileSync(join(apt, "lab-key.sh"), [join(dir, "gnupg"), join(dir, "key.gpg")]);
    execFileSync(join(apt, "make-standins.sh"), [join(dir, "pkgs"), url, join(dir, "key.gpg")]);
    execFileSync(join(apt, "build-repo.sh"), [repo, join(dir, "gnupg"), join(dir, "pkgs")]);
  }, 60_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("indexes every stand-in and signs the index with the lab key", () => {
    const packages = readFileSync(join(repo, "Packages"), "utf8");
    for (const s of standins()) {
      expect(packages).toContain(`Package: ${s.name}\nVersion: ${s.version}\nArchitecture: ${s.arch}\n`);
      expect(packages).toContain(`Filename: ./${s.name}_${s.version}_${s.arch}.deb`);
    }
    const verify = spawnSync("gpgv", ["--keyring", join(dir, "key.gpg"), join(repo, "InRelease")], { encoding: "utf8" });
    expect(verify.status, verify.stderr).toBe(0);
    const release = readFileSync(join(repo, "Release"), "utf8");
    const sha = execFileSync("sha256sum", [join(repo, "Packages")], { encoding: "utf8" }).split(" ")[0];
    expect(release).toContain(` ${sha} `);
  });

  it("cuda-keyring installs the lab key and a sources list for the lab URL, as NVIDIA's does for theirs", () => {
    const root = join(dir, "keyring-root");
    execFileSync("dpkg-deb", ["-x", join(repo, "cuda-keyring_1.1-1_all.deb"), root]);
    expect(readFileSync(join(root, "etc/apt/sources.list.d/cuda-debian12-x86_64.list"), "utf8")).toBe(
      `deb [signed-by=/usr/share/keyrings/cuda-archive-keyring.gpg] ${url} /\n`,
    );
    expect(readFileSync(join(root, "usr/share/keyrings/cuda-archive-keyring.gpg"))).toEqual(
      readFileSync(join(dir, "key.gpg")),
    );
  });

  it("the driver ships nvidia-smi, the persistence daemon its unit, the toolkit an nvcc per release", () => {
    const contents = (deb: string) => execFileSync("dpkg-deb", ["-c", join(repo, deb)], { encoding: "utf8" });
    expect(contents("nvidia-driver-580-open_580.95.05-1_amd64.deb")).toMatch(/-rwxr-xr-x root\/root .* \.\/usr\/bin\/nvidia-smi/);
    expect(contents("nvidia-persistenced_580.95.05-1_amd64.deb")).toContain("./lib/systemd/system/nvidia-persistenced.service");
    const root = join(dir, "toolkit-root");
    execFileSync("dpkg-deb", ["-x", join(repo, "cuda-toolkit-12-9_12.9.1-1_amd64.deb"), root]);
    const version = execFileSync("sh", [join(root, "usr/local/cuda-12.9/bin/nvcc"), "--version"], { encoding: "utf8" });
    expect(version).toContain("Cuda compilation tools, release 12.9, V12.9.86\n");
    expect(version.startsWith("nvcc: NVIDIA (R) Cuda compiler driver\n")).toBe(true);
  });
});
