import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { StateNames } from '../lib/state-names';
import type { HistoryMetrics } from './result';

const MB_PER_GB = 1024;

/**
 * Counts a history the way the limits and the bill count it: every `…StateEntered` is a state
 * transition; a Lambda invocation lasts from LambdaFunctionScheduled to its Succeeded, Failed or
 * TimedOut event and is billed per started millisecond at its function's memory.
 */
export function historyMetrics(
  events: readonly HistoryEvent[],
  memoryMbByArn: ReadonlyMap<string, number>,
  statsEvents: number | null,
): HistoryMetrics {
  const byId = new Map(events.map((event) => [event.id, event]));
  let stateTransitions = 0;
  let maxPayloadBytes = 0;
  let pollRounds = 0;
  let lambdaInvocations = 0;
  let lambdaGbSeconds = 0;
  for (const event of events) {
    const type = event.type ?? '';
    if (type.endsWith('StateEntered')) {
      stateTransitions += 1;
      if (type === 'TaskStateEntered' && POLL_STATES.has(event.stateEnteredEventDetails?.name ?? '')) pollRounds += 1;
    }
    maxPayloadBytes = Math.max(maxPayloadBytes, payloadBytes(event));
    if (/^LambdaFunction(Succeeded|Failed|TimedOut)$/.test(type)) {
      const started = byId.get(event.previousEventId);
      const scheduled = started ? byId.get(started.previousEventId) : undefined;
      const resource = scheduled?.lambdaFunctionScheduledEventDetails?.resource;
      if (!scheduled?.timestamp || !event.timestamp || resource === undefined) continue;
      const billedMs = Math.max(1, Math.ceil(event.timestamp.getTime() - scheduled.timestamp.getTime()));
      const memoryMb = memoryMbByArn.get(resource) ?? 128;
      lambdaInvocations += 1;
      lambdaGbSeconds += (memoryMb / MB_PER_GB) * (billedMs / 1000);
    }
  }
  return {
    historyEvents: events.length,
    statsEvents,
    stateTransitions,
    maxPayloadBytes,
    pollRounds,
    lambdaInvocations,
    lambdaGbSeconds,
  };
}

const POLL_STATES = new Set<string>([
  StateNames.probe,
  StateNames.checkDrain,
  StateNames.probeRollback,
  StateNames.checkDrainRollback,
]);

/** The largest input or output an event carries (state data, Lambda payloads), in UTF-8 bytes. */
function payloadBytes(event: HistoryEvent): number {
  let max = 0;
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    for (const field of ['input', 'output', 'parameters'] as const) {
      const text = (value as Record<string, unknown>)[field];
      if (typeof text === 'string') max = Math.max(max, Buffer.byteLength(text, 'utf8'));
    }
  }
  return max;
}

/** When the workflow left the deploy-phase verify loop: the first state of the drain loop entered. */
export function leftVerifyAt(events: readonly HistoryEvent[]): number | null {
  const event = events.find(
    (e) => e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name === StateNames.startDrain,
  );
  return event?.timestamp?.getTime() ?? null;
}
