import type { Profile } from "../profile/schema/profile.js";
import type { Step } from "../step/step.js";
import type { CheckReport } from "../budget/check.js";

/** One hardware figure that differs between the profiles, by dotted path. */
interface FieldChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

interface StepChange {
  readonly id: string;
  readonly title: string;
  readonly change: "added" | "changed" | "removed";
  readonly destructive: boolean;
}

interface BudgetChange {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly before?: { load: number; limit: number; ok: boolean };
  readonly after?: { load: number; limit: number; ok: boolean };
}

/** Everything that changes when a workstation moves from one profile to another. */
export interface ProfileSwitch {
  readonly hardware: readonly FieldChange[];
  readonly budgets: readonly BudgetChange[];
  readonly steps: readonly StepChange[];
  /** The storage layout changes (independent <-> raid0): a migration, not an edit. */
  readonly layoutChange?: { from: string; to: string };
  /** Drives (by serial) whose contents the new plan may destroy: new array members or newly formatted drives. */
  readonly drivesAtRisk: readonly string[];
}

/** Compares two checked profiles and their plans. Pure: the switch command adds the host's side. */
export function diffProfiles(from: CheckReport & { profile: Profile }, to: CheckReport & { profile: Profile }, fromSteps: readonly Step[], toSteps: readonly Step[]): ProfileSwitch {
  const hardware = diffValues(summarizeHardware(from.profile), summarizeHardware(to.profile), "hardware");
  const budgets = diffBudgets(from, to);
  const steps = diffSteps(fromSteps, toSteps);
  const fromLayout = from.profile.storage?.layout ?? "none";
  const toLayout = to.profile.storage?.layout ?? "none";
  return {
    hardware,
    budgets,
    steps,
    ...(fromLayout !== toLayout ? { layoutChange: { from: fromLayout, to: toLayout } } : {}),
    drivesAtRisk: drivesAtRisk(from.profile, to.profile),
  };
}

/** The hardware as people compare it: catalog figures folded away, counts and limits kept. */
function summarizeHardware(p: Profile): Record<string, unknown> {
  const hw = p.hardware;
  return {
    cpu: hw.cpu.model,
    cpuPeakW: hw.cpu.draw.peak,
    memory: `${hw.memory.modules} x ${hw.memory.moduleGB} GB ${hw.memory.kind} ${hw.memory.speedMTs}`,
    gpus: hw.gpus.map((g) => `${g.count} x ${g.model}${g.powerLimitW ? ` at ${g.powerLimitW} W` : ""}`).join(", ") || "none",
    drives: hw.drives.map((d) => `${d.role}: ${d.model} (${d.serial})`).join("; "),
    psu: `${hw.psu.name} (${hw.psu.ratedW} W, ATX ${hw.psu.atxVersion}, ${hw.psu.native12v2x6} x 12V-2x6)`,
    circuit: `${hw.circuit.volts} V / ${hw.circuit.amps} A`,
    ups: hw.ups ? `${hw.ups.watts} W` : "none",
    storage: p.storage ? `${p.storage.layout}${p.storage.layout === "raid0" ? ` at ${p.storage.raid?.mountpoint}` : ""}` : "none",
    inference: p.inference.services.map((s) => `${s.name} (${s.runtime} ${s.model} ${s.quantization})`).join(", ") || "none",
  };
}

function diffValues(a: Record<string, unknown>, b: Record<string, unknown>, prefix: string): FieldChange[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => ({ path: `${prefix}.${k}`, from: a[k], to: b[k] }));
}

function diffBudgets(from: CheckReport, to: CheckReport): BudgetChange[] {
  const ids = [...new Set([...from.lines.map((l) => l.id), ...to.lines.map((l) => l.id)])];
  return ids.map((id) => {
    const a = from.lines.find((l) => l.id === id);
    const b = to.lines.find((l) => l.id === id);
    const l = (b ?? a)!;
    return {
      id,
      title: l.title,
      unit: l.unit,
      ...(a ? { before: { load: a.load, limit: a.limit, ok: a.ok } } : {}),
      ...(b ? { after: { load: b.load, limit: b.limit, ok: b.ok } } : {}),
    };
  });
}

function diffSteps(a: readonly Step[], b: readonly Step[]): StepChange[] {
  const before = new Map(a.map((s) => [s.id, s]));
  const after = new Map(b.map((s) => [s.id, s]));
  const out: StepChange[] = [];
  for (const s of b) {
    const old = before.get(s.id);
    if (!old) out.push({ id: s.id, title: s.title, change: "added", destructive: s.destructive });
    else if (old.check !== s.check || old.apply !== s.apply || old.remove !== s.remove || JSON.stringify(old.vars) !== JSON.stringify(s.vars)) {
      out.push({ id: s.id, title: s.title, change: "changed", destructive: s.destructive });
    }
  }
  for (const s of a) if (!after.has(s.id)) out.push({ id: s.id, title: s.title, change: "removed", destructive: false });
  return out;
}

/** Serials of drives the target profile formats or joins to an array that the current one did not. */
function drivesAtRisk(from: Profile, to: Profile): string[] {
  const used = (p: Profile): Map<string, string> => {
    const m = new Map<string, string>();
    if (!p.storage) return m;
    if (p.storage.layout === "raid0") for (const d of p.hardware.drives.filter((x) => x.role === "raid")) m.set(d.serial, "raid0");
    else for (const mt of p.storage.mounts) {
      const d = p.hardware.drives.find((x) => x.id === mt.drive);
      if (d) m.set(d.serial, `${p.storage.filesystem} at ${mt.mountpoint}`);
    }
    return m;
  };
  const a = used(from);
  const b = used(to);
  return [...b.entries()].filter(([serial, use]) => a.get(serial) !== use).map(([serial]) => serial);
}
