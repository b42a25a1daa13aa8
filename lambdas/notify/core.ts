import { type EventBridgeClient, PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { wrapAwsError } from '../shared/contracts/errors';
import { causeMessage } from '../shared/contracts/lambda-cause';
import type {
  DeploymentReport,
  Plan,
  PlannedService,
  ScheduledTaskResult,
  ServiceDeployment,
} from '../shared/contracts/state';
import { type DeploymentStatus, type EndingExitCode, FAIL_STATES } from '../shared/contracts/terminal-states';
import { buildDeploymentReport } from '../shared/report/deployment-report';
import { type DeployFailure, deployFailureMessage } from '../shared/report/rollback-summary';

/** The notification's EventBridge source and detail-type: what rules and subscribers match on. */
export const NOTIFICATION_SOURCE = 'gehen';
export const NOTIFICATION_DETAIL_TYPE = 'Gehen Deployment State Change';

/** PutEvents takes entries up to 256 KB; beyond this the per-service lists are left out. */
const MAX_DETAIL_BYTES = 200_000;

/** How a failed execution ends: its Fail state's Error, the report status, and its fixed Cause if any. */
export interface FailureOutcome {
  code: string;
  /** `aborted`: a restore's notification of the execution it restores (`executionArn`). */
  status: Extract<DeploymentStatus, 'failed' | 'rolled-back' | 'timed-out' | 'aborted'>;
  cause?: string;
}

/**
 * Notify's input. Success paths pass the report they end with; failure paths pass the state as it
 * reaches the Fail state (`{ plan, deployed, scheduled, error? }`, or the execution input and
 * `error` when Prepare refused it) and the outcome.
 */
export type NotifyInput =
  | { report: DeploymentReport }
  | { failure: FailureOutcome; executionArn: string; state: unknown };

export interface NotifyResult {
  eventId: string;
  status: DeploymentReport['status'];
}

export class NotificationFailedError extends Error {
  override readonly name = 'NotificationFailedError';
}

/**
 * Notify: puts one `Gehen Deployment State Change` event on the default bus, detail = the
 * deployment report (with the error code for failures). The workflow catches every error of this
 * step: a lost notification never changes how a deployment ends.
 */
export async function notify(input: NotifyInput, events: EventBridgeClient): Promise<NotifyResult> {
  const detail = 'report' in input ? input.report : failureReport(input.failure, input.executionArn, input.state);
  let response: PutEventsCommandOutput;
  try {
    response = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: NOTIFICATION_SOURCE,
            DetailType: NOTIFICATION_DETAIL_TYPE,
            Detail: boundedDetail(detail),
            Resources: detail.execution ? [detail.execution] : [],
          },
        ],
      }),
    );
  } catch (error) {
    throw wrapAwsError('put the deployment notification', error, NotificationFailedError);
  }
  const entry = response.Entries?.[0] ?? {};
  if ((response.FailedEntryCount ?? 0) > 0 || !entry.EventId) {
    throw new NotificationFailedError(
      `failed to put the deployment notification: ${entry.ErrorCode ?? 'no event id'}: ${entry.ErrorMessage ?? ''}`,
    );
  }
  return { eventId: entry.EventId, status: detail.status };
}

interface FailureState {
  plan?: Plan;
  deployed?: ServiceDeployment[];
  scheduled?: ScheduledTaskResult[];
  error?: { Error?: string; Cause?: string };
  gitsha?: unknown;
  /** Why the deployment failed, kept through the rollback (the rollback's loops reset `error`). */
  deployFailure?: DeployFailure;
  /** Services the rollback could not put back: moved out of the plan the rollback verified. */
  leftServices?: PlannedService[];
  /** Summarise Rollback: Rollback Failed's message, naming what was not restored. */
  rollbackResult?: { message?: string };
}

/**
 * The message a notification carries: on a rollback, why the deployment failed (and, when the
 * rollback failed too, what was left behind); otherwise the step's error, or the fixed cause.
 */
function failureMessage(failure: FailureOutcome, s: FailureState): string | null {
  if (failure.status === 'aborted') return s.plan?.restoreOf?.cause ?? null;
  const why = deployFailureMessage(s.deployFailure);
  const rollback = s.rollbackResult?.message;
  if (failure.status === 'rolled-back' && why !== null)
    return `${failure.cause ?? 'Rolled back'} The deployment failed: ${why}`;
  if (rollback !== undefined) return why === null ? rollback : `${rollback} The deployment failed: ${why}`;
  return causeMessage(s.error?.Cause) ?? why ?? failure.cause ?? null;
}

/** The report of a failed execution: per service and rule when Prepare planned, else empty lists. */
export function failureReport(failure: FailureOutcome, executionArn: string, state: unknown): DeploymentReport {
  const s = (typeof state === 'object' && state !== null ? state : {}) as FailureState;
  // A restore's notice of the abort: the aborted execution's own error (ABORTED, States.Timeout…).
  const code = failure.status === 'aborted' ? (s.plan?.restoreOf?.error ?? failure.code) : failure.code;
  const error = { code, message: failureMessage(failure, s) };
  // The Fail state's own exit code; an abort (nothing rolled back by it) or an unknown error: 2.
  const exitCode: EndingExitCode = failure.status === 'aborted' ? 2 : (FAIL_STATES.get(failure.code)?.exitCode ?? 2);
  if (s.plan) {
    const plan = { ...s.plan, services: [...s.plan.services, ...(s.leftServices ?? [])] };
    const report = buildDeploymentReport(
      { plan, deployed: s.deployed ?? [], scheduled: s.scheduled ?? [], executionArn },
      { status: failure.status, exitCode },
    );
    const restoreOf = failure.status === 'aborted' ? undefined : s.plan.restoreOf?.executionArn;
    return { ...report, error, ...(restoreOf ? { restoreOf } : {}) };
  }
  return {
    execution: executionArn,
    status: failure.status,
    exitCode,
    gitsha: typeof s.gitsha === 'string' ? s.gitsha : null,
    services: [],
    scheduledTasks: [],
    error,
  };
}

function boundedDetail(report: DeploymentReport): string {
  const full = JSON.stringify(report);
  if (Buffer.byteLength(full) <= MAX_DETAIL_BYTES) return full;
  const counts = { services: report.services.length, scheduledTasks: report.scheduledTasks.length };
  return JSON.stringify({ ...report, services: [], scheduledTasks: [], truncated: counts });
}
