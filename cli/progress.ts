import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { FailureCodes } from '../lambdas/shared/contracts/errors';
import { StateNames } from '../lib/state-names';
import { field, parseJson } from './history-values';
import { Changes, finishAll } from './progress-changes';
import { readExecutionInput } from './progress-inputs';
import type { ExecutionProgress, Phase, Row } from './progress-model';
import { onStateEntered, onStateExited } from './progress-states';

/**
 * An execution's progress, folded from its history events one at a time: the same fold serves
 * the live watch and `gehen status`. It reads state names and the step contracts only
 * (Prepare's Plan at $.plan, poll rounds' RoundState at $.round, Map iteration inputs).
 */

export {
  type ExecutionProgress,
  newProgress,
  type Phase,
  type Row,
  revision,
  type ScheduledTaskProgress,
  type ServiceProgress,
} from './progress-model';

const ERROR_PHASES: Record<string, Phase> = {
  [FailureCodes.invalidDeployment]: 'not started',
  [FailureCodes.concurrentDeployment]: 'not started',
  [FailureCodes.rolledBack]: 'rolled back',
  [FailureCodes.rollbackFailed]: 'rollback failed',
  [FailureCodes.verifyFailed]: 'failed',
  [FailureCodes.drainTimedOut]: 'timed out',
  [FailureCodes.rollbackTimedOut]: 'timed out',
};

/** Applies one event; returns the rows whose phase or detail changed. */
export function applyEvent(progress: ExecutionProgress, event: HistoryEvent): Row[] {
  progress.lastEventId = Math.max(progress.lastEventId, event.id ?? 0);
  const at = event.timestamp ?? new Date();
  const changes = new Changes(progress, at);

  if (event.executionStartedEventDetails) {
    progress.startedAt = at;
    readExecutionInput(progress, parseJson(event.executionStartedEventDetails.input));
  } else if (event.stateEnteredEventDetails?.name) {
    onStateEntered(
      progress,
      changes,
      event.stateEnteredEventDetails.name,
      parseJson(event.stateEnteredEventDetails.input),
    );
  } else if (event.stateExitedEventDetails?.name) {
    onStateExited(
      progress,
      changes,
      event.stateExitedEventDetails.name,
      parseJson(event.stateExitedEventDetails.output),
    );
  } else if (event.taskFailedEventDetails || event.lambdaFunctionFailedEventDetails) {
    const details = event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails;
    progress.lastFailure = { error: details?.error ?? null, cause: details?.cause ?? null };
  } else if (event.type === 'MapIterationFailed' && event.mapIterationFailedEventDetails) {
    const { name, index } = event.mapIterationFailedEventDetails;
    const reason = failureReason(progress.lastFailure);
    if (name === StateNames.deployServices) {
      const service = progress.plan?.services[index ?? -1];
      if (service) changes.service(service.name, 'failed', reason);
    } else if (name === StateNames.updateScheduledTasks) {
      const rule = progress.plan?.scheduledTasks[index ?? -1];
      if (rule) changes.task(rule.rule, 'failed', reason);
    }
  } else if (event.executionSucceededEventDetails || event.type === 'ExecutionSucceeded') {
    progress.finalOutput = parseJson(event.executionSucceededEventDetails?.output);
    const skipped = skippedReason(progress.finalOutput);
    progress.termination = skipped ? { kind: 'succeeded', skipped } : { kind: 'succeeded' };
    finishAll(changes, skipped ? 'unchanged' : 'deployed', skipped);
  } else if (event.type === 'ExecutionFailed') {
    const { error = null, cause = null } = event.executionFailedEventDetails ?? {};
    progress.termination = { kind: 'failed', error, cause };
    finishAll(changes, ERROR_PHASES[error ?? ''] ?? 'failed', error && !ERROR_PHASES[error] ? error : null);
  } else if (event.type === 'ExecutionAborted') {
    const { error = null, cause = null } = event.executionAbortedEventDetails ?? {};
    progress.termination = { kind: 'aborted', error, cause };
    finishAll(changes, 'aborted');
  } else if (event.type === 'ExecutionTimedOut') {
    const { error = null, cause = null } = event.executionTimedOutEventDetails ?? {};
    progress.termination = { kind: 'timed-out', error, cause };
    finishAll(changes, 'timed out', 'the execution timed out');
  }
  if (progress.termination.kind !== 'running') progress.endedAt = at;
  return changes.rows();
}

/** The reason of a Nothing To Deploy report (`status: 'skipped'`), else null. */
function skippedReason(output: unknown): string | null {
  if (typeof output !== 'object' || output === null) return null;
  const { status, reason } = output as { status?: unknown; reason?: unknown };
  if (status !== 'skipped') return null;
  return typeof reason === 'string' ? reason : 'nothing to deploy';
}

function failureReason(failure: { error: string | null; cause: string | null } | null): string | null {
  if (!failure) return null;
  const message = field(parseJson(failure.cause ?? undefined), 'errorMessage');
  return typeof message === 'string' ? message : (failure.cause ?? failure.error);
}
