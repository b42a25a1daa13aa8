// `gehen`: the CLI as a function, for scripts and tools that deploy from Node (package.json
// `exports`). It is the `gehen` binary without `sandbox` and `demo`.
import { type CliIo, processIo } from './io';
import { runCli as runProgram } from './program';

export type { DeploymentReport } from '../lambdas/shared/contracts/state';
export type { DeploymentStatus, Phase } from '../lambdas/shared/contracts/terminal-states';
export type { ExitCode, ReportStatus } from './exit-codes';
export { ExitCodes } from './exit-codes';
export type { CliIo, Clock, Output } from './io';
export { processIo } from './io';
export type { CliReport } from './report';

/**
 * Runs `gehen <args>` (e.g. `['deploy', '--gitsha', sha, '--json']`) and resolves to its exit
 * code (0 deployed, 1 failed and rolled back, 2 unknown); output goes to `io` (default: this process's).
 */
export function runCli(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(args, io);
}
