/**
 * `npm run doctor [-- --stack NAME | --host H [--user U] [--port N] [--identity KEY] [--host-key KEYLINE]] [--json]`
 * Checks both sides before the first `pulumi up` (src/doctor/checks.ts): this machine's
 * Node.js for Pulumi, the Pulumi CLI, the command plugin and the stack's passphrase; and, with
 * a stack or a host, the workstation: SSH with its host key, sudo, the OS, Secure Boot, free
 * space. Reads only; changes nothing anywhere.
 * Exit 0 everything ok (warnings allowed), 1 something to fix, 2 bad arguments.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { formatChecks, HOST_PROBE, hostChecks, localChecks, parseProbe, shellPath, type Check } from "../src/doctor/checks.js";
import { resolveTarget } from "../src/ssh/target.js";
import { SshSession, SSH_FAILED, sshFailure } from "../src/ssh/ssh.js";
import { commandJson, JSON_OPTION, printJson, runCommand, TARGET_OPTIONS, type CommandSpec } from "../src/cli.js";

const DOCTOR: CommandSpec = {
  name: "doctor",
  usage: "[--stack NAME | --host HOST [--user USER] [--port N] [--identity KEY] [--host-key KEYLINE]] [--json]",
  description: [
    "Checks what the first pulumi up needs, on both sides, and says how to fix each thing:",
    "here, the Node.js Pulumi will run the program with, the Pulumi CLI and the command plugin",
    "versions, the stack's passphrase; with a stack or a host, the workstation: SSH with its",
    "host key, passwordless sudo, Ubuntu 24.04 or Debian 12, Secure Boot, free space. Reads only.",
  ].join("\n"),
  options: { ...TARGET_OPTIONS, ...JSON_OPTION },
  exitCodes: { 0: "everything needed is there (warnings may remain)", 1: "something to fix (each line says how)", 2: "the command line is wrong" },
  examples: ["npm run doctor", "npm run doctor -- --stack workstation", "npm run doctor -- --host 192.168.1.50 --user aiws --host-key \"$(cat ws.hostkey)\""],
};

const ROOT = join(import.meta.dirname, "..");

function run(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000, env: { ...process.env, PATH: shellPath(process.env.PATH ?? "") } });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const packageJson = (name: string) => JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string; engines?: { node?: string } };

function localFacts(stack: string | undefined) {
  const plugins = (() => {
    try {
      return (JSON.parse(run("pulumi", ["plugin", "ls", "--json"]) ?? "[]") as { name?: string; kind?: string; version?: string }[]).filter((p) => p.name === "command" && p.kind === "resource").map((p) => p.version ?? "");
    } catch {
      return [];
    }
  })();
  const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as { requiredPulumiVersion?: string; stackConfigDir?: string };
  const stackFile = stack ? join(ROOT, project.stackConfigDir ?? ".", `Pulumi.${stack}.yaml`) : undefined;
  const nodeOnPath = run("node", ["--version"]);
  const pulumiVersion = run("pulumi", ["version"]);
  return {
    ...(nodeOnPath ? { nodeOnPath } : {}),
    nodeRequired: packageJson("@pulumi/pulumi").engines?.node ?? ">=22",
    ...(pulumiVersion ? { pulumiVersion } : {}),
    ...(project.requiredPulumiVersion ? { pulumiRequired: project.requiredPulumiVersion } : {}),
    commandPlugins: plugins,
    commandRequired: packageJson("@pulumi/command").version,
    ...(stack ? { stack: { name: stack, passphraseEncrypted: !!stackFile && existsSync(stackFile) && /^encryptionsalt:/m.test(readFileSync(stackFile, "utf8")) } } : {}),
    passphraseSet: !!(process.env.PULUMI_CONFIG_PASSPHRASE || process.env.PULUMI_CONFIG_PASSPHRASE_FILE),
  };
}

await runCommand(DOCTOR, async ({ opts, flags }) => {
  const json = flags.has("json");
  const local = localChecks(localFacts(opts.stack));
  let host: Check[] = [];
  let hostName: string | undefined;
  if (opts.stack || opts.host) {
    const target = await resolveTarget({ ...opts, profile: opts.profile ?? "(not used by doctor)" });
    const session = new SshSession(target.ssh);
    hostName = session.name;
    try {
      const r = await session.run(HOST_PROBE, { timeoutMs: 60_000 });
      host = r.code === SSH_FAILED ? [{ name: "SSH", status: "fail", detail: sshFailure(r, session.name), fix: "check the address, the login, the key and the host key (docs/pulumi-up.md, step 4)" }] : hostChecks(parseProbe(r.stdout), session.name);
    } finally {
      await session.close();
    }
  }
  const all = [...local, ...host];
  const failed = all.some((c) => c.status === "fail");
  if (json) {
    printJson(commandJson("doctor", failed ? "fix" : "ok", all, hostName ? { host: hostName } : {}));
  } else {
    console.log(formatChecks("this machine", local));
    if (hostName) console.log(formatChecks(`the workstation (${hostName})`, host));
    console.log(failed ? "\nSomething to fix first: each FAIL line says how." : "\nReady for pulumi up.");
  }
  return failed ? 1 : 0;
});
