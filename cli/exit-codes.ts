import { FailureCodes } from '../lambdas/shared/contracts/errors';

/** The CLI's exit codes, as the original's: 0 deployed, 1 failed, 2 result unknown. */
export const ExitCodes = {
  deployed: 0,
  failed: 1,
  unknown: 2,
  /** 128 + SIGINT: the shell's convention for "stopped by Ctrl-C". The deployment goes on. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

export type ReportStatus = 'deployed' | 'skipped' | 'rolled-back' | 'failed' | 'timed-out' | 'running' | 'aborted';

/** How an execution ended, from its terminal history event; `running` when it has not ended (yet). */
export type Termination =
  /** `skipped`: why a push-started execution had nothing to deploy (it ended at once, changing nothing). */
  | { kind: 'succeeded'; skipped?: string }
  | { kind: 'failed'; error: string | null; cause: string | null }
  | { kind: 'aborted'; error: string | null; cause: string | null }
  | { kind: 'timed-out'; error: string | null; cause: string | null }
  | { kind: 'running' };

const UNKNOWN_RESULT = new Set<string>([FailureCodes.drainTimedOut, FailureCodes.rollbackTimedOut]);

/** Maps how an execution ended to the report's status and the exit code. */
export function outcomeOf(termination: Termination): { status: ReportStatus; exitCode: ExitCode } {
  switch (termination.kind) {
    case 'succeeded':
      return { status: termination.skipped ? 'skipped' : 'deployed', exitCode: ExitCodes.deployed };
    case 'failed':
      if (termination.error === FailureCodes.rolledBack) return { status: 'rolled-back', exitCode: ExitCodes.failed };
      if (termination.error !== null && UNKNOWN_RESULT.has(termination.error)) {
        return { status: 'timed-out', exitCode: ExitCodes.unknown };
      }
      // Something is left on the failed version (or nobody knows): not "failed and restored".
      if (termination.error === FailureCodes.rollbackFailed) return { status: 'failed', exitCode: ExitCodes.unknown };
      // Not one of gehen's Fail states (States.DataLimitExceeded, States.Runtime…): no Catch ran,
      // nothing was rolled back; its restore (restore-<name>) decides (cli/restore-status.ts).
      if (!isGehenError(termination.error)) return { status: 'failed', exitCode: ExitCodes.unknown };
      return { status: 'failed', exitCode: ExitCodes.failed };
    case 'aborted':
      // Stopped: nothing was rolled back by it; exit 1 only once its restore has put everything back.
      return { status: 'aborted', exitCode: ExitCodes.unknown };
    case 'timed-out':
      return { status: 'timed-out', exitCode: ExitCodes.unknown };
    case 'running':
      return { status: 'running', exitCode: ExitCodes.unknown };
  }
}

/** One of gehen's own Fail states' errors (`Gehen.RolledBack`…): the execution ended where gehen meant it to. */
export function isGehenError(error: string | null): boolean {
  return error?.startsWith('Gehen.') === true;
}

/** A failure the CLI explains in one line and exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCodes.failed,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const EXIT_CODES_HELP = `Exit codes:
  0    deployed (the execution succeeded), or nothing to deploy (a duplicate ECR push, a tag that is no SHA)
  1    failed, and everything is back on its previous revision: rolled back, invalid (nothing
       started), or stopped / timed out / failed uncatchably and restored by restore-<name>
  2    something may be left on the new version: the rollback failed (the report names what runs
       what), or timed out (drain or rollback-drain deadline, --wait-timeout passed, or status of
       an execution that is still running), or stopped / timed out / failed uncatchably and its
       restore has not finished or did not restore everything
  130  Ctrl-C: stopped watching; the deployment goes on (resume with: gehen status ARN --watch)`;

export const ENVIRONMENT_HELP = `Environment:
  AWS_PROFILE, AWS_REGION    standard AWS credential, profile and region resolution
  AWS_ENDPOINT_URL           send every AWS call there (the sandbox: http://127.0.0.1:4566); --endpoint wins
  GEHEN_STATE_MACHINE_ARN    the gehen-deploy state machine (else stateMachineArn: in gehen.yml, else by name)
  NO_COLOR                   no colors
  CI                         plain lines, one per change, instead of live lines`;
