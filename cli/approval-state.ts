import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { APPROVAL_REJECTED_ERROR, AWAIT_APPROVAL_STATE_NAME } from '../lambdas/shared/contracts/state-names';
import { parseJson } from './history-values';

/**
 * Where an execution's manual approval stands, read from its history: the one place that knows how
 * Step Functions records a `.waitForTaskToken` task, for `gehen approve` / `gehen reject` and for the
 * progress lines.
 *
 * A callback task is recorded as TaskStateEntered, TaskScheduled (its `parameters`, the task token
 * resolved from `$$.Task.Token` among them), TaskStarted, TaskSubmitted, then one of TaskSucceeded
 * (SendTaskSuccess), TaskFailed (SendTaskFailure, or the invoke failed), TaskTimedOut (the state's
 * TimeoutSeconds): https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html. Each
 * event's `previousEventId` points at the one it follows; a Retry schedules the task again, and
 * only the latest attempt's token is open.
 */

// The approval's state name and the error gehen reject answers with, as the workflow (lib/) has them.
export { APPROVAL_REJECTED_ERROR, AWAIT_APPROVAL_STATE_NAME };

/** The task events that end an attempt of a task. */
export const CLOSING_TASK_EVENTS: ReadonlySet<string> = new Set([
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
]);

export type ApprovalState =
  /** Waiting for an answer: `token` answers it. */
  | { kind: 'waiting'; token: string; scheduledAt: Date | null; timeoutSeconds: number | null; attempt: number }
  /** The latest attempt was answered or ended. */
  | {
      kind: 'answered';
      outcome: 'approved' | 'rejected' | 'failed' | 'timed-out';
      at: Date | null;
      /** approvedBy of the approval's output; null when not one of gehen's. */
      by: string | null;
      /** The rejection's reason (SendTaskFailure's cause), or the failure's error and cause. */
      reason: string | null;
    }
  /** The execution never scheduled the approval task (yet). */
  | { kind: 'not-reached' };

/** The approval's state after `events` (oldest first, as readHistory returns them). */
export function approvalState(events: readonly HistoryEvent[], stateName = AWAIT_APPROVAL_STATE_NAME): ApprovalState {
  const byId = new Map(events.map((event) => [event.id ?? 0, event]));
  let latest: HistoryEvent | null = null;
  let attempts = 0;
  let lastEntered: string | null = null;
  for (const event of events) {
    if (event.stateEnteredEventDetails?.name) lastEntered = event.stateEnteredEventDetails.name;
    if (event.type === 'TaskScheduled' && stateOf(event, byId, lastEntered) === stateName) {
      latest = event;
      attempts += 1;
    }
  }
  if (!latest) return { kind: 'not-reached' };
  const scheduledId = latest.id ?? 0;
  const closing = events.find(
    (event) =>
      (event.id ?? 0) > scheduledId &&
      CLOSING_TASK_EVENTS.has(event.type ?? '') &&
      scheduledEventOf(event, byId) === scheduledId,
  );
  if (closing) return answeredBy(closing);
  const details = latest.taskScheduledEventDetails;
  const token = findToken(parseJson(details?.parameters));
  if (token === null) {
    // A TaskScheduled without its parameters: GetExecutionHistory was called with includeExecutionData false.
    return { kind: 'answered', outcome: 'failed', at: null, by: null, reason: 'the task token is not in the history' };
  }
  return {
    kind: 'waiting',
    token,
    scheduledAt: latest.timestamp ?? null,
    timeoutSeconds: details?.timeoutInSeconds ?? null,
    attempt: attempts,
  };
}

/** The state a TaskScheduled belongs to: its previousEventId chain leads to that state's TaskStateEntered. */
function stateOf(event: HistoryEvent, byId: ReadonlyMap<number, HistoryEvent>, fallback: string | null): string | null {
  let at: HistoryEvent | undefined = event;
  for (let hops = 0; at && hops < 20; hops += 1) {
    if (at.stateEnteredEventDetails?.name) return at.stateEnteredEventDetails.name;
    at = at.previousEventId ? byId.get(at.previousEventId) : undefined;
  }
  // No chain to follow (an engine that leaves previousEventId out): the approval is not inside a
  // Map or Parallel, so the state entered last is the one scheduling.
  return fallback;
}

/** The TaskScheduled a task's closing event ends, following previousEventId; -1 when it leads elsewhere. */
function scheduledEventOf(event: HistoryEvent, byId: ReadonlyMap<number, HistoryEvent>): number {
  let at: HistoryEvent | undefined = event;
  for (let hops = 0; at && hops < 20; hops += 1) {
    if (at !== event && at.type === 'TaskScheduled') return at.id ?? -1;
    if (at !== event && (at.stateEnteredEventDetails || CLOSING_TASK_EVENTS.has(at.type ?? ''))) return -1;
    at = at.previousEventId ? byId.get(at.previousEventId) : undefined;
  }
  return -1;
}

/** How the approval task's closing event (TaskSucceeded, TaskFailed, TaskTimedOut…) answered it. */
export function answeredBy(event: HistoryEvent): Extract<ApprovalState, { kind: 'answered' }> {
  const at = event.timestamp ?? null;
  if (event.type === 'TaskSucceeded') {
    const output = parseJson(event.taskSucceededEventDetails?.output);
    const by = (output as { approvedBy?: unknown } | undefined)?.approvedBy;
    return { kind: 'answered', outcome: 'approved', at, by: typeof by === 'string' ? by : null, reason: null };
  }
  if (event.type === 'TaskTimedOut') {
    const { error, cause } = event.taskTimedOutEventDetails ?? {};
    return { kind: 'answered', outcome: 'timed-out', at, by: null, reason: joined(error, cause) };
  }
  const details =
    event.taskFailedEventDetails ?? event.taskStartFailedEventDetails ?? event.taskSubmitFailedEventDetails;
  if (details?.error === APPROVAL_REJECTED_ERROR) {
    return { kind: 'answered', outcome: 'rejected', at, by: null, reason: details.cause ?? null };
  }
  return { kind: 'answered', outcome: 'failed', at, by: null, reason: joined(details?.error, details?.cause) };
}

function joined(error: string | undefined, cause: string | undefined): string | null {
  return [error, cause].filter(Boolean).join(': ') || null;
}

/**
 * The task token in a TaskScheduled's parameters: `TaskToken` at the top, or `taskToken` inside the
 * Lambda's `Payload` (wherever the definition put `$$.Task.Token`).
 */
export function findToken(value: unknown, depth = 0): string | null {
  if (typeof value !== 'object' || value === null || depth > 5) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (/^task_?token$/i.test(key) && typeof inner === 'string' && inner.length > 0) return inner;
  }
  for (const inner of Object.values(value)) {
    const found = findToken(inner, depth + 1);
    if (found) return found;
  }
  return null;
}
