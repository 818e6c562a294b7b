import type { z } from "zod";
import type { Hardware } from "./hardware.js";
import type { NvidiaConfig } from "./nvidia.js";
import { isUnder, type StorageConfig } from "./storage.js";
import { runsAtLeastDaily, type BackupConfig } from "./backup.js";
import type { InferenceConfig } from "./inference.js";
import { checkVersionRules } from "./versionRules.js";
import { checkMoves } from "./storageMoves.js";
import { compareVersions } from "../runtimeCatalog.js";

interface RulesInput {
  hardware: Hardware;
  nvidia: NvidiaConfig;
  storage?: StorageConfig | undefined;
  backup?: BackupConfig | undefined;
  inference: InferenceConfig;
}

/** Blackwell's floor: driver R570 with the open kernel modules, CUDA 12.8 (NVIDIA's CUDA 12.8 release notes). */
const BLACKWELL_MIN_BRANCH = 570;
const BLACKWELL_MIN_CUDA = "12.8";

/** Cross-field rules, each reported at the exact path a user has to change. */
export function checkProfileRules(p: RulesInput, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });

  p.hardware.gpus.forEach((gpu, i) => {
    const r = gpu.powerLimitRangeW;
    if (!(r.min <= r.default && r.default <= r.max)) {
      issue(["hardware", "gpus", i, "powerLimitRangeW"], `min ${r.min} W <= default ${r.default} W <= max ${r.max} W does not hold`);
    }
    if (gpu.powerLimitW !== undefined && (gpu.powerLimitW < r.min || gpu.powerLimitW > r.max)) {
      issue(
        ["hardware", "gpus", i, "powerLimitW"],
        `${gpu.powerLimitW} W is outside the ${gpu.name}'s power-limit range ${r.min}-${r.max} W; pick a value in that range`,
      );
    }
    if (gpu.uuids && gpu.uuids.length !== gpu.count) {
      issue(["hardware", "gpus", i, "uuids"], `${gpu.uuids.length} UUID(s) for count ${gpu.count}: pin one per card (nvidia-smi --query-gpu=uuid --format=csv), or drop uuids`);
    }
  });
  const uuidAt = new Map<string, number>();
  p.hardware.gpus.forEach((gpu, i) =>
    (gpu.uuids ?? []).forEach((u, j) => {
      const key = u.toLowerCase();
      if (uuidAt.has(key)) issue(["hardware", "gpus", i, "uuids", j], `${u} is listed twice (also hardware.gpus.${uuidAt.get(key)}): each card has its own UUID`);
      else uuidAt.set(key, i);
    }),
  );

  const blackwell = p.hardware.gpus.find((g) => g.architecture === "blackwell");
  if (blackwell) {
    if (p.nvidia.kernelModules !== "open") {
      issue(["nvidia", "kernelModules"], `the ${blackwell.name} (Blackwell) runs only on NVIDIA's open kernel modules; set kernelModules: open`);
    }
    if (Number(p.nvidia.driverBranch) < BLACKWELL_MIN_BRANCH) {
      issue(["nvidia", "driverBranch"], `Blackwell needs driver branch ${BLACKWELL_MIN_BRANCH} or later; ${p.nvidia.driverBranch} cannot drive the ${blackwell.name}`);
    }
    if (compareVersions(p.nvidia.cudaVersion, BLACKWELL_MIN_CUDA) < 0) {
      issue(["nvidia", "cudaVersion"], `Blackwell (sm_120) needs CUDA ${BLACKWELL_MIN_CUDA} or later; ${p.nvidia.cudaVersion} has no kernels for the ${blackwell.name}`);
    }
  }

  checkVersionRules({ nvidia: p.nvidia, inference: p.inference, hasGpus: p.hardware.gpus.length > 0 }, issue);

  const seen = new Map<string, number>();
  p.hardware.drives.forEach((d, i) => {
    const first = seen.get(d.id);
    if (first !== undefined) issue(["hardware", "drives", i, "id"], `the same drive is listed twice (also hardware.drives.${first})`);
    seen.set(d.id, i);
  });
  // Safe mode knows a drive by its serial and the wipe list names drives by it: two drives
  // with one serial would let a wipe meant for one destroy the other.
  const serials = new Map<string, number>();
  p.hardware.drives.forEach((d, i) => {
    const first = serials.get(d.serial);
    if (first !== undefined) {
      issue(["hardware", "drives", i, "serial"], `serial ${d.serial} is also hardware.drives.${first}'s; each drive has its own (read them with lsblk -d -o PATH,SERIAL)`);
    }
    serials.set(d.serial, i);
  });

  if (p.storage) {
    checkStorage(p.hardware, p.storage, p.backup, issue);
    checkMoves(p.storage, p.backup, issue);
  }

  const gpuCount = p.hardware.gpus.reduce((n, g) => n + g.count, 0);
  p.inference.services.forEach((s, i) => {
    s.gpus.forEach((g, j) => {
      if (g >= gpuCount) issue(["inference", "services", i, "gpus", j], `GPU ${g} does not exist: this profile has ${gpuCount} GPU(s), numbered 0-${gpuCount - 1}`);
    });
  });
  const ports = new Map<number, number>();
  p.inference.services.forEach((s, i) => {
    const other = ports.get(s.port);
    if (other !== undefined) issue(["inference", "services", i, "port"], `port ${s.port} is already taken by inference.services.${other}`);
    ports.set(s.port, i);
  });
}

function checkStorage(hw: Hardware, st: StorageConfig, backup: BackupConfig | undefined, issue: (path: (string | number)[], message: string) => void): void {
  const byId = new Map(hw.drives.map((d) => [d.id, d]));
  const used = new Set<string>();
  if (st.layout === "raid0") {
    const members = hw.drives.filter((d) => d.role === "raid");
    members.forEach((d) => used.add(d.serial));
    if (members.length < 2) issue(["storage", "layout"], `raid0 needs at least two drives with role: raid in hardware.drives (found ${members.length})`);
    if (!st.raid) issue(["storage", "raid"], "raid0 needs a raid section (name, device, chunkKiB, mountpoint)");
    if (st.mounts.length > 0) issue(["storage", "mounts"], "mounts are for the independent layout; raid0 mounts the array at raid.mountpoint");
    if (st.raid && (st.raid.chunkKiB & (st.raid.chunkKiB - 1)) !== 0) {
      issue(["storage", "raid", "chunkKiB"], `${st.raid.chunkKiB} KiB is not a power of two; mdadm's RAID 0 chunks are (512 is the default)`);
    }
    // RAID 0 only with daily backups: one failed drive loses the whole array.
    const mountpoint = st.raid?.mountpoint ?? "/data";
    if (!backup) {
      issue(["storage", "layout"], "RAID 0 loses everything on it when any one drive fails: add a backup section (restic to a NAS, daily), or use layout: independent");
    } else {
      if (!runsAtLeastDaily(backup.schedule)) {
        issue(["backup", "schedule"], `RAID 0 needs backups at least daily; "${backup.schedule}" is less often (use daily, or a time of day like "*-*-* 02:00")`);
      }
      const covered = backup.paths.some((p) => isUnder(mountpoint, p));
      if (!covered) issue(["backup", "paths"], `the RAID 0 array is mounted at ${mountpoint}, which backup.paths does not include: add ${mountpoint}`);
    }
  } else {
    if (st.raid) issue(["storage", "raid"], "a raid section needs layout: raid0");
    const drives = new Map<string, number>();
    st.mounts.forEach((m, i) => {
      const d = byId.get(m.drive);
      if (!d) issue(["storage", "mounts", i, "drive"], `${m.drive} is not in hardware.drives`);
      else if (d.role !== "data") issue(["storage", "mounts", i, "drive"], `${m.drive} has role ${d.role}; only data drives are mounted here`);
      else used.add(d.serial);
      const first = drives.get(m.drive);
      if (first !== undefined) issue(["storage", "mounts", i, "drive"], `${m.drive} is already mounted by storage.mounts.${first}; a drive holds one filesystem`);
      drives.set(m.drive, i);
    });
    const points = new Set<string>();
    st.mounts.forEach((m, i) => {
      if (points.has(m.mountpoint)) issue(["storage", "mounts", i, "mountpoint"], `${m.mountpoint} is used twice`);
      points.add(m.mountpoint);
    });
  }
  const serials = new Set(hw.drives.map((d) => d.serial));
  st.wipe.forEach((s, i) => {
    const d = hw.drives.find((x) => x.serial === s);
    if (!serials.has(s)) issue(["storage", "wipe", i], `no drive in hardware.drives has serial ${s}`);
    else if (d?.role === "os") issue(["storage", "wipe", i], `${s} is the OS drive; aiws never wipes it`);
    else if (!used.has(s)) issue(["storage", "wipe", i], `${s} is not a drive this ${st.layout} layout uses; remove it from the wipe list`);
  });
}
