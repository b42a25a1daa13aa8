import { appendFileSync } from 'node:fs';
import { shortTaskDefinition } from '../lambdas/shared/aws/ecs-names';
import { phaseText } from '../lambdas/shared/contracts/terminal-states';
import { consoleLink } from './aws';
import type { CliIo } from './io';
import { runCli } from './program';
import { formatDuration, STATUS_HEADLINES } from './render';
import type { CliReport } from './report';

/**
 * The GitHub Action (action.yml): `gehen deploy --json` with the step's inputs, then what GitHub
 * shows — outputs in $GITHUB_OUTPUT, a summary table in $GITHUB_STEP_SUMMARY, and `::error::` /
 * `::warning::` annotations. Progress goes to the log as plain lines. Returns the CLI's exit code,
 * so the step fails on 1 (failed, rolled back) and 2 (unknown).
 */
export async function runGitHubAction(io: CliIo): Promise<number> {
  const env = io.env;
  const input = (name: string) => {
    // GitHub passes `state-machine` as INPUT_STATE-MACHINE to JavaScript actions; accept the underscore too.
    const key = `INPUT_${name.toUpperCase()}`;
    const value = env[key] ?? env[key.replace(/-/g, '_')];
    return value?.trim() ? value.trim() : undefined;
  };
  const gitsha = input('gitsha') ?? env.GITHUB_SHA;
  const args = ['deploy', '--json', '--path', input('path') ?? 'gehen.yml'];
  if (gitsha) args.push('--gitsha', gitsha);
  const flags: Array<[string, string]> = [
    ['state-machine', '--state-machine'],
    ['region', '--region'],
    ['wait-timeout', '--wait-timeout'],
  ];
  for (const [name, flag] of flags) {
    const value = input(name);
    if (value) args.push(flag, value);
  }

  let json = '';
  const captured: CliIo = {
    ...io,
    env: { ...env, CI: 'true' },
    stdout: { write: (chunk: string) => (json += chunk) },
  };
  const code = await runCli(args, captured);
  let report: CliReport | null = null;
  try {
    report = JSON.parse(json) as CliReport;
  } catch {
    io.stdout.write(`::error title=gehen::gehen deploy printed no report (exit ${code})\n`);
  }
  const executionArn = report?.execution ?? '';
  const url = executionArn ? consoleLink(executionArn) : '';
  appendOutputs(env.GITHUB_OUTPUT, {
    status: report?.status ?? 'failed',
    'exit-code': String(code),
    'execution-arn': executionArn,
    'console-url': url,
  });
  if (report) {
    if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, summary(report, url));
    for (const line of annotations(report)) io.stdout.write(`${line}\n`);
  }
  return code;
}

/** `name=value` lines; a value with a newline would need GitHub's heredoc form, which none of these have. */
function appendOutputs(file: string | undefined, outputs: Record<string, string>): void {
  if (!file) return;
  appendFileSync(
    file,
    Object.entries(outputs)
      .map(([name, value]) => `${name}=${value.replace(/\r?\n/g, ' ')}\n`)
      .join(''),
  );
}

/** The Markdown summary: the outcome, a link to the execution, and one row per service and rule. */
export function summary(report: CliReport, url: string): string {
  const headline = STATUS_HEADLINES[report.status].text;
  const sha = report.gitsha ? ` \`${report.gitsha.slice(0, 7)}\`` : '';
  const lines = [`### gehen: ${headline}${sha}`, ''];
  if (report.error)
    lines.push(`**${report.error.code}**${report.error.message ? `: ${cell(report.error.message)}` : ''}`, '');
  for (const problem of report.error?.problems ?? []) lines.push(`- ${cell(problem)}`);
  if (report.error?.problems?.length) lines.push('');
  if (report.services.length + report.scheduledTasks.length > 0) {
    lines.push('| Service | Revision | Outcome | Time |', '| --- | --- | --- | --- |');
    for (const s of report.services) {
      const outcome =
        s.reason && s.outcome !== 'deployed' ? `${phaseText(s.outcome)}: ${s.reason}` : phaseText(s.outcome);
      lines.push(
        `| ${cell(s.name)} | ${revisionChange(s.previousTaskDefinition, s.taskDefinition)} | ${cell(outcome)} | ${time(s.seconds ?? null)} |`,
      );
    }
    for (const t of report.scheduledTasks) {
      const changes = t.targets.map((x) => revisionChange(x.previousTaskDefinition, x.taskDefinition)).join(', ');
      lines.push(
        `| ${cell(t.rule)} (rule) | ${changes || '-'} | ${phaseText(t.outcome)} | ${time(t.seconds ?? null)} |`,
      );
    }
    lines.push('');
  }
  if (url) lines.push(`[The execution in the Step Functions console](${url})`, '');
  else if (report.execution) lines.push(`Execution: \`${report.execution}\``, '');
  return `${lines.join('\n')}\n`;
}

/** `::error::` for a deployment that did not deploy (one per failed service too), `::warning::` for unknown. */
export function annotations(report: CliReport): string[] {
  if (report.status === 'deployed' || report.status === 'skipped') return [];
  const level = report.status === 'timed-out' || report.status === 'running' ? 'warning' : 'error';
  const lines = [
    `::${level} title=gehen ${escapeProperty(report.status)}::${escapeData(
      `${STATUS_HEADLINES[report.status].text}${report.error ? ` (${report.error.code}${report.error.message ? `: ${report.error.message}` : ''})` : ''}`,
    )}`,
  ];
  for (const s of report.services) {
    if (s.reason)
      lines.push(
        `::${level} title=gehen ${escapeProperty(s.name)}::${escapeData(`${s.name}: ${phaseText(s.outcome)}: ${s.reason}`)}`,
      );
  }
  return lines;
}

function revisionChange(previous: string | null, next: string | null): string {
  const short = (arn: string | null) => (arn ? shortTaskDefinition(arn) : '-');
  return next && next !== previous ? `${short(previous)} → ${short(next)}` : short(previous);
}

function time(seconds: number | null): string {
  return formatDuration(seconds === null ? null : seconds * 1000);
}

/** A Markdown table cell: one line, no pipes. */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}

// Workflow command escaping, as @actions/core does it.
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
