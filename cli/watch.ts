import { setTimeout as delay } from 'node:timers/promises';
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { isTransientAwsError } from '../lambdas/shared/contracts/errors';
import { CliError } from './exit-codes';

/**
 * Follows an execution's history: each poll fetches only the events it has not seen, and the
 * wait between polls backs off from 1 s to 2 s while nothing happens.
 */

const TERMINAL = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);
const FIRST_PAGE = 1000;
const NEWEST_PAGE = 100;
const MAX_CONSECUTIVE_ERRORS = 5;

export interface FollowOptions {
  /** Aborting it stops following (Ctrl-C). */
  signal?: AbortSignal;
  /** Epoch ms after which to stop; read before every poll, so it may be set once the input is known. */
  deadline?: () => number | null;
  minIntervalMs?: number;
  maxIntervalMs?: number;
  /** For tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export type FollowResult = 'ended' | 'interrupted' | 'deadline';

/** Calls `onEvents` with each batch of new events, in order, until the execution ends. */
export async function followExecution(
  sfn: SFNClient,
  executionArn: string,
  onEvents: (events: HistoryEvent[]) => void,
  options: FollowOptions = {},
): Promise<FollowResult> {
  const { signal, minIntervalMs = 1000, maxIntervalMs = 2000, now = Date.now } = options;
  const sleep = options.sleep ?? ((ms: number, s?: AbortSignal) => delay(ms, undefined, { signal: s }));
  let lastId = 0;
  let interval = minIntervalMs;
  let errors = 0;
  for (;;) {
    if (signal?.aborted) return 'interrupted';
    let events: HistoryEvent[] = [];
    try {
      events = await readNewEvents(sfn, executionArn, lastId);
      errors = 0;
    } catch (error) {
      errors += 1;
      if (!isTransientAwsError(error) || errors >= MAX_CONSECUTIVE_ERRORS) throw historyError(executionArn, error);
    }
    if (events.length > 0) {
      lastId = events.at(-1)?.id ?? lastId;
      onEvents(events);
      if (events.some((event) => TERMINAL.has(event.type ?? ''))) return 'ended';
      interval = minIntervalMs;
    } else {
      interval = Math.min(maxIntervalMs, Math.round(interval * 1.5));
    }
    const deadline = options.deadline?.() ?? null;
    if (deadline !== null && now() >= deadline) return 'deadline';
    try {
      await sleep(deadline === null ? interval : Math.max(0, Math.min(interval, deadline - now())), signal);
    } catch (error) {
      if (signal?.aborted) return 'interrupted';
      throw error;
    }
  }
}

/** The whole history, oldest first (for an execution that has ended, or the first poll). */
export async function readHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  try {
    return await readNewEvents(sfn, executionArn, 0);
  } catch (error) {
    throw historyError(executionArn, error);
  }
}

/**
 * Events newer than `afterId`, oldest first. The first read pages forward through everything;
 * later reads page backwards from the newest event and stop at the first one already seen,
 * so a poll costs one call however long the history is.
 */
export async function readNewEvents(sfn: SFNClient, executionArn: string, afterId: number): Promise<HistoryEvent[]> {
  const reverseOrder = afterId > 0;
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder,
        maxResults: reverseOrder ? NEWEST_PAGE : FIRST_PAGE,
        includeExecutionData: true,
        nextToken,
      }),
    );
    for (const event of page.events ?? []) {
      if ((event.id ?? 0) <= afterId) return events.reverse();
      events.push(event);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return reverseOrder ? events.reverse() : events;
}

function historyError(executionArn: string, error: unknown): CliError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new CliError(`failed to read the history of ${executionArn}: ${detail}`, 1, { cause: error });
}
