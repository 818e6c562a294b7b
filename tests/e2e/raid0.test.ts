/**
 * The lab profile with RAID 0 (lab/profiles/lab-raid0.yaml), on a fresh guest, converged as
 * the non-root user `aiws` (every step under `sudo -n`) through the test engine:
 * converge from fresh with the SSH connection cut in the middle of a step (a second run
 * converges), the host as the profile says, converge again with nothing applied, the faults
 * of a real machine's apt (the lock held by another apt run, dpkg killed mid-unpack, the
 * connection cut while dpkg unpacks, two converges at once), a backup to the NAS and a
 * byte-identical restore, a backup killed mid-run (its stale lock cleared by the next) and a
 * full NAS (the failure in the status, every snapshot kept), a reboot that brings back the array, the limits and the timers,
 * and the inference services answering; then the owner's first hour on the same guest (npm run
 * discover's draft, filled in, made a stack by npm run init and converged with that stack's
 * config), and last a reboot that never comes back.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labDown, labState, nasSsh, rebootGuest } from "../../src/lab/lab.js";
import { waitDownCommand } from "../../src/pulumi/reboot.js";
import type { Step } from "../../src/step/step.js";
import { nas, net, paths, repoRoot } from "../../src/lab/config.js";
import { guestHostKey, LAB_PROFILES, LAB_SERIALS, labSecrets, prepareLab } from "../../lab/workstation.js";
import { pulumiStandin } from "../helpers/pulumiStandin.js";
import { loadProfile } from "../../src/profile/load.js";
import { cudaToolkitPackage } from "../../src/host/nvidia/packages.js";
import { assertInference, cli, converge, derivedProfile, drift, driftedIds, failure, out, phase, printTimings, sh, until } from "./helpers.js";

const PROFILE = LAB_PROFILES.raid0;
/** The CUDA toolkit stand-in the profile installs (cuda-toolkit-13-0): the package the apt faults below use. */
const TOOLKIT = cudaToolkitPackage(loadProfile(PROFILE).profile.nvidia.cudaVersion);
const USER = "aiws";
/**
 * True while dpkg runs a package's preinst (the CUDA stand-in's waits there as long as
 * /run/aiws-lab-slow-unpack says). dpkg runs it from its own scratch directory, not under the
 * package's name; "[t]" keeps the pattern from matching the shell that runs pgrep.
 */
const UNPACKING = "pgrep -f '^/bin/sh /var/lib/dpkg/[t]mp.ci/preinst' >/dev/null";
/** The step whose connection is cut: a pip install into a fresh venv, seconds long under emulation. */
const CUT_STEP = "inference-vllm";

/** The array and its mount, in one ssh call: the facts as `KEY=value` lines. */
async function assertArray(): Promise<void> {
  await until("mountpoint -q /data", 180_000);
  const facts = Object.fromEntries(
    (
      await out(
        [
          `echo "mdstat=$(grep '^md0 :' /proc/mdstat)"`,
          `echo "level=$(mdadm --detail /dev/md0 | sed -n 's/.*Raid Level : //p')"`,
          `echo "active=$(mdadm --detail /dev/md0 | sed -n 's/.*Active Devices : //p')"`,
          `echo "serials=$(for d in $(ls /sys/block/md0/slaves); do cat /sys/block/$d/device/serial; done | tr -d ' ' | sort | paste -sd,)"`,
          `echo "mount=$(findmnt -n -o SOURCE,FSTYPE /data)"`,
          `echo "uuid=$(blkid -s UUID -o value /dev/md0)"`,
          `echo "fstab=$(grep -v '^#' /etc/fstab | grep ' /data ')"`,
          `echo "arrays=$(grep -c '^ARRAY' /etc/mdadm/mdadm.conf)"`,
        ].join("; "),
      )
    )
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  expect(facts.mdstat).toMatch(/^md0 : active raid0 (nvme\dn1\[\d\] ?){4}$/);
  expect(facts.level).toBe("raid0");
  expect(facts.active).toBe("4");
  expect(facts.serials).toBe(LAB_SERIALS.join(","));
  expect(facts.mount).toBe("/dev/md0 xfs");
  expect(facts.fstab).toMatch(new RegExp(`^UUID=${facts.uuid} /data xfs .*x-systemd.device-timeout=120s`));
  expect(facts.arrays).toBe("1");
}

async function assertLimitsAndTimers(): Promise<void> {
  await until("nvidia-smi --query-gpu=power.limit --format=csv,noheader | grep -v '^250.00 W$' | wc -l | grep -qx 0", 120_000);
  const timers = ["aiws-backup.timer", "aiws-backup-check.timer", "fstrim.timer"];
  expect(await out(`nvidia-smi --query-gpu=power.limit --format=csv,noheader; for t in ${timers.join(" ")}; do echo "$t $(systemctl is-enabled $t) $(systemctl is-active $t)"; done`)).toBe(
    [...Array(4).fill("250.00 W"), ...timers.map((t) => `${t} enabled active`)].join("\n"),
  );
}

describe("lab-raid0 (RAID 0 over four NVMe drives, non-root user)", () => {
  beforeAll(async () => {
    await phase("lab up (fresh guest)", () => prepareLab((l) => console.log(`[lab] ${l}`), { fresh: true }));
  });
  afterAll(async () => {
    await phase("lab down", () => labDown());
    printTimings("lab-raid0");
  });

  it("converges from fresh; a connection cut mid-step fails that run, and the next run converges", async () => {
    let cut: ChildProcess | undefined;
    const first = await phase("converge from fresh, connection cut in " + CUT_STEP, () =>
      converge("run 1", {
        profile: PROFILE,
        user: USER,
        onSpawn: (name, child) => {
          if (name !== CUT_STEP) return;
          cut = child;
          setTimeout(() => child.kill("SIGKILL"), 4000);
        },
      }),
    );
    expect(cut, `the engine never started ${CUT_STEP}`).toBeDefined();
    expect(first.ok).toBe(false);
    const failed = first.records.filter((r) => r.outcome === "failed");
    expect(failed.map((r) => r.name)).toEqual([CUT_STEP]);
    // Everything before the cut converged; nothing after it ran.
    expect(first.records.filter((r) => r.outcome === "skipped").length).toBeGreaterThan(0);

    const second = await phase("converge again after the cut", () => converge("run 2", { profile: PROFILE, user: USER }));
    expect(second.ok, failure(second)).toBe(true);
    // The cut did not stop the apply (it runs detached on the host): the re-run finds it done,
    // or still running and waits for it.
    expect(["converged", "in-sync"]).toContain(second.records.find((r) => r.name === CUT_STEP)?.outcome);
    expect(second.inSync + second.applied).toBe(second.steps);
  });

  it("leaves the host as the profile says: array, fstab by UUID, limits, timers, backup units, services", async () => {
    await phase("host checks after converge", async () => {
      await assertArray();
      await assertLimitsAndTimers();
      await assertInference(labSecrets().inferenceApiKey!);
    });
  });

  it("npm run doctor reads the workstation as the non-root login: host key, sudo, the OS; a wrong host key and a login without sudo fail, saying why", async () => {
    const target = ["--host", net.guestIp, "--identity", paths.labKey];
    const r = await phase("npm run doctor against the guest", async () => cli("doctor", [...target, "--user", USER]));
    console.log(`[e2e] npm run doctor, exit ${r.code}:\n${r.stdout}${r.stderr}`);
    expect(r.stdout).toContain(`ok    SSH: logged in to ${USER}@${net.guestIp} as ${USER}, host key checked`);
    expect(r.stdout).toContain(`ok    sudo: ${USER} has passwordless sudo`);
    expect(r.stdout).toContain("ok    OS: debian 12");
    // A host key that is not the guest's: the login itself is refused.
    const other = mkdtempSync(join(tmpdir(), "aiws-otherkey-"));
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(other, "k")]);
    const wrongKey = readFileSync(join(other, "k.pub"), "utf8").split(" ").slice(0, 2).join(" ");
    const wrong = cli("doctor", [...target, "--user", USER, "--host-key", wrongKey]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain("FAIL  SSH:");
    // A login without passwordless sudo.
    await sh(`id nosudo >/dev/null 2>&1 || useradd -m -s /bin/bash nosudo; usermod --password "*" nosudo; install -d -o nosudo -m 700 ~nosudo/.ssh; install -o nosudo -m 600 ~${USER}/.ssh/authorized_keys ~nosudo/.ssh/authorized_keys`);
    const nosudo = cli("doctor", [...target, "--user", "nosudo"]);
    console.log(`[e2e] npm run doctor as a login without sudo, exit ${nosudo.code}:\n${nosudo.stdout}`);
    expect(nosudo.code).toBe(1);
    expect(nosudo.stdout).toContain("FAIL  sudo: nosudo cannot run sudo -n: every step runs as root through it");
    await sh("userdel -r nosudo 2>/dev/null || true");
  });

  it("converges again with every check passing first and nothing applied", async () => {
    const s = await phase("converge again (nothing to do)", () => converge("run 3", { profile: PROFILE, user: USER }));
    expect(s.ok, failure(s)).toBe(true);
    expect(s.applied).toBe(0);
    expect(s.inSync).toBe(s.steps);
    console.log(`[e2e] second converge: ${s.applied} step(s) applied of ${s.steps}`);
  });

  it("waits for an apt operation holding the dpkg lock (apt's timers unmasked), then converges", async () => {
    await sh("systemctl unmask --quiet apt-daily.timer apt-daily-upgrade.timer && systemctl start apt-daily.timer apt-daily-upgrade.timer");
    await sh(`dpkg -r ${TOOLKIT} >/dev/null && touch /run/aiws-lab-hold`);
    // An apt run that holds the lock, as unattended-upgrades does after a fresh boot, until 20 s
    // after the converge has reached the CUDA toolkit.
    await sh("systemd-run --quiet --collect --unit=e2e-apt-holder apt-get install -y -q --reinstall aiws-lab-slow");
    await until(`test -n "$(find /proc/[0-9]*/fd -lname '/var/lib/dpkg/lock*' 2>/dev/null | head -n 1)"`, 60_000);
    const s = await phase("converge while apt holds the dpkg lock", () =>
      converge("run 4", {
        profile: PROFILE,
        user: USER,
        onSpawn: (name) => {
          if (name === "cuda-toolkit") setTimeout(() => void sh("rm -f /run/aiws-lab-hold"), 20_000);
        },
      }),
    );
    expect(s.ok, failure(s)).toBe(true);
    const toolkit = s.records.find((r) => r.name === "cuda-toolkit")!;
    expect(toolkit.outcome).toBe("converged");
    expect(toolkit.stdout).toMatch(/aiws: waiting for the dpkg lock, held by process \d+ \((apt-get|dpkg)/);
    console.log(`[e2e] cuda-toolkit while the lock was held:\n${toolkit.stdout.trim().split("\n").map((l) => `    ${l}`).join("\n")}`);
    await sh("rm -f /run/aiws-lab-hold; systemctl stop apt-daily.timer apt-daily-upgrade.timer; systemctl mask --quiet apt-daily.timer apt-daily-upgrade.timer");
    expect(await out("dpkg --audit")).toBe("");
  });

  it("finishes a dpkg that a crash interrupted mid-unpack, then converges; dpkg --audit is clean", async () => {
    await sh(`dpkg -r ${TOOLKIT} >/dev/null && echo 60 >/run/aiws-lab-slow-unpack`);
    await sh(`systemd-run --quiet --collect --unit=e2e-apt-crash apt-get install -y -q ${TOOLKIT}`);
    await until(UNPACKING, 60_000);
    // A power loss in the middle of the unpack: apt and dpkg die at once.
    await sh("pkill -KILL -x dpkg; pkill -KILL -x apt-get; systemctl stop e2e-apt-crash.service 2>/dev/null; rm -f /run/aiws-lab-slow-unpack; true");
    const audit = await out("dpkg --audit || true");
    expect(audit).toContain(TOOLKIT);
    console.log(`[e2e] dpkg --audit after the crash:\n${audit.split("\n").map((l) => `    ${l}`).join("\n")}`);
    const s = await phase("converge after dpkg was interrupted", () => converge("run 5", { profile: PROFILE, user: USER }));
    expect(s.ok, failure(s)).toBe(true);
    const toolkit = s.records.find((r) => r.name === "cuda-toolkit")!;
    expect(toolkit.stdout).toContain("aiws: dpkg was interrupted");
    expect(toolkit.stdout).toContain("aiws: dpkg repaired: 'dpkg --audit' is clean");
    console.log(`[e2e] cuda-toolkit after the crash:\n${toolkit.stdout.trim().split("\n").map((l) => `    ${l}`).join("\n")}`);
    expect(await out("dpkg --audit")).toBe("");
  });

  it("a connection cut while dpkg unpacks the CUDA toolkit: dpkg finishes on the host, the re-run converges, dpkg --audit is clean", async () => {
    await sh(`dpkg -r ${TOOLKIT} >/dev/null && echo 20 >/run/aiws-lab-slow-unpack`);
    let cut = false;
    const first = await phase("converge, connection cut while dpkg unpacks cuda-toolkit", () =>
      converge("run 6", {
        profile: PROFILE,
        user: USER,
        onSpawn: (name, child) => {
          if (name !== "cuda-toolkit") return;
          void until(UNPACKING, 120_000).then(() => {
            cut = true;
            child.kill("SIGKILL");
          });
        },
      }),
    );
    expect(cut, "the cut never happened").toBe(true);
    expect(first.records.filter((r) => r.outcome === "failed").map((r) => r.name)).toEqual(["cuda-toolkit"]);
    const second = await phase("converge again after the cut", () => converge("run 7", { profile: PROFILE, user: USER }));
    expect(second.ok, failure(second)).toBe(true);
    const toolkit = second.records.find((r) => r.name === "cuda-toolkit")!;
    expect(["converged", "in-sync"]).toContain(toolkit.outcome);
    console.log(`[e2e] cuda-toolkit on the re-run:\n${toolkit.stdout.trim().split("\n").map((l) => `    ${l}`).join("\n")}`);
    await sh("rm -f /run/aiws-lab-slow-unpack");
    expect(await out("dpkg --audit")).toBe("");
    // The detached run's whole output stayed on the host.
    expect(await out("cat /var/log/aiws/steps/cuda-toolkit.log")).toContain(`Unpacking ${TOOLKIT}`);
  });

  it("two converges started together: one waits for the other, both end in sync", async () => {
    // A slow unpack: whichever run applies first still holds the host's aiws lock when the other arrives.
    await sh(`dpkg -r ${TOOLKIT} >/dev/null && echo 40 >/run/aiws-lab-slow-unpack`);
    const child = () =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        const p = spawn("npx", ["tsx", "tests/e2e/converge-child.ts", PROFILE, USER], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
        let stdout = "";
        p.stdout.on("data", (d: Buffer) => (stdout += d));
        p.on("close", (code) => resolve({ code: code ?? -1, stdout }));
      });
    const [a, b] = await phase("two converges at once", () => Promise.all([child(), child()]));
    expect(a.code, a.stdout.slice(-2000)).toBe(0);
    expect(b.code, b.stdout.slice(-2000)).toBe(0);
    const toolkitOut = [a, b].map((r) => (JSON.parse(r.stdout.trim().split("\n").pop()!) as { records: { name: string; stdout: string }[] }).records.find((x) => x.name === "cuda-toolkit")!.stdout);
    expect(toolkitOut.join("\n")).toContain("another aiws run is changing this host");
    console.log(`[e2e] cuda-toolkit in the run that waited:\n${toolkitOut.find((o) => o.includes("waiting for it"))!.trim().split("\n").map((l) => `    ${l}`).join("\n")}`);
    await sh("rm -f /run/aiws-lab-slow-unpack");
    const s = await phase("converge after both (nothing to do)", () => converge("run 8", { profile: PROFILE, user: USER }));
    expect(s.ok, failure(s)).toBe(true);
    expect(s.applied).toBe(0);
  });

  it("backs up to the NAS and restores byte-identical", async () => {
    await phase("backup to the NAS and restore", async () => {
      await sh("mkdir -p /data/projects/e2e && head -c 3M /dev/urandom >/data/projects/e2e/blob && echo hello >/data/projects/e2e/note && sha256sum /data/projects/e2e/* >/root/e2e.sha256");
      await sh("systemctl start aiws-backup.service");
      const status = JSON.parse(await out("aiws-backup-status")) as { lastBackup: { snapshot: string } | null; lastFailure: unknown };
      expect(status.lastBackup?.snapshot).toMatch(/^[0-9a-f]{8,}/);
      const restoreDir = "/var/tmp/e2e-restore";
      await sh(`rm -rf ${restoreDir} && aiws-restic restore latest --target ${restoreDir} --include /data/projects/e2e --verify >/dev/null`);
      await sh(`cd ${restoreDir} && sed 's| /data| data|' /root/e2e.sha256 | sha256sum --check --strict`);
      await sh(`rm -rf ${restoreDir}`);
      const drill = await sh("aiws-restore-drill 10", { check: false });
      expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
    });
  });

  it("a backup killed mid-run leaves its lock on the NAS; the next backup clears it and runs", async () => {
    const locks = join(labState()!.nas.hostBackupDir, "workstation", "locks");
    const lockCount = () => (existsSync(locks) ? readdirSync(locks).length : 0);
    expect(lockCount()).toBe(0);
    await sh("mkdir -p /data/projects/e2e-nas && head -c 64M /dev/urandom >/data/projects/e2e-nas/big");
    // Killed while it reads the new file: past the point where it locked the repository.
    await sh(
      "systemctl start --no-block aiws-backup.service; " +
        "for i in $(seq 600); do pid=$(pgrep -x restic | head -n 1); [ -n \"$pid\" ] && ls -l /proc/$pid/fd 2>/dev/null | grep -q /data/projects/e2e-nas/big && break; " +
        "[ $i -lt 50 ] || systemctl is-active --quiet aiws-backup.service || break; sleep 0.05; done; " +
        "pkill -KILL -x restic",
    );
    await until("! systemctl is-active --quiet aiws-backup.service", 60_000);
    expect(lockCount(), "the killed backup left no lock").toBeGreaterThan(0);
    console.log(`[e2e] after the kill: ${lockCount()} lock(s) in the repository on the NAS`);
    await phase("backup after a killed one", () => sh("systemctl start aiws-backup.service"));
    expect(lockCount()).toBe(0);
    const status = JSON.parse(await out("aiws-backup-status")) as { lastBackup: { snapshot: string } | null; lastFailure: unknown };
    expect(status.lastBackup?.snapshot).toMatch(/^[0-9a-f]{8,}/);
  });

  it("a full NAS fails the backup loudly, the reason in the status and every snapshot kept; with room again the next backup runs", async () => {
    const snapshots = async () => (JSON.parse(await out("aiws-restic snapshots --json")) as { short_id: string }[]).map((x) => x.short_id);
    const before = await snapshots();
    await sh("head -c 16M /dev/urandom >/data/projects/e2e-nas/more");
    // The NAS's volume filled to its last 256 KiB by something else, as a full share is.
    await nasSsh(`fallocate -l $(( $(df --output=avail -B1 ${nas.backupDir} | tail -n 1) - 262144 )) ${nas.backupDir}/ballast`);
    console.log(`[e2e] the NAS's volume: ${(await nasSsh(`df -h --output=size,used,avail ${nas.backupDir} | tail -n 1`)).stdout.trim()}`);
    const t0 = Date.now();
    const run = await phase("backup to a full NAS", () => sh("systemctl start aiws-backup.service", { check: false, timeoutMs: 600_000 }));
    expect(run.exitCode).not.toBe(0);
    // The OnFailure unit records the failure just after the service fails: wait for this one.
    type Status = { lastFailure: { message: string; time: string } | null };
    let failed = JSON.parse(await out("aiws-backup-status")) as Status;
    for (let i = 0; i < 30 && !(failed.lastFailure && Date.parse(failed.lastFailure.time) >= t0 - 5000); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      failed = JSON.parse(await out("aiws-backup-status")) as Status;
    }
    console.log(`[e2e] aiws-backup-status after the backup to a full NAS: lastFailure ${JSON.stringify(failed.lastFailure)}`);
    // Over SFTP restic hears only "Failure"; backup-run measured the volume and says it is full.
    expect(failed.lastFailure?.message).toMatch(new RegExp(`^restic backup failed \\(exit \\d+\\): the NAS is \\(nearly\\) full: \\d+ MiB free of ${nas.volumeMiB} MiB under ${nas.backupDir}/workstation; `));
    expect(await out("journalctl -u aiws-backup.service --since '-2min' -o cat")).toContain("the NAS is (nearly) full");
    await nasSsh(`rm -f ${nas.backupDir}/ballast`);
    expect(await snapshots()).toEqual(before);
    await phase("backup with room again", () => sh("systemctl start aiws-backup.service"));
    const after = await snapshots();
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after).toHaveLength(before.length + 1);
    await sh("rm -rf /data/projects/e2e-nas");
  });

  it("comes back after a reboot: array assembled and mounted, limits re-applied, timers on, services up", async () => {
    await phase("reboot", async () => {
      const seconds = await rebootGuest();
      console.log(`[e2e] reboot took ${seconds.toFixed(1)} s`);
    });
    await phase("host checks after reboot", async () => {
      await assertArray();
      await sh("sha256sum --check --strict /root/e2e.sha256");
      await assertLimitsAndTimers();
      await assertInference(labSecrets().inferenceApiKey!);
      const report = await drift(PROFILE, USER);
      expect(driftedIds(report)).toEqual([]);
    });
  });

  it("the owner's first hour: discover drafts the guest, check refuses the draft until it is filled in, init makes the stack (a wrong fingerprint and a login without sudo stop it), and the filled-in draft converges with the config init stored", async () => {
    const dir = join(paths.runDir, "profiles");
    mkdirSync(dir, { recursive: true });
    const draftFile = join(dir, "discovered.yaml");
    const login = ["--user", USER, "--identity", paths.labKey];

    // discover: read-only, as the non-root login (dmidecode and the drive details under sudo -n).
    const d = await phase("npm run discover against the guest", async () => cli("discover", ["--host", net.guestIp, ...login, "--out", draftFile, "--force"]));
    console.log(`[e2e] npm run discover, exit ${d.code}:\n${d.stdout}${d.stderr}`);
    expect(d.code, d.stderr).toBe(0);
    const drafted = readFileSync(draftFile, "utf8");
    console.log(`[e2e] the draft it wrote (${draftFile}):\n${drafted}`);
    const draft = parse(drafted) as { extends: string; hardware: { gpus: unknown; drives: { id: string; role: string; serial: string }[] }; storage: { layout: string } };
    expect(draft.extends).toMatch(/\/profiles\/quad-gpu\.yaml$/);
    const uuids = (await out("nvidia-smi --query-gpu=uuid --format=csv,noheader")).split("\n");
    expect(draft.hardware.gpus).toEqual([{ model: "rtx-pro-6000-blackwell-max-q", count: 4, powerLimitW: 250, uuids }]);
    expect(draft.hardware.drives.map((x) => [x.id, x.role, x.serial])).toEqual(LAB_SERIALS.map((s) => [`/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_${s}`, "raid", s]));
    expect(draft.storage.layout).toBe("raid0");
    // The guest's OS disk is virtio: no by-id name, so it is noted, not listed.
    expect(drafted).toContain("# the OS drive /dev/vda");

    // As drafted, check refuses it, naming each thing to fill in.
    const refused = cli("check", [draftFile]);
    console.log(`[e2e] npm run check on the draft as written, exit ${refused.code}:\n${refused.stdout}${refused.stderr}`);
    expect(refused.code).toBe(2);
    for (const path of ["hardware.psu.model", "hardware.circuit.volts", "hardware.circuit.amps"]) expect(refused.stdout + refused.stderr).toContain(path);

    // Filled in as the owner would: the PSU, the circuit, and what QEMU's NVMe does not report (its
    // link). The lab's own network (its apt repository, NAS and runtime downloads, which it serves
    // itself, as lab-raid0.yaml says) and lab-raid0's services go in a profile on top of it.
    const filled = drafted
      .replace(/^(\s*model: )TODO\b.*$/m, "$1atx31-1600-titanium-4x12v2x6")
      .replace(/^(\s*volts: )TODO\b.*$/m, "$1120")
      .replace(/^(\s*amps: )TODO\b.*$/m, "$120")
      .replace(/^(\s*interface: )TODO\b.*$/gm, "$1nvme-gen4");
    expect(filled).not.toMatch(/^[^#]*\bTODO\b/m);
    writeFileSync(draftFile, filled);
    const lab = parse(readFileSync(join(repoRoot, PROFILE), "utf8")) as Record<string, { deviceTimeoutSec?: number }>;
    const profile = derivedProfile(
      "discovered-lab",
      stringify({ extends: "./discovered.yaml", name: "discovered-lab", nvidia: lab.nvidia, storage: { deviceTimeoutSec: lab.storage!.deviceTimeoutSec }, backup: lab.backup, inference: lab.inference }),
    );
    const fits = cli("check", [profile]);
    expect(fits.code, fits.stdout + fits.stderr).toBe(0);

    // init, with a stand-in for the Pulumi CLI (the lab has none) and the real ssh-keyscan, ssh and sudo.
    const work = mkdtempSync(join(tmpdir(), "aiws-init-"));
    const pulumi = pulumiStandin(work);
    const env = { ...process.env, PATH: `${pulumi.bin}:${process.env.PATH ?? ""}` };
    const secrets = Object.entries(labSecrets()).map(([name, value]) => {
      writeFileSync(join(work, name), value, { mode: 0o600 });
      return `${name}=${join(work, name)}`;
    });
    const init = (user: string, fingerprint: string) => cli("init", ["--host", net.guestIp, "--user", user, "--identity", paths.labKey, "--profile", profile, "--fingerprint", fingerprint, "--secret", secrets.join(",")], env);
    // What the owner reads on the workstation's own console.
    const consoleFingerprint = (await out("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub")).split(" ")[1]!;
    const wrong = init(USER, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    console.log(`[e2e] npm run init with a fingerprint that is not the console's, exit ${wrong.code}:\n${wrong.stdout}${wrong.stderr}`);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`but ${net.guestIp} answered with ${consoleFingerprint}`);
    expect(pulumi.commands()).toBe("");
    await sh(`id nosudo >/dev/null 2>&1 || useradd -m -s /bin/bash nosudo; usermod --password "*" nosudo; install -d -o nosudo -m 700 ~nosudo/.ssh; install -o nosudo -m 600 ~${USER}/.ssh/authorized_keys ~nosudo/.ssh/authorized_keys`);
    const nosudo = init("nosudo", consoleFingerprint);
    await sh("userdel -r nosudo 2>/dev/null || true");
    console.log(`[e2e] npm run init as a login without sudo, exit ${nosudo.code}:\n${nosudo.stdout}${nosudo.stderr}`);
    expect(nosudo.code).toBe(1);
    expect(nosudo.stderr).toContain("nosudo cannot run sudo -n");
    expect(pulumi.commands()).toBe("");
    const made = await phase("npm run init against the guest", async () => init(USER, consoleFingerprint));
    console.log(`[e2e] npm run init, exit ${made.code}:\n${made.stdout}${made.stderr}`);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const stack = pulumi.config();
    expect(stack["aiws:hostKey"]).toEqual({ value: guestHostKey(), secret: false });
    for (const name of ["aiws:sshPrivateKey", ...Object.keys(labSecrets()).map((n) => `aiws:${n}`)]) expect(stack[name]?.secret, name).toBe(true);
    // No secret reached a command line (the private keys checked line by line).
    for (const value of [readFileSync(paths.labKey, "utf8"), ...Object.values(labSecrets())]) {
      for (const line of value.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----"))) expect(pulumi.commands()).not.toContain(line);
    }

    // The converge, with exactly the config init stored. The guest is lab-raid0's, which the draft
    // describes: the hardware check passes on the pinned UUIDs and serials, and the array is kept.
    const initStack = { config: Object.fromEntries(Object.entries(stack).map(([k, v]) => [k, v.value])), secretKeys: Object.keys(stack).filter((k) => stack[k]!.secret) };
    const s = await phase("converge the filled-in draft with init's stack config", () =>
      converge("run 9", {
        profile,
        user: USER,
        stack: initStack,
      }),
    );
    expect(s.ok, failure(s)).toBe(true);
    expect(s.records.find((r) => r.name === "hardware-identity-verdict")?.outcome).toBe("ran");
    await assertArray();
    await assertInference(labSecrets().inferenceApiKey!);

    // The same draft with one card's UUID changed, as after a card was swapped: the update
    // stops at the hardware check, naming the card, and no step runs.
    // Only the pinned list changes: the draft's comments above it name the same UUIDs.
    const swapped = uuids[2]!.replace(/^GPU-..../, "GPU-0000");
    writeFileSync(draftFile, filled.replace(/^\s*uuids: \[.*$/m, (pins) => pins.replace(uuids[2]!, swapped)));
    expect((parse(readFileSync(draftFile, "utf8")) as typeof draft).hardware.gpus).toEqual([expect.objectContaining({ uuids: uuids.map((u, i) => (i === 2 ? swapped : u)) })]);
    const refusedUp = await phase("converge the draft with a card it does not pin", () => converge("run 10", { profile, user: USER, stack: initStack }));
    expect(refusedUp.ok).toBe(false);
    expect(refusedUp.error ?? failure(refusedUp)).toContain(`GPU ${swapped} (rtx-pro-6000-blackwell-max-q): not on the host`);
    expect(refusedUp.applied + refusedUp.inSync).toBe(0);
    writeFileSync(draftFile, filled);
  });

  it("a reboot that never comes back: the wait fails within the stated time, naming the step, the boot and what to do", async () => {
    const qemu = labState()!.guest.qemuPid;
    const boot = await out("cat /proc/sys/kernel/random/boot_id");
    const cmd = waitDownCommand({ id: "nvidia-driver" } as Step, boot, { host: net.guestIp, port: 22 }, { downSeconds: 1, upSeconds: 20 });
    // The guest stops answering, as a machine stuck in its firmware would.
    process.kill(qemu, "SIGSTOP");
    try {
      const t0 = Date.now();
      const r = await phase("reboot wait against a host that never comes back", async () => spawnSync("sh", ["-c", cmd], { encoding: "utf8", timeout: 120_000 }));
      const seconds = (Date.now() - t0) / 1000;
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(
        `aiws: nvidia-driver: ${net.guestIp}:22 did not come back within 20 s of the reboot scheduled from boot ${boot}. Look at the workstation's console (a BIOS or boot prompt, a kernel that does not boot, a hung shutdown); once it answers SSH again, run pulumi up again: the step checks the new boot and carries on.`,
      );
      expect(seconds).toBeLessThan(40);
      console.log(`[e2e] after ${seconds.toFixed(1)} s:\n    ${r.stderr.trim()}`);
    } finally {
      process.kill(qemu, "SIGCONT");
    }
  });
});
