import type { HistoryEvent } from '@aws-sdk/client-sfn';

export type CallbackOutcome = { kind: 'succeeded'; output: unknown } | { kind: 'timed-out' } | { kind: 'failed' };

/** How each entry of the callback Task `name` ended, in order. */
export function callbackOutcomes(history: readonly HistoryEvent[], name: string): CallbackOutcome[] {
  const outcomes: CallbackOutcome[] = [];
  let inside = false;
  for (const event of history) {
    if (event.stateEnteredEventDetails?.name === name) inside = true;
    else if (event.stateExitedEventDetails?.name === name) inside = false;
    if (!inside) continue;
    if (event.type === 'TaskSucceeded')
      outcomes.push({ kind: 'succeeded', output: JSON.parse(event.taskSucceededEventDetails?.output ?? 'null') });
    else if (event.type === 'TaskTimedOut') outcomes.push({ kind: 'timed-out' });
    else if (event.type === 'TaskFailed') outcomes.push({ kind: 'failed' });
  }
  return outcomes;
}
