import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { FailureCodes } from '../lambdas/shared/contracts/errors';
import { restoreArnOf } from '../lambdas/shared/contracts/restore-name';
import { describe } from './aws';
import { type ExitCode, ExitCodes, isGehenError, type ReportStatus } from './exit-codes';

/**
 * A stopped, timed-out or uncatchably failed execution rolled nothing back itself: Step Functions'
 * status change event starts its restore, `restore-<name>` (lambdas/prepare-restore/restore.ts). Its
 * outcome is the deployment's: exit 1 once everything is back, 2 until then or when it was not.
 */
export type RestoreOutcome =
  /** Not started yet (the event is on its way), or the rule is missing. */
  | 'pending'
  | 'running'
  /** Everything is back on its previous revision. */
  | 'restored'
  /** The aborted execution had changed nothing. */
  | 'nothing-to-restore'
  /** Rollback Failed or Rollback Timed Out, refused, or stopped itself: see the restore. */
  | 'not-restored';

export interface RestoreStatus {
  execution: string;
  outcome: RestoreOutcome;
  /** The restore's error and cause, when it did not restore. */
  error: string | null;
  message: string | null;
}

/**
 * The parts of the --json report (./report.ts) a restore reads and writes: named here, not
 * imported, so the report can carry a RestoreStatus without the two modules importing each other.
 */
export interface RestorableReport {
  execution: string | null;
  status: ReportStatus;
  exitCode: ExitCode;
  error: { code: string } | null;
  restore?: RestoreStatus;
}

/** Whether the report's execution ended where no Catch ran: stopped, timed out, or an error not gehen's. */
export function needsRestore(report: RestorableReport): boolean {
  if (report.execution === null) return false;
  if (report.status === 'aborted') return true;
  if (report.status !== 'failed' && report.status !== 'timed-out') return false;
  return report.error !== null && !isGehenError(report.error.code);
}

/** The restore's outcome from DescribeExecution of `restore-<name>`. */
export function restoreOutcome(described: {
  status?: string;
  error?: string;
  cause?: string;
}): Pick<RestoreStatus, 'outcome' | 'error' | 'message'> {
  const error = described.error ?? null;
  const message = described.cause ?? null;
  switch (described.status) {
    case 'RUNNING':
    case 'PENDING_REDRIVE':
      return { outcome: 'running', error: null, message: null };
    case 'SUCCEEDED':
      return { outcome: 'nothing-to-restore', error: null, message: null };
    case 'FAILED':
      if (error === FailureCodes.rolledBack) return { outcome: 'restored', error: null, message: null };
      return { outcome: 'not-restored', error, message };
    default:
      return { outcome: 'not-restored', error: error ?? described.status ?? null, message };
  }
}

/** The report with its restore's outcome, and the exit code that follows from it. */
export async function withRestore<R extends RestorableReport>(sfn: SFNClient, report: R): Promise<R> {
  if (!needsRestore(report) || report.execution === null) return report;
  const execution = restoreArnOf(report.execution);
  let restore: RestoreStatus;
  try {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution }));
    restore = { execution, ...restoreOutcome(described) };
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ExecutionDoesNotExist')) {
      restore = { execution, outcome: 'pending', error: null, message: `cannot read it: ${describe(error)}` };
    } else {
      restore = { execution, outcome: 'pending', error: null, message: null };
    }
  }
  const done = restore.outcome === 'restored' || restore.outcome === 'nothing-to-restore';
  return { ...report, restore, exitCode: done ? ExitCodes.failed : ExitCodes.unknown };
}

/** The line under the summary: what the restore did, or how to follow it. */
export function restoreLine(restore: RestoreStatus): string {
  switch (restore.outcome) {
    case 'pending':
      return `Not restored yet: ${restore.execution} has not started${restore.message ? ` (${restore.message})` : ''}. Nothing was rolled back by this execution itself.`;
    case 'running':
      return `Restoring every service and scheduled task to its previous revision: follow it with gehen status ${restore.execution} --watch`;
    case 'restored':
      return `Restored: every service and scheduled task is back on its previous revision (${restore.execution}).`;
    case 'nothing-to-restore':
      return `Nothing to restore: it had changed nothing (${restore.execution}).`;
    case 'not-restored':
      return `Not restored: ${restore.execution} ended ${restore.error ?? 'unknown'}${restore.message ? `: ${restore.message}` : ''}`;
  }
}
