/**
 * The Pulumi program's entry point (Pulumi.yaml `main: stacks/workstation`). The module has a
 * default export only: the Node.js language host imports it, calls the function and makes
 * what it returns the stack's outputs (a module with both a default export and named ones is
 * an error there, pulumi/pulumi sdk/nodejs/cmd/run/run.ts). Everything else lives in
 * src/pulumi/program.ts, which tests and the test engine call under mocks.
 */
import { readWorkstationConfig } from "../../src/pulumi/config.js";
import { buildWorkstation } from "../../src/pulumi/program.js";

export default function workstation() {
  return buildWorkstation(readWorkstationConfig()).outputs;
}
