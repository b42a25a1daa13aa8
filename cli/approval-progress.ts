import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { AWAIT_APPROVAL_STATE_NAME, answeredBy, CLOSING_TASK_EVENTS } from './approval-state';

/**
 * The manual approval as the progress fold follows it, one event at a time: scheduled (waiting for
 * someone to run gehen approve / reject), then answered. The approval is not inside a Map, so the
 * task events that follow its TaskStateEntered are its own.
 */

export interface ApprovalProgress {
  status: 'waiting' | 'approved' | 'rejected' | 'timed-out' | 'failed';
  at: Date | null;
  /** Who approved (the approval's approvedBy). */
  by: string | null;
  /** The rejection's reason, or why the approval failed or timed out. */
  reason: string | null;
}

/** The approval after `event`: `current` itself when the event is not about it. */
export function nextApproval(
  current: ApprovalProgress | null,
  lastEnteredState: string | null,
  event: HistoryEvent,
): ApprovalProgress | null {
  if (event.type === 'TaskScheduled' && lastEnteredState === AWAIT_APPROVAL_STATE_NAME) {
    return { status: 'waiting', at: event.timestamp ?? null, by: null, reason: null };
  }
  if (current?.status === 'waiting' && CLOSING_TASK_EVENTS.has(event.type ?? '')) {
    const { outcome, at, by, reason } = answeredBy(event);
    return { status: outcome, at, by, reason };
  }
  return current;
}

/**
 * What a service waiting at the gate shows: its phase's detail, and whether the approval failed it;
 * null for an attempt that failed (a Retry may schedule it again, else the Catch rolls back).
 */
export function approvalDetail(approval: ApprovalProgress): { failed: boolean; detail: string } | null {
  switch (approval.status) {
    case 'waiting':
      return { failed: false, detail: 'waiting for approval' };
    case 'approved':
      return { failed: false, detail: `approved${approval.by ? ` by ${approval.by}` : ''}` };
    case 'rejected':
      return { failed: true, detail: `rejected${approval.reason ? `: ${approval.reason}` : ''}` };
    case 'timed-out':
      return { failed: true, detail: 'nobody approved before the gate timed out' };
    case 'failed':
      return null;
  }
}

/** The line the watch prints once when a deployment starts waiting: the commands that answer it. */
export function approvalHint(executionArn: string): string {
  return (
    `waiting for approval — run: gehen approve ${executionArn}\n` + `  (or gehen reject ${executionArn} --reason …)`
  );
}
