import { type Phase, phaseText } from '../lambdas/shared/contracts/terminal-states';
import type { CliIo, Output } from './io';
import { type ExecutionProgress, type Row, revision } from './progress';
import type { CliReport } from './report';
import { restoreLine } from './restore-status';

/**
 * Progress for people: in a terminal, one live line per service and scheduled task, redrawn in
 * place; in CI or a pipe, one plain line per change. NO_COLOR turns colors off everywhere.
 */

export interface RenderMode {
  live: boolean;
  color: boolean;
}

/** Where progress goes: stderr when stdout carries the JSON report. */
export function progressOutput(io: CliIo, json: boolean): Output {
  return json ? io.stderr : io.stdout;
}

export function renderMode(out: Output, env: Readonly<Record<string, string | undefined>>): RenderMode {
  const tty = out.isTTY === true && env.TERM !== 'dumb';
  return { live: tty && !env.CI, color: tty && env.NO_COLOR === undefined };
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
type Style = keyof typeof CODES;

export function paint(color: boolean, style: Style, text: string): string {
  return color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
}

const PHASE_STYLE: Record<Phase, Style> = {
  unknown: 'yellow',
  pending: 'dim',
  registering: 'cyan',
  updating: 'cyan',
  updated: 'cyan',
  verifying: 'cyan',
  live: 'cyan',
  draining: 'cyan',
  deployed: 'green',
  unchanged: 'green',
  failed: 'red',
  'rolling-back': 'yellow',
  'rolled-back': 'yellow',
  'rollback-failed': 'red',
  'timed-out': 'yellow',
  'not-started': 'dim',
  aborted: 'red',
};

export class ProgressView {
  private readonly rows = new Map<string, Row>();
  private drawn = 0;

  constructor(
    private readonly out: Output,
    private readonly mode: RenderMode,
    private readonly clock: (at: Date) => string = (at) => at.toISOString().slice(11, 19),
  ) {}

  update(changed: readonly Row[], at: Date = new Date()): void {
    if (changed.length === 0) return;
    for (const row of changed) this.rows.set(key(row), row);
    if (this.mode.live) {
      this.erase();
      this.draw();
      return;
    }
    for (const row of changed) this.out.write(`${paint(this.mode.color, 'dim', this.clock(at))} ${this.line(row)}\n`);
  }

  /** A line about the whole execution (the approval it waits for), printed once above the rows. */
  note(text: string, at: Date = new Date()): void {
    if (this.mode.live) {
      this.erase();
      this.out.write(`${paint(this.mode.color, 'bold', text)}\n`);
      this.draw();
      return;
    }
    this.out.write(`${paint(this.mode.color, 'dim', this.clock(at))} ${paint(this.mode.color, 'bold', text)}\n`);
  }

  /** Leaves the live lines on screen: what follows prints below them. */
  close(): void {
    this.drawn = 0;
  }

  private line(row: Row): string {
    const name = row.kind === 'service' ? row.row.name : `${row.row.rule} (scheduled task)`;
    const { phase, detail } = row.row;
    const text = `${name}: ${phaseText(phase)}${detail ? ` (${detail})` : ''}`;
    const width = this.mode.live ? Math.max(20, (this.out.columns ?? 100) - 1) : Number.POSITIVE_INFINITY;
    const clipped = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    const at = clipped.indexOf(': ') + 2;
    return `${clipped.slice(0, at)}${paint(this.mode.color, PHASE_STYLE[phase], clipped.slice(at))}`;
  }

  private erase(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    for (const row of this.rows.values()) this.out.write(`${this.line(row)}\n`);
    this.drawn = this.rows.size;
  }
}

function key(row: Row): string {
  return row.kind === 'service' ? `s:${row.row.name}` : `t:${row.row.rule}`;
}

/** The closing table: what changed, from which revision to which, how it ended, how long it took. */
export function formatSummary(
  report: CliReport,
  durations: ReadonlyMap<string, number | null>,
  color: boolean,
): string {
  const rows: string[][] = [['SERVICE', 'REVISION', 'OUTCOME', 'TIME']];
  const phases: Phase[] = [];
  for (const s of report.services) {
    const change = s.taskDefinition
      ? `${revision(s.previousTaskDefinition)} → ${revision(s.taskDefinition)}`
      : revision(s.previousTaskDefinition);
    // Clipped: one long ECS message would widen every row. The progress lines and --json have it whole.
    const word = phaseText(s.outcome);
    const outcome = s.reason && s.outcome !== 'deployed' ? clip(`${word}: ${s.reason}`, OUTCOME_WIDTH) : word;
    rows.push([s.name, change, outcome, formatDuration(durations.get(`s:${s.name}`) ?? null)]);
    phases.push(s.outcome);
  }
  for (const t of report.scheduledTasks) {
    const changes = t.targets.map((x) => `${revision(x.previousTaskDefinition)} → ${revision(x.taskDefinition)}`);
    rows.push([
      `${t.rule} (rule)`,
      changes.join(', ') || '-',
      phaseText(t.outcome),
      formatDuration(durations.get(`t:${t.rule}`) ?? null),
    ]);
    phases.push(t.outcome);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((cells, index) =>
      cells
        .map((cell, i) => {
          const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0);
          if (index === 0) return paint(color, 'bold', padded);
          return i === 2 ? paint(color, PHASE_STYLE[phases[index - 1] ?? 'failed'], padded) : padded;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const OUTCOME_WIDTH = 72;

function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0) return '-';
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

export const STATUS_HEADLINES: Record<CliReport['status'], { text: string; style: Style }> = {
  deployed: { text: 'Deployed', style: 'green' },
  skipped: { text: 'Nothing to deploy', style: 'green' },
  'rolled-back': { text: 'Rolled back', style: 'yellow' },
  failed: { text: 'Failed', style: 'red' },
  'timed-out': { text: 'Timed out: the result is unknown', style: 'yellow' },
  running: { text: 'Still running', style: 'cyan' },
  aborted: { text: 'Stopped', style: 'red' },
};

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
