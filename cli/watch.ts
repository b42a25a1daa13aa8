import { setTimeout as delay } from 'node:timers/promises';
import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { isTransientAwsError } from '../lambdas/shared/contracts/errors';
import { approvalHint } from './approval-progress';
import { historyError, readNewEvents } from './execution-history';
import { ExitCodes } from './exit-codes';
import type { CliIo } from './io';
import { applyEvent, newProgress } from './progress';
import { ProgressView, printSummary, progressOutput, renderMode } from './render';
import { buildReport, type CliReport } from './report';
import { withRestore } from './restore-status';

/**
 * Watching an execution, top to bottom: {@link watchExecution} shows each service's phase until the
 * execution ends and prints the summary; {@link followExecution} polls its history, fetching only
 * the events it has not seen and backing off from 1 s to 2 s while nothing happens.
 */

const TERMINAL = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);
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

export interface WatchOptions {
  json: boolean;
  /**
   * Minutes from now; unset: until the execution ends. Its own end is the only sound bound: retries
   * and throttling can stretch a healthy deployment far past its phases' timeouts.
   */
  waitTimeoutMinutes?: number;
}

/**
 * Watches an execution to its end (or the wait timeout, or Ctrl-C), showing each service's phase,
 * then prints the summary table (or the JSON report) and returns the report.
 */
export async function watchExecution(
  sfn: SFNClient,
  executionArn: string,
  io: CliIo,
  options: WatchOptions,
): Promise<CliReport> {
  const out = progressOutput(io, options.json);
  const mode = renderMode(out, io.env);
  const view = new ProgressView(out, mode);
  const progress = newProgress(executionArn);
  const now = io.clock.now;
  const explicitDeadline =
    options.waitTimeoutMinutes === undefined ? null : now() + options.waitTimeoutMinutes * 60_000;

  let hinted = false;
  const interrupt = new AbortController();
  const stopListening = io.onInterrupt(() => interrupt.abort());
  let result: Awaited<ReturnType<typeof followExecution>>;
  try {
    result = await followExecution(
      sfn,
      executionArn,
      (events) => {
        for (const event of events) {
          view.update(applyEvent(progress, event), event.timestamp);
          // Once per watch, not on every poll (nor again when a Retry schedules the approval anew).
          if (!hinted && progress.approval?.status === 'waiting') {
            hinted = true;
            view.note(approvalHint(executionArn), event.timestamp);
          }
        }
      },
      {
        now,
        sleep: io.clock.sleep,
        signal: interrupt.signal,
        deadline: () => explicitDeadline,
      },
    );
  } finally {
    stopListening();
    view.close();
  }

  let report: CliReport;
  if (result === 'interrupted') {
    report = buildReport(progress, { status: 'running', exitCode: ExitCodes.interrupted });
    out.write(`\nStopped watching; the deployment goes on.\nResume with: gehen status ${executionArn} --watch\n`);
  } else if (result === 'deadline') {
    report = buildReport(progress, { status: 'timed-out', exitCode: ExitCodes.unknown });
    out.write(
      `\nStopped waiting (--wait-timeout passed); the execution is still running and its result is unknown.\n` +
        `Resume with: gehen status ${executionArn} --watch\n`,
    );
  } else {
    report = await withRestore(sfn, buildReport(progress));
  }
  printSummary(out, report, progress, mode.color, now());
  if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report;
}

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
