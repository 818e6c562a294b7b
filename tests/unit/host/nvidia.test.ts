import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Step } from "../../../src/step/step.js";
import { nvidiaConcern, driverPinText, unattendedUpgradesText } from "../../../src/host/nvidia/index.js";
import {
  DEFAULT_NVIDIA_REPO_URL,
  cudaToolkitPackage,
  driverPackages,
  nvidiaRepoManifest,
  nvidiaRepoUrl,
} from "../../../src/host/nvidia/packages.js";
import { profileSchema, type Profile } from "../../../src/profile/schema/profile.js";
import { SHIPPED, fake, fakeNvidiaSmi, runBash, runPhase, setSmiConf, shipped, tempDir, withVars } from "./base-harness.js";
import { lacks } from "../../helpers/systemTools.js";

describe("driverPackages: the one place the package naming rules live", () => {
  it("Ubuntu 24.04 up to 580: the branch is in the names, no pinning package", () => {
    expect(driverPackages("580", "ubuntu2404")).toEqual({ install: ["nvidia-open-580"], pinningPackage: null, modulePackage: "nvidia-dkms-580-open" });
    expect(driverPackages("570", "ubuntu2404").install).toEqual(["nvidia-open-570"]);
  });

  it("Ubuntu from 590: unsuffixed names, the branch locked by nvidia-driver-pinning-<branch> installed first", () => {
    expect(driverPackages("590", "ubuntu2404")).toEqual({
      install: ["nvidia-driver-pinning-590", "nvidia-open"],
      pinningPackage: "nvidia-driver-pinning-590",
      modulePackage: "nvidia-dkms-open",
    });
  });

  it("Debian 12: nvidia-open held on the branch by apt preferences; the pinning package from 590", () => {
    expect(driverPackages("580", "debian12")).toEqual({ install: ["nvidia-open"], pinningPackage: null, modulePackage: "nvidia-kernel-open-dkms" });
    expect(driverPackages("595", "debian12").install).toEqual(["nvidia-driver-pinning-595", "nvidia-open"]);
  });

  it("refuses what is not a branch", () => {
    expect(() => driverPackages("58", "debian12")).toThrow(/three digits/);
  });

  it("the toolkit package and the repository URL", () => {
    expect(cudaToolkitPackage("12.8")).toBe("cuda-toolkit-12-8");
    expect(cudaToolkitPackage("13.0")).toBe("cuda-toolkit-13-0");
    expect(nvidiaRepoUrl(DEFAULT_NVIDIA_REPO_URL, "ubuntu2404")).toBe("https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2404/x86_64/");
    expect(nvidiaRepoUrl("http://10.200.0.1/nvidia/{distro}", "debian12")).toBe("http://10.200.0.1/nvidia/debian12/");
  });

  it("the manifest the lab mirrors", () => {
    expect(nvidiaRepoManifest({ branch: "580", cudaVersion: "12.8" })).toEqual([
      {
        distro: "ubuntu2404",
        osRelease: "ubuntu:24.04",
        repoUrl: "https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2404/x86_64/",
        keyringUrl: "https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2404/x86_64/cuda-keyring_1.1-1_all.deb",
        packages: ["cuda-keyring", "nvidia-open-580", "nvidia-dkms-580-open", "nvidia-persistenced", "cuda-toolkit-12-8"],
      },
      {
        distro: "debian12",
        osRelease: "debian:12",
        repoUrl: "https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/",
        keyringUrl: "https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/cuda-keyring_1.1-1_all.deb",
        packages: ["cuda-keyring", "nvidia-open", "nvidia-kernel-open-dkms", "nvidia-persistenced", "cuda-toolkit-12-8"],
      },
    ]);
  });
});

describe("nvidia steps", () => {
  for (const name of SHIPPED) {
    it(`${name}: repository, nouveau, then the pinned 580 driver`, () => {
      const steps = nvidiaConcern.steps(shipped(name));
      expect(steps.map((s) => [s.id, s.after, s.reboot])).toEqual([
        ["nvidia-repo", ["base-packages"], "never"],
        ["nvidia-nouveau-off", [], "never"],
        ["nvidia-driver", ["nvidia-repo", "nvidia-nouveau-off"], "if-needed"],
      ]);
      const driver = steps[2]!;
      expect(driver.vars).toMatchObject({
        DRIVER_BRANCH: "580",
        DRIVER_PACKAGES_UBUNTU2404: "nvidia-open-580",
        DRIVER_PACKAGES_DEBIAN12: "nvidia-open",
        MODULE_PACKAGE_UBUNTU2404: "nvidia-dkms-580-open",
        MODULE_PACKAGE_DEBIAN12: "nvidia-kernel-open-dkms",
        NVIDIA_REPO_URL: DEFAULT_NVIDIA_REPO_URL,
      });
      expect(steps.every((s) => s.concern === "nvidia" && !s.destructive && s.secrets.length === 0)).toBe(true);
    });
  }

  it("the repository URL comes from nvidia.repoUrl when the profile sets it (the lab's mirror)", () => {
    const p = shipped("base");
    const mirrored = profileSchema.parse({ ...p, nvidia: { ...p.nvidia, repoUrl: "http://10.200.0.1/nvidia/{distro}/" } });
    expect(nvidiaConcern.steps(mirrored)[0]!.vars.NVIDIA_REPO_URL).toBe("http://10.200.0.1/nvidia/{distro}/");
    expect(profileSchema.safeParse({ ...p, nvidia: { ...p.nvidia, repoUrl: "not a url" } }).success).toBe(false);
  });

  it("pins every driver package to the branch and keeps unattended-upgrades off them", () => {
    expect(driverPinText("580")).toContain("Pin: version 580.*\nPin-Priority: 1000");
    expect(driverPinText("580")).toMatch(/^Package: nvidia-\* libnvidia-\* libcuda1 /m);
    expect(unattendedUpgradesText()).toContain('Unattended-Upgrade::Package-Blacklist {\n    "^nvidia-.*$";\n    "^libnvidia-.*$";');
  });
  // Every phase of every shipped profile's steps is linted in tests/unit/renderedScripts.test.ts.
});

/** A host in a temporary directory: os-release, fake dpkg/apt/mokutil/nvidia-smi, the files the steps write. */
function fakeHost(osRelease: string, installed: Record<string, string> = {}) {
  const root = tempDir("aiws-nvidia-");
  const bin = join(root, "bin");
  const state = join(root, "state");
  writeFileSync(join(root, "os-release"), osRelease);
  writeFileSync(join(root, "dpkg"), Object.entries(installed).map(([p, v]) => `${p} ${v}\n`).join(""));
  writeFileSync(join(root, "held"), "");
  fake(
    bin,
    "dpkg-query",
    `table=${root}/dpkg
fmt="" pkgs=()
for a in "$@"; do case $a in -W) ;; -f=*) fmt=\${a#-f=} ;; *) pkgs+=("$a") ;; esac; done
emit() { local out=$fmt; out=\${out//'\${db:Status-Abbrev}'/ii }; out=\${out//'\${Package}'/$1}; out=\${out//'\${Version}'/$2}; printf '%b' "$out"; }
if ((\${#pkgs[@]})); then
  for p in "\${pkgs[@]}"; do
    v=$(awk -v p="$p" '$1 == p { print $2 }' "$table")
    [[ -n $v ]] || { echo "dpkg-query: no packages found matching $p" >&2; exit 1; }
    emit "$p" "$v"
  done
else
  while read -r p v; do emit "$p" "$v"; done <"$table"
fi`,
  );
  fake(
    bin,
    "apt-get",
    `echo "$*" >>${root}/apt-get-calls
install=0
for a in "$@"; do
  if [[ $a == install ]]; then install=1; continue; fi
  if ((install)) && [[ $a != -* ]] && ! grep -q "^$a " ${root}/dpkg; then echo "$a 580.95.05-1" >>${root}/dpkg; fi
done`,
  );
  fake(
    bin,
    "apt-mark",
    `case $1 in
  hold) shift; printf '%s\\n' "$@" >>${root}/held ;;
  unhold) shift; for p in "$@"; do sed -i "/^$p$/d" ${root}/held; done ;;
  showhold) sort -u ${root}/held ;;
esac`,
  );
  fake(bin, "mokutil", `case $1 in --sb-state) cat ${root}/sb-state 2>/dev/null || echo "SecureBoot disabled" ;; --test-key) echo "$2 is not enrolled" ;; esac`);
  fake(bin, "modprobe", "exit 1");
  fake(bin, "dkms", "exit 0");
  fakeNvidiaSmi(bin, join(root, "smi"), [
    { index: 0, uuid: "GPU-1", bus: "00000000:41:00.0", name: "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", limit: "300.00", min: "250.00", max: "325.00" },
  ]);
  const at = (step: Step) =>
    withVars(step, {
      OS_RELEASE: join(root, "os-release"),
      STATE_DIR: state,
      PIN_FILE: join(root, "preferences.d/aiws-nvidia-driver"),
      UU_FILE: join(root, "apt.conf.d/51aiws-nvidia-unattended-upgrades"),
      DRIVER_PROC_VERSION: join(root, "proc-driver-version"),
      SOURCES_DIR: join(root, "sources.list.d"),
      APT_SOURCE_FILE: join(root, "sources.list.d/aiws-nvidia-cuda.list"),
      MOK_KEYS: join(root, "mok.pub"),
      KEYRING_GPG: join(root, "keyrings/cuda-archive-keyring.gpg"),
    });
  return {
    root,
    bin,
    at,
    run: (step: Step, phase: "check" | "apply" | "remove") => runPhase(at(step), phase, { bin }),
    aptCalls: () => (existsSync(join(root, "apt-get-calls")) ? readFileSync(join(root, "apt-get-calls"), "utf8") : ""),
    held: () => readFileSync(join(root, "held"), "utf8").trim().split("\n").filter(Boolean).sort(),
    smiDriver: (v: string) => setSmiConf(join(root, "smi"), `driver_version=${v}`),
  };
}

const UBUNTU = 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nID=ubuntu\nVERSION_ID="24.04"\n';
const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n';

describe("nvidia steps, run with bash against stand-ins", () => {
  const profile: Profile = shipped("quad-gpu");
  const [repo, , driver] = nvidiaConcern.steps(profile) as [Step, Step, Step];

  it("refuses any OS but Ubuntu 24.04 and Debian 12, with one clear line", () => {
    const h = fakeHost('ID=fedora\nVERSION_ID="41"\n');
    for (const step of [repo, driver]) {
      const r = h.run(step, "check");
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^unsupported OS fedora 41 \(from .*os-release\): aiws installs the NVIDIA stack on Ubuntu 24.04 \(ubuntu2404\) or Debian 12 \(debian12\) only\n$/);
      const a = h.run(step, "apply");
      expect(a.status).toBe(1);
      expect(a.stderr).toContain("unsupported OS fedora 41");
    }
    expect(h.aptCalls()).toBe("");
  });

  it("picks the repository and packages from /etc/os-release", () => {
    const u = fakeHost(UBUNTU).run(repo, "check");
    expect(u.stdout).toMatch(/^\/.*\/keyrings\/cuda-archive-keyring.gpg is missing: NVIDIA's ubuntu2404 repository \(https:\/\/developer.download.nvidia.com\/compute\/cuda\/repos\/ubuntu2404\/x86_64\/\) is not configured\n$/);
    expect(fakeHost(DEBIAN).run(driver, "check").stdout).toBe("nvidia-open is not installed (NVIDIA driver branch 580, open kernel modules)\n");
    expect(fakeHost(UBUNTU).run(driver, "check").stdout).toBe("nvidia-open-580 is not installed (NVIDIA driver branch 580, open kernel modules)\n");
  });

  it("under Secure Boot without an enrolled DKMS key, refuses before touching apt", () => {
    const h = fakeHost(DEBIAN);
    writeFileSync(join(h.root, "sb-state"), "SecureBoot enabled\n");
    writeFileSync(join(h.root, "mok.pub"), "key");
    const r = h.run(driver, "apply");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Secure Boot is enabled and the NVIDIA driver's kernel modules are built by DKMS");
    expect(r.stderr).toContain("mokutil --import /var/lib/dkms/mok.pub");
    expect(r.stderr).toContain("Nothing was installed");
    expect(h.aptCalls()).toBe("");
    expect(existsSync(join(h.root, "preferences.d/aiws-nvidia-driver"))).toBe(false);
  });

  it("installs, pins and holds the branch, and asks for a reboot only when the new driver is not the running one", () => {
    const h = fakeHost(DEBIAN, { "linux-image-amd64": "6.1.0-1" });
    writeFileSync(join(h.root, "smi/fail-next"), "1000"); // no driver loaded (nouveau holds the GPU)
    const r = h.run(driver, "apply");
    expect(r.stderr).toContain("NVIDIA driver 580.95.05 is installed; running: none. A reboot loads it.");
    expect(r.status).toBe(0);
    expect(r.reboot).toBe(true);
    expect(h.aptCalls()).toMatch(/^-q -o DPkg::Lock::Timeout=1200 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold update\n-q -o DPkg::Lock::Timeout=1200 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install -y --allow-downgrades dkms linux-headers-\S+ linux-headers-amd64 nvidia-open nvidia-kernel-open-dkms\n/);
    expect(h.held()).toEqual(["nvidia-kernel-open-dkms", "nvidia-open"]);
    expect(readFileSync(join(h.root, "preferences.d/aiws-nvidia-driver"), "utf8")).toBe(`${driverPinText("580")}\n`);
    expect(readFileSync(join(h.root, "apt.conf.d/51aiws-nvidia-unattended-upgrades"), "utf8")).toBe(`${unattendedUpgradesText()}\n`);

    // Run again in the same boot: the change is still pending, so a reboot again, and nothing reinstalled.
    const again = h.run(driver, "apply");
    expect(again).toMatchObject({ status: 0, reboot: true });
    expect(h.aptCalls().match(/install/g)).toHaveLength(1);

    // A different boot in which the driver still does not load: not a reboot this run caused.
    writeFileSync(join(h.root, "state/nvidia-driver.reboot-pending"), "another-boot\n");
    const stuck = h.run(driver, "apply");
    expect(stuck).toMatchObject({ status: 1, reboot: false });
    expect(stuck.stderr).toContain("NVIDIA driver 580.95.05 is installed but no driver is running, and this run changed nothing");

    // After the reboot the driver answers: check passes, apply is not needed.
    writeFileSync(join(h.root, "smi/fail-next"), "0");
    h.smiDriver("580.95.05");
    const check = h.run(driver, "check");
    expect(check).toMatchObject({ status: 0, stdout: "" });
  });

  it("check names a running driver of another branch, a missing hold, and the proprietary module", () => {
    const h = fakeHost(UBUNTU, { "nvidia-open-580": "580.95.05-0ubuntu1", "nvidia-dkms-580-open": "580.95.05-0ubuntu1", "libnvidia-compute-580": "580.95.05-0ubuntu1" });
    writeFileSync(join(h.root, "smi/fail-next"), "1000");
    h.run(driver, "apply");
    writeFileSync(join(h.root, "smi/fail-next"), "0");
    expect(h.held()).toEqual(["libnvidia-compute-580", "nvidia-dkms-580-open", "nvidia-open-580"]);

    h.smiDriver("575.64.05");
    expect(h.run(driver, "check").stdout).toBe("the running driver is 575.64.05, not branch 580\n");
    h.smiDriver("580.82.07");
    expect(h.run(driver, "check").stdout).toBe("the running driver is 580.82.07 but 580.95.05 is installed: a reboot loads it\n");
    h.smiDriver("580.95.05");
    expect(h.run(driver, "check").status).toBe(0);

    writeFileSync(join(h.root, "proc-driver-version"), "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05\n");
    expect(h.run(driver, "check").stdout).toContain("the proprietary NVIDIA kernel module is loaded");
    writeFileSync(join(h.root, "proc-driver-version"), "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05\n");
    expect(h.run(driver, "check").status).toBe(0);

    writeFileSync(join(h.root, "held"), "nvidia-open-580\n");
    expect(h.run(driver, "check").stdout).toBe("driver packages not on hold (apt-mark hold): libnvidia-compute-580 nvidia-dkms-580-open\n");

    const remove = h.run(driver, "remove");
    expect(remove.status).toBe(0);
    expect(h.held()).toEqual([]);
    expect(existsSync(join(h.root, "preferences.d/aiws-nvidia-driver"))).toBe(false);
  });

  describe.skipIf(lacks("gpg", "dpkg-deb"))("the cuda-keyring package: its keys against the pinned fingerprints", () => {
    /** A keyring of fresh keys (gpg), and a cuda-keyring .deb that installs it; with their fingerprints as gpg prints them. */
    function keyringPackage(keys: number) {
      const dir = tempDir("aiws-keyring-");
      const env = { ...process.env, GNUPGHOME: join(dir, "gnupg") };
      mkdirSync(env.GNUPGHOME, { mode: 0o700 });
      for (let i = 0; i < keys; i++) execFileSync("gpg", ["--batch", "--quiet", "--passphrase", "", "--quick-generate-key", `k${i} <k${i}@lab.invalid>`, i % 2 ? "rsa2048" : "ed25519", "sign", "never"], { env, stdio: "ignore" });
      const keyring = execFileSync("gpg", ["--batch", "--export"], { env });
      const fprs = execFileSync("gpg", ["--batch", "--with-colons", "--list-keys"], { env, encoding: "utf8" }).split("\n").filter((l) => l.startsWith("fpr:")).map((l) => l.split(":")[9]!);
      const tree = join(dir, "pkg");
      mkdirSync(join(tree, "DEBIAN"), { recursive: true });
      mkdirSync(join(tree, "usr/share/keyrings"), { recursive: true });
      writeFileSync(join(tree, "DEBIAN/control"), "Package: cuda-keyring\nVersion: 1.1-1\nArchitecture: all\nMaintainer: t <t@t>\nDescription: t\n");
      writeFileSync(join(tree, "usr/share/keyrings/cuda-archive-keyring.gpg"), keyring);
      execFileSync("dpkg-deb", ["--build", tree, join(dir, "cuda-keyring_1.1-1_all.deb")], { stdio: "ignore" });
      return { dir, fprs, deb: join(dir, "cuda-keyring_1.1-1_all.deb"), keyring: join(tree, "usr/share/keyrings/cuda-archive-keyring.gpg") };
    }

    it("reads the same fingerprints as gpg, ed25519 and RSA keys alike, without gpg", () => {
      const k = keyringPackage(2);
      const r = runBash(["-c", `. ${join(import.meta.dirname, "../../../src/host/nvidia/keyring.sh")}; aiws_keyring_fingerprints "$1"`, "x", k.keyring]);
      expect(r.stdout.trim().split("\n")).toEqual(k.fprs);
      // A secret key packet slipped in beside the public ones: not a public keyring.
      const withSecret = join(k.dir, "with-secret.gpg");
      writeFileSync(withSecret, Buffer.concat([readFileSync(k.keyring), execFileSync("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--export-secret-keys"], { env: { ...process.env, GNUPGHOME: join(k.dir, "gnupg") } })]));
      expect(runBash(["-c", `. ${join(import.meta.dirname, "../../../src/host/nvidia/keyring.sh")}; aiws_keyring_fingerprints "$1"`, "x", withSecret]).status).not.toBe(0);
      const armored = join(k.dir, "armored.asc");
      writeFileSync(armored, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n");
      expect(runBash(["-c", `. ${join(import.meta.dirname, "../../../src/host/nvidia/keyring.sh")}; aiws_keyring_fingerprints "$1"`, "x", armored]).status).not.toBe(0);
    });

    /**
     * The repository step against a host where curl "downloads" the given package; dpkg records
     * any install (the package must never be installed: its maintainer scripts would run as root).
     */
    function applyWith(deb: string, fingerprints: string, installed: Record<string, string> = {}, ownerKeyring?: string) {
      const h = fakeHost(DEBIAN, installed);
      if (ownerKeyring) {
        mkdirSync(join(h.root, "keyrings"));
        writeFileSync(join(h.root, "keyrings/cuda-archive-keyring.gpg"), readFileSync(ownerKeyring));
      }
      fake(h.bin, "curl", `out=""; while (($#)); do [[ $1 == -o ]] && out=$2; shift; done; cp ${deb} "$out"`);
      fake(h.bin, "dpkg", `case " $* " in *" -i "* | *" --install "* | *" --unpack "*) echo "dpkg $*" >>${h.root}/dpkg-calls ;; esac`);
      const step = withVars(h.at(repo), { REPO_KEY_FINGERPRINTS: fingerprints });
      const r = runPhase(step, "apply", { bin: h.bin });
      const keyring = join(h.root, "keyrings/cuda-archive-keyring.gpg");
      return {
        r,
        h,
        step,
        installed: existsSync(keyring),
        keyring,
        dpkgCalls: existsSync(join(h.root, "dpkg-calls")) ? readFileSync(join(h.root, "dpkg-calls"), "utf8") : "",
        source: existsSync(join(h.root, "sources.list.d/aiws-nvidia-cuda.list")) ? readFileSync(join(h.root, "sources.list.d/aiws-nvidia-cuda.list"), "utf8") : "",
      };
    }

    it("refuses a cuda-keyring whose key is not NVIDIA's, installing nothing; installs one whose keys are all pinned", () => {
      const k = keyringPackage(1);
      const refused = applyWith(k.deb, "EB693B3035CD5710E231E123A4B469963BF863CC");
      expect(refused.r.status).toBe(1);
      expect(refused.r.stderr).toContain(`the cuda-keyring package from https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/ holds the key(s) ${k.fprs[0]}, not the pinned EB693B3035CD5710E231E123A4B469963BF863CC (nvidia.repoKeyFingerprints): refusing to trust it`);
      expect(refused.installed).toBe(false);
      const ok = applyWith(k.deb, k.fprs[0]!);
      expect(ok.r.status, ok.r.stderr).toBe(0);
      expect(ok.installed).toBe(true);
      expect(readFileSync(ok.keyring)).toEqual(readFileSync(k.keyring));
      expect(ok.source).toBe(`deb [signed-by=${ok.keyring}] https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/ /\n`);
      // Only the checked keyring is taken: the package's maintainer scripts never run.
      expect(ok.dpkgCalls).toBe("");
      // In sync afterwards; remove takes away exactly what apply wrote.
      expect(runPhase(ok.step, "check", { bin: ok.h.bin }).status).toBe(0);
      expect(runPhase(ok.step, "remove", { bin: ok.h.bin }).status).toBe(0);
      expect(existsSync(ok.keyring)).toBe(false);
      expect(ok.dpkgCalls).toBe("");
      // Written again, then the owner installs cuda-keyring, which owns the file from then on: remove keeps it.
      const again = applyWith(k.deb, k.fprs[0]!);
      writeFileSync(join(again.h.root, "dpkg"), "cuda-keyring 1.1-1\n", { flag: "a" });
      expect(runPhase(again.step, "remove", { bin: again.h.bin }).status).toBe(0);
      expect(existsSync(again.keyring)).toBe(true);
    });

    it("never runs the package's maintainer scripts, and keeps a cuda-keyring the owner installed once its keys pass", () => {
      const k = keyringPackage(1);
      const evil = join(k.dir, "evil");
      // A tampered package: its postinst would run as root under dpkg -i.
      const tree = join(k.dir, "pkg");
      writeFileSync(join(tree, "DEBIAN/postinst"), `#!/bin/sh\ntouch ${evil}\n`, { mode: 0o755 });
      execFileSync("dpkg-deb", ["--build", tree, k.deb], { stdio: "ignore" });
      const r = applyWith(k.deb, k.fprs[0]!);
      expect(r.r.status, r.r.stderr).toBe(0);
      expect(existsSync(evil)).toBe(false);
      expect(r.dpkgCalls).toBe("");
      // The owner's own cuda-keyring: its installed keyring is checked, not replaced.
      const kept = applyWith(k.deb, k.fprs[0]!, { "cuda-keyring": "1.1-1" }, k.keyring);
      expect(kept.r.status, kept.r.stderr).toBe(0);
      expect(kept.dpkgCalls).toBe("");
      const owner = applyWith(k.deb, "EB693B3035CD5710E231E123A4B469963BF863CC", { "cuda-keyring": "1.1-1" }, k.keyring);
      expect(owner.r.status).toBe(1);
      expect(owner.r.stderr).toContain(`the installed cuda-keyring's ${owner.keyring} holds the key(s) ${k.fprs[0]}, not the pinned EB693B3035CD5710E231E123A4B469963BF863CC`);
    });

    it("refuses a keyring that carries an extra key beside the pinned one", () => {
      const k = keyringPackage(2);
      const r = applyWith(k.deb, k.fprs[0]!);
      expect(r.r.status).toBe(1);
      expect(r.r.stderr).toContain(`holds the key(s) ${k.fprs[1]}, not the pinned ${k.fprs[0]}`);
      expect(r.installed).toBe(false);
    });

    it("trust-on-first-use installs the mirror's key and says which it trusted", () => {
      const k = keyringPackage(1);
      const r = applyWith(k.deb, "trust-on-first-use");
      expect(r.r.status, r.r.stderr).toBe(0);
      expect(r.r.stdout).toContain(`aiws: trusting the key(s) of the cuda-keyring package from https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/ on first use: ${k.fprs[0]}`);
    });
  });
});
