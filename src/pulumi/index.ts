/** Step -> remote.Command wiring for the Pulumi program (stacks/workstation). */
export { connectionInput, shellCommand, NORMAL_DIAL, REBOOT_DIAL, type SshConnectionArgs, type DialSettings } from "./connection.js";
export { stepCommand, removeCommand, type StepCommand, type StepCommandArgs, type SecretInputs } from "./stepCommand.js";
export { scheduleRebootSnippet, scheduledFromBoot, waitDownCommand, rebootWaitStep, DEFAULT_DOWN_SECONDS, type RebootOptions } from "./reboot.js";
export { ConcernComponent, type ConcernArgs, type StepResources } from "./concern.js";
export { hostResources, groupByConcern, planDigest, type HostResources, type HostResourcesArgs } from "./host.js";
