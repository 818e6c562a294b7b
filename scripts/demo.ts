/**
 * `npm run demo [-- --profile lab/profiles/lab-raid0.yaml] [--user root|aiws] [--keep]`
 * Watch aiws configure a workstation without owning one: boots the VM lab (a Debian 12 guest
 * with four NVMe disks, a NAS, stand-in GPUs; see docs/lab.md), converges it from a shipped
 * lab profile with the stack's own program (the test engine: every step's command runs over
 * SSH for real), prints each step as it runs and a summary at the end, then brings the lab
 * down (unless --keep). Needs root (the lab makes network namespaces). Exit 0 when every
 * step converged.
 */
import { engineUp, type CommandRecord } from "../src/engine/engine.js";
import { labDown } from "../src/lab/lab.js";
import { LAB_PROFILES, labStackConfig, prepareLab } from "../lab/workstation.js";
import { InputError, runCommand, UsageError, type CommandSpec, type ParsedArgs } from "../src/cli.js";

const DEMO: CommandSpec = {
  name: "demo",
  usage: "[--profile lab/profiles/NAME.yaml] [--user root|aiws] [--keep]",
  description: [
    "Watch aiws configure a workstation without owning one: boots the VM lab (a Debian 12 guest",
    "with four NVMe disks, a NAS, stand-in GPUs; docs/lab.md), converges it from a lab profile",
    "with the stack's own program, every step's command over SSH for real, and prints each step",
    "and a summary. Then brings the lab down. Needs root and a few minutes.",
  ].join("\n"),
  options: {
    profile: { type: "string", value: "lab/profiles/NAME.yaml", help: `the lab profile to converge (default ${LAB_PROFILES.raid0})` },
    user: { type: "string", value: "root|aiws", help: "the guest login the steps run as (aiws uses sudo -n; default root)" },
    keep: { type: "boolean", help: "leave the lab up afterwards, for npm run lab -- ssh or a drift check" },
  },
  exitCodes: { 0: "every step converged", 1: "a step failed (its output is printed)", 2: "not root, the lab failed, or the command line is wrong" },
};

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

async function main({ opts, flags }: ParsedArgs): Promise<number> {
  const o = { profile: opts.profile ?? LAB_PROFILES.raid0, user: opts.user ?? "root", keep: flags.has("keep") };
  if (o.user !== "root" && o.user !== "aiws") throw new UsageError(`--user ${o.user}: the lab guest has root and aiws`);
  if (process.getuid?.() !== 0) throw new InputError("the lab needs root (it creates network namespaces and a tap device); run it as root");
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

// The lab's own failures (qemu, debootstrap, a namespace) are reported in one line, exit 2.
await runCommand(DEMO, async (args) => {
  try {
    return await main(args);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) throw e;
    console.error(`demo: ${(e as Error).message}`);
    return 2;
  }
});
