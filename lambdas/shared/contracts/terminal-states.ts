import { type FailureCode, FailureCodes } from './errors';

/**
 * Every way a deployment ends, in one table: the workflow builds its endings from it (lib/), the
 * CLI maps an execution's end to a status and an exit code with it, its progress moves every
 * unfinished row to the state's phase, and Notify puts its status on the bus. README's table of
 * terminal states is checked against it (test/unit/shared/terminal-states.test.ts).
 */

/** A deployment's status: the `status` of the --json report and of the notification. */
export type DeploymentStatus = 'deployed' | 'skipped' | 'rolled-back' | 'failed' | 'timed-out' | 'running' | 'aborted';

/**
 * Where a service or scheduled task is: the `outcome` of the --json report's rows, and the word
 * the progress lines and the summary print (with spaces: `rolled back`, see {@link phaseText}).
 * One word per fact, in the same kebab-case as {@link DeploymentStatus}.
 */
export type Phase =
  | 'pending'
  | 'registering'
  | 'updating'
  | 'updated'
  | 'verifying'
  | 'live'
  | 'draining'
  | 'deployed'
  | 'unchanged'
  | 'failed'
  | 'rolling-back'
  | 'rolled-back'
  | 'rollback-failed'
  | 'timed-out'
  | 'not-started'
  | 'aborted'
  /** The execution's end leaves it unknown: a failure without the step's result. */
  | 'unknown';

/** A phase as people read it: `rolled back`, `not started`. */
export function phaseText(phase: Phase): string {
  return phase.replaceAll('-', ' ');
}

/** The CLI's exit code for an ending: 0 deployed, 1 failed and everything back, 2 something may be left. */
export type EndingExitCode = 0 | 1 | 2;

export interface TerminalState {
  /** The state's name in the workflow. */
  readonly name: string;
  /** A Fail state's Error (null for a Succeed state): what the CLI reads the ending from. */
  readonly error: FailureCode | null;
  /** The report's and the notification's status. */
  readonly status: DeploymentStatus;
  readonly exitCode: EndingExitCode;
  /** The phase every service and rule not yet finished ends in. */
  readonly phase: Phase;
  /** The Fail state's fixed Cause, which the notification carries; null: the failing step's own message. */
  readonly cause: string | null;
}

export const TerminalStates = {
  deployed: { name: 'Deployed', error: null, status: 'deployed', exitCode: 0, phase: 'deployed', cause: null },
  skipped: { name: 'Nothing To Deploy', error: null, status: 'skipped', exitCode: 0, phase: 'unchanged', cause: null },
  invalid: {
    name: 'Invalid Deployment',
    error: FailureCodes.invalidDeployment,
    status: 'failed',
    exitCode: 1,
    phase: 'not-started',
    cause: null,
  },
  concurrent: {
    name: 'Concurrent Deployment',
    error: FailureCodes.concurrentDeployment,
    status: 'failed',
    exitCode: 1,
    phase: 'not-started',
    cause: null,
  },
  rolledBack: {
    name: 'Rolled Back',
    error: FailureCodes.rolledBack,
    status: 'rolled-back',
    exitCode: 1,
    phase: 'rolled-back',
    cause: 'The deployment failed; services and scheduled tasks are back on their previous task definitions.',
  },
  verifyFailed: {
    name: 'Verify Failed',
    error: FailureCodes.verifyFailed,
    status: 'failed',
    exitCode: 1,
    phase: 'failed',
    cause: 'The new version did not become live (updateStrategy none: nothing is rolled back).',
  },
  // Something is left on the failed version (or nobody knows): not "failed and restored".
  rollbackFailed: {
    name: 'Rollback Failed',
    error: FailureCodes.rollbackFailed,
    status: 'failed',
    exitCode: 2,
    phase: 'rollback-failed',
    cause: null,
  },
  drainTimedOut: {
    name: 'Drain Timed Out',
    error: FailureCodes.drainTimedOut,
    status: 'timed-out',
    exitCode: 2,
    phase: 'timed-out',
    cause: 'The new version is live but the old one had not drained by the deadline.',
  },
  rollbackTimedOut: {
    name: 'Rollback Timed Out',
    error: FailureCodes.rollbackTimedOut,
    status: 'timed-out',
    exitCode: 2,
    phase: 'timed-out',
    cause: 'The rollback had not finished by the deadline: services may still run either version.',
  },
} as const satisfies Record<string, TerminalState>;

export type TerminalStateKey = keyof typeof TerminalStates;

/** The Fail states, by their Error. */
export const FAIL_STATES: ReadonlyMap<string, TerminalState> = new Map(
  Object.values(TerminalStates as Record<string, TerminalState>).flatMap((state) =>
    state.error === null ? [] : [[state.error, state] as const],
  ),
);

/** The terminal state named `name`, if it is one. */
export function terminalStateNamed(name: string): TerminalState | undefined {
  return Object.values(TerminalStates as Record<string, TerminalState>).find((state) => state.name === name);
}
