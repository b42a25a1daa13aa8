import { causeMessage } from '../contracts/lambda-cause';
import type { NotRestored, RollbackResult, RoundState, ScheduledTaskResult } from '../contracts/state';

/**
 * What the rollback leaves behind, summarised for Rollback Outcome?, the Rollback Failed cause,
 * Notify and the CLI: which services and rules could not be put back and what each one runs now.
 */

/** The reasons kept in the state: the full message stays in the history. */
export const MAX_REASON_CHARS = 300;
/**
 * All the reasons of one list (a Roll Back Services result per service, `notRestored`) share
 * this many characters, each keeping at least MIN_REASON_CHARS: 300 services not restored would
 * otherwise carry 90 KB of reasons, several times over (docs/design.md, State size budget).
 */
export const REASONS_BUDGET_CHARS = 12_288;
const MIN_REASON_CHARS = 40;
/**
 * Rollback Failed's message (its Cause) is cut here: every target left behind is also named, with
 * its reason, at `rollbackResult.notRestored`, and a third copy would only grow the state.
 */
export const MAX_MESSAGE_CHARS = 8_192;

/** How long each reason of a list of `count` may be. */
export function reasonChars(count: number): number {
  return Math.min(MAX_REASON_CHARS, Math.max(MIN_REASON_CHARS, Math.floor(REASONS_BUDGET_CHARS / Math.max(1, count))));
}

export function shortReason(message: string, max = MAX_REASON_CHARS): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}

/** A Roll Back Services iteration's result, as the roll-back step or its Catch wrote it. */
export function notRestoredServices(results: readonly RollbackResult[]): NotRestored[] {
  const left = results.filter((r) => !r.restored);
  const max = reasonChars(left.length);
  return left.map((r) => ({
    kind: 'service',
    name: r.name,
    taskDefinition: r.taskDefinition,
    reason: shortReason(r.reason ?? 'unknown', max),
  }));
}

export function notRestoredRules(results: readonly ScheduledTaskResult[]): NotRestored[] {
  return results
    .filter((r) => r.restored === false)
    .map((r) => ({
      kind: 'scheduled-task',
      name: r.rule,
      taskDefinition: r.targets.length > 0 ? r.targets.map((t) => `${t.id} runs ${t.taskDefinition}`).join(', ') : null,
      reason: r.reason ?? 'unknown',
    }));
}

/** `family:7` from a task definition ARN. */
function revisionOf(arn: string | null): string {
  return arn === null ? 'an unknown revision' : arn.slice(arn.lastIndexOf('/') + 1);
}

/** The sentence Rollback Failed ends with, naming every target left behind. */
export function rollbackFailedMessage(left: readonly NotRestored[], round: RoundState | null): string {
  const parts: string[] = [];
  if (left.length > 0) {
    const names = left.map((t) =>
      t.kind === 'service'
        ? `service ${t.name} (runs ${revisionOf(t.taskDefinition)}): ${t.reason}`
        : `scheduled task rule ${t.name} (${t.taskDefinition ?? 'targets unknown'}): ${t.reason}`,
    );
    parts.push(`${left.length} not restored: ${names.join('; ')}`);
  }
  const failures = round?.status === 'failed' ? round.failures : [];
  if (failures.length > 0) {
    parts.push(
      `the restored services did not become live: ${failures.map((f) => `${f.service}: ${f.reason}`).join('; ')}`,
    );
  }
  if (parts.length === 0) parts.push('see the failed step in the execution history');
  return shortReason(`Rolling back failed: ${parts.join('. ')}.`, MAX_MESSAGE_CHARS);
}

/** Why the deployment failed, as the rollback route recorded it (`$.deployFailure`). */
export interface DeployFailure {
  error?: { Error?: string; Cause?: string } | null;
  failures?: RoundState['failures'] | null;
  status?: string | null;
}

export function deployFailureMessage(failure: DeployFailure | null | undefined): string | null {
  if (!failure) return null;
  if (failure.error) return causeMessage(failure.error.Cause) ?? failure.error.Error ?? null;
  if (failure.failures && failure.failures.length > 0) {
    return failure.failures.map((f) => `${f.service}: ${f.reason}`).join('; ');
  }
  if (failure.status === 'expired') return 'the new version did not become live by the deadline';
  return null;
}
