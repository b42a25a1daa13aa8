import type { SFNClient } from '@aws-sdk/client-sfn';
import { ExitCodes } from './exit-codes';
import type { CliIo, Output } from './io';
import { applyEvent, type ExecutionProgress, newProgress } from './progress';
import { formatSummary, ProgressView, paint, renderMode, STATUS_HEADLINES } from './render';
import { buildReport, type CliReport } from './report';
import { restoreLine, withRestore } from './restore-status';
import { followExecution } from './watch';

export interface WatchOptions {
  json: boolean;
  /**
   * Minutes from now; unset: until the execution ends. Its own end is the only sound bound: retries
   * and throttling can stretch a healthy deployment far past its phases' timeouts.
   */
  waitTimeoutMinutes?: number;
}

/** Where progress goes: stderr when stdout carries the JSON report. */
export function progressOutput(io: CliIo, json: boolean): Output {
  return json ? io.stderr : io.stdout;
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

  const interrupt = new AbortController();
  const stopListening = io.onInterrupt(() => interrupt.abort());
  let result: Awaited<ReturnType<typeof followExecution>>;
  try {
    result = await followExecution(
      sfn,
      executionArn,
      (events) => {
        for (const event of events) view.update(applyEvent(progress, event), event.timestamp);
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

/** The summary table and the headline, for a report built from a watch or from history. */
export function printSummary(
  out: Output,
  report: CliReport,
  progress: ExecutionProgress,
  color: boolean,
  now: number,
): void {
  const durations = new Map<string, number | null>();
  const end = progress.endedAt?.getTime() ?? now;
  for (const s of progress.services.values()) {
    durations.set(`s:${s.name}`, s.startedAt ? (s.finishedAt?.getTime() ?? end) - s.startedAt.getTime() : null);
  }
  for (const t of progress.scheduledTasks.values()) {
    durations.set(`t:${t.rule}`, t.startedAt ? (t.finishedAt?.getTime() ?? end) - t.startedAt.getTime() : null);
  }
  const headline = STATUS_HEADLINES[report.status];
  const skipped = progress.termination.kind === 'succeeded' ? progress.termination.skipped : undefined;
  const error = report.error
    ? ` (${report.error.code}${report.error.message ? `: ${oneLine(report.error.message)}` : ''})`
    : skipped
      ? `: ${skipped}`
      : '';
  out.write(`\n${paint(color, headline.style, headline.text)}${error}\n`);
  if (report.services.length + report.scheduledTasks.length > 0) {
    out.write(`${formatSummary(report, durations, color)}\n`);
  }
  if (report.restore) out.write(`\n${restoreLine(report.restore)}\n`);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
