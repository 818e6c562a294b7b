import { shellQuote } from "../step/render.js";
import type { Step } from "../step/step.js";

/**
 * Rebooting in the middle of `pulumi up`, for a step with `reboot: "if-needed"` (the NVIDIA
 * driver: its apply asks for one (aiws_reboot_required) when the new kernel module cannot load until
 * the host restarts).
 *
 * The pattern, three resources in a row, each a child of the step's concern component:
 *
 * 1. `<id>`, the step's own remote.Command. When apply asks for a reboot its converge script runs
 *    `scheduleRebootSnippet`: `systemd-run --on-active=5 systemctl reboot` (a transient timer,
 *    so this SSH session ends cleanly with exit 0 before the host goes down) and prints
 *    `aiws: <id>: reboot scheduled from boot <boot id>`, the id of the running boot.
 * 2. `<id>-reboot-down`, a local.Command (on the machine running Pulumi) whose `create`
 *    (waitDownCommand), while that line is in the step's stdout, sleeps 20 s and then waits for
 *    the host's SSH port to accept connections again, for at most 15 minutes, with a line
 *    every 30 s; a host that does not come back fails it with one message naming the step,
 *    the boot it left and what to do. Without a reboot it is `true`. Nothing can ask a
 *    remote.Command to retry a command that the reboot cut off: the provider retries only the
 *    dial (pulumi-command remote/connection.go `dialWithRetry`), and runs the command once on
 *    whatever it reached. So the next command must not dial before sshd has stopped: the
 *    reboot starts 5 s after the step's script returned, and sshd is among the first units
 *    stopped.
 * 3. `<id>-reboot-up`, a remote.Command that dials with REBOOT_DIAL (a margin for sshd starting
 *    after the port first answers) and runs, as root, the step's own check behind a
 *    prelude (rebootWaitCheck): the boot id must differ from the recorded one (if the host has
 *    not rebooted, it fails and says how to finish), then `systemctl is-system-running --wait`
 *    (bounded) lets the boot finish, then the step's check must pass on the new kernel.
 *
 * Every later step depends on `<id>-reboot-up`, never on `<id>` directly. Both gate resources
 * take their inputs from the boot id parsed out of the step's stdout, so they run again only
 * when the step ran again: the reboot happens only when the driver changed, and a later
 * `pulumi up` with nothing to do dials nothing. When the step ran and was in sync, the gates
 * change to `true` and "no reboot pending" and run in no time.
 *
 * Known limit: if the host takes more than 20 s to start shutting down (a stop job that hangs
 * before sshd stops), the wait lands on the old boot and fails with a message that says to run
 * `pulumi up` again once the host is back; a resource whose create failed is retried by the
 * next `pulumi up`.
 */
export interface RebootOptions {
  /** Seconds the local sleep waits for the host to go down (default 20). */
  readonly downSeconds?: number;
  /** Seconds the host has to answer SSH again after going down, before the wait fails (default 900). */
  readonly upSeconds?: number;
}

export const DEFAULT_DOWN_SECONDS = 20;
/**
 * 15 minutes: a Threadripper PRO with eight RDIMMs trains memory for minutes at its first boot
 * after a change, then the OS boots and DKMS may build a module. A host that takes longer is
 * stuck somewhere a person has to look (a console prompt, a kernel that does not boot).
 */
const DEFAULT_UP_SECONDS = 900;

/** Bash run by the converge script when apply asks for a reboot (RenderOptions.onRebootRequired). */
export function scheduleRebootSnippet(step: Step): string {
  return [
    "aiws_boot=$(cat /proc/sys/kernel/random/boot_id)",
    "if systemctl is-active --quiet aiws-reboot.timer; then",
    `  echo "aiws: ${step.id}: a reboot is already scheduled"`,
    "else",
    `  systemd-run --quiet --collect --unit=aiws-reboot --description="aiws: reboot for ${step.id}" \\`,
    "    --on-active=5 --timer-property=AccuracySec=1s /bin/systemctl --check-inhibitors=no reboot",
    "fi",
    `echo "aiws: ${step.id}: reboot scheduled from boot $aiws_boot"`,
  ].join("\n");
}

/** The boot id recorded by scheduleRebootSnippet in a step's stdout, if a reboot was scheduled. */
export function scheduledFromBoot(step: Step, stdout: string | undefined): string | undefined {
  if (!stdout) return undefined;
  const re = new RegExp(`^aiws: ${step.id}: reboot scheduled from boot ([0-9a-f-]{8,64})$`, "m");
  return re.exec(stdout)?.[1];
}

/** Where the wait looks for the host coming back: the address and port the steps dial. */
interface RebootTarget {
  readonly host: string;
  readonly port: number;
}

/**
 * The local command of `<id>-reboot-down`: without a pending reboot, nothing. With one: a sleep
 * that lets the host go down, then a wait until its SSH port accepts connections again, saying
 * so every 30 seconds, and failing with one message (the step, the boot it left, what to do)
 * when the host has not come back within `upSeconds`. Runs on the machine running Pulumi, under
 * bash (its /dev/tcp dials without needing nc or ssh).
 */
export function waitDownCommand(step: Step, bootId: string | undefined, target: RebootTarget, opts: RebootOptions = {}): string {
  const downSeconds = opts.downSeconds ?? DEFAULT_DOWN_SECONDS;
  const upSeconds = opts.upSeconds ?? DEFAULT_UP_SECONDS;
  for (const [name, v] of [["downSeconds", downSeconds], ["upSeconds", upSeconds]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`reboot: ${name} must be a whole number of seconds, not ${v}`);
  }
  if (!bootId) return `true # ${step.id}: no reboot pending`;
  if (!/^[0-9a-f-]+$/.test(bootId)) throw new Error(`reboot: ${JSON.stringify(bootId)} is not a boot id`);
  if (!/^[A-Za-z0-9.:_-]+$/.test(target.host) || target.host.startsWith("-")) throw new Error(`reboot: ${JSON.stringify(target.host)} is not a host name or address`);
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) throw new Error(`reboot: ${target.port} is not a port`);
  const where = `${target.host}:${target.port}`;
  const script = [
    `sleep ${downSeconds}`,
    "start=$SECONDS said=$SECONDS",
    `until timeout 5 bash -c 'exec 3<>/dev/tcp/${target.host}/${target.port}' 2>/dev/null; do`,
    `  if (( SECONDS - start >= ${upSeconds} )); then`,
    `    echo "aiws: ${step.id}: ${where} did not come back within ${upSeconds} s of the reboot scheduled from boot ${bootId}. Look at the workstation's console (a BIOS or boot prompt, a kernel that does not boot, a hung shutdown); once it answers SSH again, run pulumi up again: the step checks the new boot and carries on." >&2`,
    "    exit 1",
    "  fi",
    "  if (( SECONDS - said >= 30 )); then",
    `    echo "aiws: ${step.id}: waiting for ${where} to come back from the reboot: $(( SECONDS - start )) s of ${upSeconds} s"`,
    "    said=$SECONDS",
    "  fi",
    "  sleep 2",
    "done",
    `echo "aiws: ${step.id}: ${where} answers again after $(( SECONDS - start + ${downSeconds} )) s"`,
  ].join("\n");
  return `bash -c ${shellQuote(script)} # let the host go down and come back: ${step.id} scheduled a reboot from boot ${bootId}`;
}

/**
 * The step whose `check` the wait-for-host command runs: the boot must be a new one, the boot
 * finished, then the step's own check. Without a pending reboot: nothing to check.
 */
export function rebootWaitStep(step: Step, bootId: string | undefined): Step {
  const noop = `echo "aiws: ${step.id}: no reboot pending"`;
  if (!bootId) return { ...step, check: noop, apply: noop, remove: noop, secrets: [] };
  if (!/^[0-9a-f-]+$/.test(bootId)) throw new Error(`reboot: ${JSON.stringify(bootId)} is not a boot id`);
  const prelude = [
    `aiws_before=${bootId}`,
    "aiws_now=$(cat /proc/sys/kernel/random/boot_id)",
    'if [ "$aiws_now" = "$aiws_before" ]; then',
    `  echo "aiws: ${step.id}: the host has not rebooted yet (still boot $aiws_now): finish the reboot (sudo systemctl reboot) and run pulumi up again once it is back" >&2`,
    "  exit 1",
    "fi",
    `echo "aiws: ${step.id}: host is back (boot $aiws_now)"`,
    "aiws_state=$(timeout 600 systemctl is-system-running --wait 2>/dev/null) || true",
    `echo "aiws: ${step.id}: system \${aiws_state:-state unknown}; checking"`,
  ].join("\n");
  return { ...step, check: `${prelude}\n${step.check}` };
}
