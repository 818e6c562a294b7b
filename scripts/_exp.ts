import { backupUnits } from "../src/host/backup/units.js";
import { gpuPowerLimitsUnit } from "../src/host/power/index.js";
import { backupSchema } from "../src/profile/schema/backup.js";
import { writeFileSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
const b = backupSchema.parse({ nas: { host: "nas", user: "u", path: "/b" }, paths: ["/data"] } as any);
const units: Record<string,string> = { ...backupUnits(b as any), "aiws-gpu-power-limits.service": gpuPowerLimitsUnit() };
const dir = mkdtempSync("/tmp/exp-");
for (const [n, t] of Object.entries(units)) { if (!n.endsWith(".service")) continue; const f = `${dir}/${n.replace("@","@x")}`; writeFileSync(f, t); const r = spawnSync("systemd-analyze", ["security","--offline=yes","--no-pager",f],{encoding:"utf8"}); console.log(n, /Overall exposure level for \S+: (\S+)/.exec(r.stdout)?.[1] ?? r.stdout+r.stderr); }
