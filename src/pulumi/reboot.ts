import type { Step } from "../host/step.js";

/**
 * Rebooting in the middle of `pulumi up`, for a step with `reboot: "if-needed"` (the NVIDIA
 * driver: its apply exits REBOOT_REQUIRED_EXIT when the new kernel module cannot load until
 * the host restarts).
 *
 * The pattern, three resources in a row, each a child of the step's concern component:
 *
 * 1. `<id>`, the step's own remote.Command. When apply exits 100 its converge script runs
 *    `scheduleRebootSnippet`: `systemd-run --on-active=5 systemctl reboot` (a transient timer,
 *    so this SSH session ends cleanly with exit 0 before the host goes down) and prints
 *    `aiws: <id>: reboot scheduled from boot <boot id>`, the id of the running boot.
 * 2. `<id>-reboot-down`, a local.Command (on the machine running Pulumi) whose `create` is
 *    `sleep 20` while that line is in the step's stdout, `true` otherwise. Nothing can ask a
 *    remote.Command to retry a command that the reboot cut off: the provider retries only the
 *    dial (pulumi-command remote/connection.go `dialWithRetry`), and runs the command once on
 *    whatever it reached. So the next command must not dial before sshd has stopped: the
 *    reboot starts 5 s after the step's script returned, and sshd is among the first units
 *    stopped.
 * 3. `<id>-reboot-up`, a remote.Command that dials with REBOOT_DIAL (120 failed dials: at least
 *    10 minutes of shutdown, POST and boot) and runs, as root, the step's own check behind a
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
}

export const DEFAULT_DOWN_SECONDS = 20;

/** Bash run by the converge script when apply exits 100 (RenderOptions.onRebootRequired). */
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

/** The local command that lets the host go down: a sleep while a reboot is pending, else nothing. */
export function waitDownCommand(step: Step, bootId: string | undefined, downSeconds = DEFAULT_DOWN_SECONDS): string {
  if (!Number.isInteger(downSeconds) || downSeconds < 1) throw new Error(`reboot: downSeconds must be a whole number of seconds, not ${downSeconds}`);
  return bootId
    ? `sleep ${downSeconds} # let the host go down: ${step.id} scheduled a reboot from boot ${bootId}`
    : `true # ${step.id}: no reboot pending`;
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
