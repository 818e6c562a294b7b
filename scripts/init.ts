/**
 * `npm run init -- --host H --profile profiles/NAME.yaml [--stack NAME] [--user U] [--port N]
 *   (--identity KEY | --new-key FILE) [--host-key KEYLINE | --fingerprint SHA256:...] [--secret NAME=FILE,...]`
 * Makes the stack in one pass: checks the profile, shows the workstation's host key fingerprint
 * and how to compare it on its console, pins it, tests the login and passwordless sudo, then
 * creates (or selects) the stack and sets its config and secrets. Secrets come from files or a
 * prompt, never from the command line. Safe to run again: what is set is set again, secrets
 * already in the stack are kept.
 * Exit 0 the stack is ready, 1 something is still to do (each line says what), 2 bad arguments.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { checkProfileFile } from "../src/budget/check.js";
import { formatReport } from "../src/budget/format.js";
import { sudoersFix } from "../src/doctor/checks.js";
import { parseSecretFiles, secretsNeeded, stackNameProblem } from "../src/init/secrets.js";
import { fingerprintHowto, HOST_KEY_LINE } from "../src/ssh/hostTrust.js";
import { SshSession, SSH_FAILED, sshFailure } from "../src/ssh/ssh.js";
import { sshHostProblem, sshUserProblem } from "../src/ssh/validate.js";
import { InputError, runCommand, UsageError, type CommandSpec } from "../src/cli.js";

const INIT: CommandSpec = {
  name: "init",
  usage: "--host HOST --profile profiles/NAME.yaml [--stack NAME] [--user USER] [--port N] (--identity KEY | --new-key FILE) [--host-key KEYLINE | --fingerprint SHA256:...] [--secret NAME=FILE,...]",
  description: [
    "Makes the Pulumi stack for a workstation in one pass: checks the profile, shows the host's",
    "key fingerprint and how to compare it on its console, pins the key, tests the login and",
    "passwordless sudo, then creates or selects the stack and sets its config and secrets",
    "(from files or a prompt, never the command line). Safe to run again.",
  ].join("\n"),
  options: {
    host: { type: "string", value: "HOST", help: "the workstation's name or address (required)" },
    profile: { type: "string", value: "profiles/NAME.yaml", help: "its hardware profile (required; npm run discover drafts one)" },
    stack: { type: "string", value: "NAME", help: "the stack to make or update (default: workstation); its file is stacks/Pulumi.NAME.yaml" },
    user: { type: "string", value: "USER", help: "the SSH login (default: root); another user needs passwordless sudo" },
    port: { type: "string", value: "N", help: "the SSH port (default: 22)" },
    identity: { type: "string", value: "KEY", help: "the private key file to log in with" },
    "new-key": { type: "string", value: "FILE", help: "make a dedicated ed25519 key pair at FILE (kept when it exists) and log in with it; the public half must be authorized on the workstation" },
    "host-key": { type: "string", value: "KEYLINE", help: "the workstation's host key, \"ssh-ed25519 AAAA...\", read on its console; else it is fetched and its fingerprint shown" },
    fingerprint: { type: "string", value: "SHA256:...", help: "the fingerprint you read on the workstation's console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub): the fetched key must have it" },
    secret: { type: "string", value: "NAME=FILE,...", help: "files holding the secrets the profile needs (backupPassword, nasSshKey, inferenceApiKey, hfToken...); the rest are asked for" },
  },
  exitCodes: { 0: "the stack is ready for pulumi up", 1: "something is still to do (each line says what)", 2: "bad arguments, or the profile is not valid" },
  examples: [
    "npm run init -- --host 192.168.1.50 --user aiws --profile profiles/HOSTNAME.yaml --new-key ~/.ssh/aiws_ed25519",
    "npm run init -- --host ws.lan --profile profiles/quad-gpu.yaml --identity ~/.ssh/aiws_ed25519 --fingerprint SHA256:abc... --secret backupPassword=./pw,nasSshKey=./aiws-nas",
  ],
};

const run = (cmd: string, args: string[], input?: string) => spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000, ...(input !== undefined ? { input } : {}) });

/** Asks on the terminal; with `hidden`, what is typed is not echoed (a secret). */
async function ask(question: string, hidden = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (hidden) (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s) => void (s.startsWith(question) && process.stdout.write(question));
  const answer = await new Promise<string>((r) => rl.question(question, r));
  rl.close();
  if (hidden) process.stdout.write("\n");
  return answer.trim();
}

/** The host key line (type and key) the workstation answers with, and its SHA256 fingerprint. */
function scanHostKey(host: string, port: number): { line: string; fingerprint: string } {
  const scan = run("ssh-keyscan", ["-T", "10", "-t", "ed25519", "-p", String(port), host]);
  const line = scan.stdout.split("\n").find((l) => / ssh-ed25519 /.test(l))?.split(" ").slice(1, 3).join(" ");
  if (!line) throw new InputError(`${host}:${port} gave no ed25519 host key (ssh-keyscan: ${scan.stderr.trim().split("\n").pop() ?? "no answer"}): is sshd running there, and reachable?`);
  return { line, fingerprint: fingerprintOf(line) };
}

function fingerprintOf(line: string): string {
  const fp = /SHA256:\S+/.exec(run("ssh-keygen", ["-lf", "-"], line).stdout)?.[0];
  if (!fp) throw new InputError(`cannot read the fingerprint of the host key "${line.slice(0, 40)}..."`);
  return fp;
}

function pulumi(stack: string, args: string[], input?: string) {
  const r = run("pulumi", [...args, "--stack", stack], input);
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") throw new InputError("the Pulumi CLI is not installed (docs/pulumi-up.md, step 2, installs it); npm run doctor checks the rest");
  return r;
}

await runCommand(INIT, async ({ opts }) => {
  if (!opts.host || !opts.profile) throw new UsageError("--host HOST and --profile profiles/NAME.yaml are required");
  const host = opts.host;
  const stack = opts.stack ?? "workstation";
  const user = opts.user ?? "root";
  const port = Number(opts.port ?? 22);
  for (const problem of [sshHostProblem(host) && `--host ${sshHostProblem(host)}`, sshUserProblem(user) && `--user ${sshUserProblem(user)}`, stackNameProblem(stack)]) {
    if (problem) throw new UsageError(problem);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port ${opts.port} is not a TCP port (1 to 65535)`);
  if (!!opts.identity === !!opts["new-key"]) throw new UsageError("name the key to log in with: --identity KEY, or --new-key FILE to make a dedicated one");
  const secretFiles = parseSecretFiles(opts.secret);
  if (typeof secretFiles === "string") throw new UsageError(secretFiles);
  const tty = !!process.stdin.isTTY;

  // 1. The profile: nothing is written for a profile pulumi up would refuse.
  const report = checkProfileFile(opts.profile);
  if (report.status !== "ok" || !report.profile) {
    console.log(formatReport(report));
    return report.status === "invalid" ? 2 : 1;
  }
  const profile = report.profile;
  console.log(`1. profile ${opts.profile}: fits every budget`);

  // 2. The login key.
  let keyFile = opts.identity;
  if (opts["new-key"]) {
    keyFile = opts["new-key"];
    if (!existsSync(keyFile)) {
      const made = run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `aiws@${host}`, "-f", keyFile]);
      if (made.status !== 0) throw new InputError(`ssh-keygen could not make ${keyFile}: ${made.stderr.trim()}`);
      console.log(`2. made the key pair ${keyFile} (ed25519, no passphrase: pulumi up logs in unattended)`);
    } else {
      console.log(`2. key pair ${keyFile}: kept`);
    }
    console.log(`   its public half, to authorize for ${user} on the workstation (ssh-copy-id -i ${keyFile}.pub ${user}@${host}, or append it to ~${user}/.ssh/authorized_keys at the console):\n   ${readFileSync(`${keyFile}.pub`, "utf8").trim()}`);
  } else {
    if (!existsSync(keyFile!)) throw new InputError(`--identity ${keyFile}: no such file; name the private key file (ls ~/.ssh)`);
    console.log(`2. login key ${keyFile}`);
  }

  // 3. The host key: compared with what the workstation's own console shows, then pinned.
  let hostKey = opts["host-key"]?.trim();
  if (hostKey !== undefined) {
    if (!HOST_KEY_LINE.test(hostKey)) throw new UsageError(`--host-key takes a public host key line, "ssh-ed25519 AAAA..."\n${fingerprintHowto(host, `--host-key "$(cat ws.hostkey)"`)}`);
    console.log(`3. host key given: ${fingerprintOf(hostKey)}`);
  } else {
    const scanned = scanHostKey(host, port);
    console.log(`3. ${host} answers with the host key ${scanned.fingerprint} (ED25519).`);
    console.log("   On the workstation's own console (not over the network), read its fingerprint:\n     ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub");
    let confirmed = opts.fingerprint;
    if (!confirmed && tty) confirmed = await ask(`   Type the SHA256:... fingerprint the console shows: `);
    if (!confirmed) {
      console.error(`init: the host key is not pinned: run again with --fingerprint SHA256:... as the console shows it (nothing was written)`);
      return 1;
    }
    if (confirmed !== scanned.fingerprint) {
      console.error(`init: the console shows ${confirmed}, but ${host} answered with ${scanned.fingerprint}: something else may be answering at that address. Nothing was written; find out why before going on.`);
      return 1;
    }
    hostKey = scanned.line;
    console.log("   the same: pinned");
  }

  // 4. The login and sudo, with exactly the key and host key the stack will hold.
  const session = new SshSession({ host, port, user, trust: { kind: "pinned", hostKey }, identityFile: keyFile! });
  try {
    const login = await session.run("true", { timeoutMs: 60_000 });
    if (login.code === SSH_FAILED) {
      console.error(`init: cannot log in: ${sshFailure(login, session.name)}${opts["new-key"] ? `\n  authorize ${keyFile}.pub for ${user} on the workstation (above), then run init again` : ""}`);
      return 1;
    }
    if (user !== "root") {
      const sudo = await session.run("sudo -n true", { timeoutMs: 60_000 });
      if (sudo.code !== 0) {
        console.error(`init: ${user} cannot run sudo -n (every step runs as root through it). On the workstation: ${sudoersFix(user)}`);
        return 1;
      }
    }
    console.log(`4. logged in to ${session.name} with that key and host key${user !== "root" ? "; passwordless sudo works" : ""}`);
  } finally {
    await session.close();
  }

  // 5. The stack, its config and its secrets.
  const selected = pulumi(stack, ["stack", "select"]);
  if (selected.status !== 0) {
    const made = run("pulumi", ["stack", "init", stack]);
    if (made.status !== 0) {
      console.error(`init: cannot make the stack ${stack}: ${made.stderr.trim().split("\n").pop() ?? ""}\n  log in to a backend first (pulumi login --local keeps the state on this machine, docs/pulumi-up.md, step 3), with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE set`);
      return 1;
    }
  }
  const plain: [string, string][] = [
    ["aiws:host", host],
    ["aiws:user", user],
    ["aiws:port", String(port)],
    ["aiws:profile", opts.profile],
    ["aiws:hostKey", hostKey],
  ];
  for (const [key, value] of plain) {
    const r = pulumi(stack, ["config", "set", key, value]);
    if (r.status !== 0) throw new InputError(`pulumi config set ${key} failed: ${r.stderr.trim()}`);
  }
  const setSecret = (key: string, value: string) => {
    // The value on stdin: pulumi reads it there when the command line has none.
    const r = pulumi(stack, ["config", "set", "--secret", key], value);
    if (r.status !== 0) throw new InputError(`pulumi config set --secret ${key} failed: ${r.stderr.trim()}`);
  };
  setSecret("aiws:sshPrivateKey", readFileSync(keyFile!, "utf8"));
  const inStack = new Set(Object.keys(JSON.parse(pulumi(stack, ["config", "--json"]).stdout || "{}") as Record<string, unknown>));
  const needed = secretsNeeded(profile);
  const missing: string[] = [];
  const secretLines: string[] = [];
  for (const [name, steps] of needed) {
    const file = secretFiles.get(name);
    if (file) {
      if (!existsSync(file)) throw new InputError(`--secret ${name}=${file}: no such file`);
      setSecret(`aiws:${name}`, readFileSync(file, "utf8").replace(/\n$/, ""));
      secretLines.push(`aiws:${name} from ${file}`);
    } else if (inStack.has(`aiws:${name}`)) {
      secretLines.push(`aiws:${name} kept`);
    } else if (tty) {
      const value = await ask(`   aiws:${name} (for ${steps.join(", ")}; not shown): `, true);
      if (value) {
        setSecret(`aiws:${name}`, value);
        secretLines.push(`aiws:${name} typed`);
      } else {
        missing.push(name);
      }
    } else {
      missing.push(name);
    }
  }
  console.log(`5. stack ${stack} (stacks/Pulumi.${stack}.yaml): host, user, port, profile and host key set; aiws:sshPrivateKey stored as a secret${secretLines.length ? `; ${secretLines.join(", ")}` : ""}`);
  for (const name of [...secretFiles.keys()].filter((n) => !needed.has(n))) console.log(`   note: --secret ${name}: the profile needs no such secret; not stored`);
  if (missing.length > 0) {
    console.error(`init: still to set, as secrets (from a file, never the command line):\n${missing.map((n) => `  pulumi config set --secret aiws:${n} --stack ${stack} < FILE   (needed by ${needed.get(n)!.join(", ")})`).join("\n")}\n  or run init again with --secret ${missing.map((n) => `${n}=FILE`).join(",")}`);
    return 1;
  }
  console.log(`\nReady. Next: npm run doctor -- --stack ${stack}, then pulumi preview --stack ${stack} and pulumi up --stack ${stack}.`);
  return 0;
});
