/**
 * `npm run demo [-- --profile lab/profiles/lab-raid0.yaml] [--user root|aiws] [--keep]`
 * Watch aiws configure a workstation without owning one: boots the VM lab (a Debian 12 guest
 * with four NVMe disks, a NAS, stand-in GPUs; see docs/lab.md), converges it from a shipped
 * lab profile with the stack's own program (the test engine: every step's command runs over
 * SSH for real), prints each step as it runs and a summary at the end, then brings the lab
 * down (unless --keep). Needs root (the lab makes network namespaces). Exit 0 when every
 * step converged.
 */
import { engineUp, type CommandRecord } from "../src/lab/engine.js";
import { labDown } from "../src/lab/lab.js";
import { LAB_PROFILES, labStackConfig, prepareLab } from "../lab/workstation.js";

const USAGE = "usage: npm run demo [-- --profile lab/profiles/NAME.yaml] [--user root|aiws] [--keep]";

function parse(argv: string[]): { profile: string; user: string; keep: boolean } {
  const out = { profile: LAB_PROFILES.raid0 as string, user: "root", keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--keep") out.keep = true;
    else if (a === "--profile" && argv[i + 1]) out.profile = argv[++i]!;
    else if (a === "--user" && argv[i + 1]) out.user = argv[++i]!;
    else throw new Error(`unexpected argument ${a}\n${USAGE}`);
  }
  return out;
}

const secs = (s: number) => `${s.toFixed(1)} s`;

function show(r: CommandRecord): void {
  const what =
    r.outcome === "in-sync" ? "in sync" : r.outcome === "converged" ? "applied" : r.outcome === "reboot" ? "applied, reboot" : r.outcome;
  console.log(`  ${r.name.padEnd(34)} ${what.padEnd(16)} ${secs(r.seconds).padStart(8)}`);
  if (r.outcome === "failed") {
    console.log(`    ${r.error}`);
    if (!r.secret) for (const l of (r.stderr || r.stdout).trim().split("\n").slice(-15)) console.log(`    | ${l}`);
  }
}

async function main(): Promise<number> {
  const o = parse(process.argv.slice(2));
  if (process.getuid?.() !== 0) {
    console.error("demo: the lab needs root (it creates network namespaces and a tap device); run it as root");
    return 2;
  }
  const t0 = Date.now();
  let ok = false;
  try {
    console.log("Booting the lab (the first time builds the guest image: about two minutes)...");
    const lab = await prepareLab((l) => console.log(`  ${l}`), { fresh: true });
    const booted = (Date.now() - t0) / 1000;
    console.log(`Lab up in ${secs(booted)}: guest ${lab.guest.ip}, NAS ${lab.nas.ip}, apt repository ${lab.repo.url}`);
    console.log(`\nConverging ${lab.guest.ip} as ${o.user} from ${o.profile} (each step: check, else apply, then check again):`);
    const { config, secretKeys } = labStackConfig({ profile: o.profile, user: o.user });
    const s = await engineUp({ config, secretKeys, onRecord: show });
    if (s.error) {
      console.error(`\n${s.error}`);
      return 1;
    }
    const total = (Date.now() - t0) / 1000;
    console.log(
      `\nSummary: ${s.steps} steps: ${s.applied} applied, ${s.inSync} already in sync, ${s.failed} failed${s.skipped ? `, ${s.skipped} not run` : ""}.` +
        ` Converge ${secs(s.seconds)}; lab boot ${secs(booted)}; total ${secs(total)}.`,
    );
    ok = s.ok;
    if (o.keep) console.log("\nThe lab stays up (--keep): npm run lab -- ssh | npm run drift -- --host 10.200.0.10 --profile " + `${o.profile} --identity .lab/keys/lab_ed25519 | npm run lab -- down`);
    return ok ? 0 : 1;
  } finally {
    if (!o.keep) {
      await labDown();
      console.log("Lab down: nothing left running.");
    }
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`demo: ${(e as Error).message}`);
  process.exitCode = 2;
}
