import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  type ExecutionListItem,
  paginateListExecutions,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { clusterName } from '../lambdas/shared/aws/ecs-names';
import type { DeployConfig } from '../lambdas/shared/config/deploy-config';
import { type AwsOptions, describe, resolveStateMachineArn, sfnClient } from './aws';
import { loadConfig } from './config-file';
import { CliError, ExitCodes, outcomeOf, type ReportStatus, type Termination } from './exit-codes';
import { parseJson } from './history-values';
import type { CliIo } from './io';
import { skippedReason } from './progress';

export interface HistoryOptions extends AwsOptions {
  path: string;
  stateMachine?: string;
  limit: number;
  json: boolean;
  /** Every execution of the state machine, not only those of this gehen.yml's services and rules. */
  all: boolean;
}

/** One past deployment, as `gehen history` lists it. */
export interface HistoryEntry {
  execution: string;
  name: string;
  gitsha: string | null;
  status: ReportStatus | 'aborted';
  /** What started it: the CLI, an ECR push, or a person (the console, or anything else). */
  startedBy: 'cli' | 'ecr' | 'console';
  start: string;
  stop: string | null;
  durationSeconds: number | null;
  /** The services and rules it deployed, `name@cluster` and `rule:name`, sorted: what "the same deployment" means. */
  targets: string[];
}

/** How many executions `history` and `rollback` read at most: ListExecutions keeps 90 days anyway. */
const SCAN_LIMIT = 1000;

/**
 * `gehen history`: past deployments of the state machine, newest first — SHA, outcome, start,
 * duration and who started it — read from ListExecutions and each execution's input and status.
 */
export async function history(options: HistoryOptions, io: CliIo): Promise<number> {
  const { sfn, targets } = await historySource(options, io);
  const entries = await readDeployments(sfn.client, sfn.stateMachineArn, {
    limit: options.limit,
    targets: options.all ? null : targets,
  });
  if (options.json) {
    io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return ExitCodes.deployed;
  }
  if (entries.length === 0) {
    io.stdout.write(`No deployments${targets && !options.all ? ' of these services and rules' : ''} yet.\n`);
    return ExitCodes.deployed;
  }
  const rows = entries.map((e) => [
    e.gitsha?.slice(0, 7) ?? '—',
    e.status.replace('-', ' '),
    e.start.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    e.durationSeconds === null ? '—' : formatDuration(e.durationSeconds),
    e.startedBy === 'ecr' ? 'ECR push' : e.startedBy === 'cli' ? 'CLI' : 'console',
    e.name,
  ]);
  const header = ['SHA', 'OUTCOME', 'STARTED', 'TOOK', 'BY', 'EXECUTION'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  for (const row of [header, ...rows]) {
    io.stdout.write(
      `${row
        .map((cell, i) => (cell ?? '').padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
  return ExitCodes.deployed;
}

/** The state machine (from the flags, the environment or gehen.yml) and, when gehen.yml exists, its targets. */
export async function historySource(
  options: AwsOptions & { path: string; stateMachine?: string },
  io: CliIo,
): Promise<{
  sfn: { client: SFNClient; stateMachineArn: string };
  targets: string[] | null;
  config: DeployConfig | null;
}> {
  const hasFile = existsSync(resolve(io.cwd, options.path));
  const loaded = hasFile ? loadConfig(options.path, io.cwd).loaded : null;
  const stateMachineArn = await resolveStateMachineArn(
    { flag: options.stateMachine, env: io.env.GEHEN_STATE_MACHINE_ARN, file: loaded?.stateMachineArn ?? null },
    options,
  );
  return {
    sfn: { client: sfnClient(options, stateMachineArn), stateMachineArn },
    targets: loaded ? targetsOf(loaded.config) : null,
    config: loaded?.config ?? null,
  };
}

/** Newest first, at most `limit`, only those deploying exactly `targets` when given. */
export async function readDeployments(
  sfn: SFNClient,
  stateMachineArn: string,
  filter: { limit: number; targets: string[] | null },
): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  let scanned = 0;
  try {
    for await (const page of paginateListExecutions({ client: sfn, pageSize: 100 }, { stateMachineArn })) {
      for (const item of page.executions ?? []) {
        if (++scanned > SCAN_LIMIT || entries.length >= filter.limit) return entries;
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn: item.executionArn }));
        const entry = toEntry(item, described);
        if (filter.targets && !sameTargets(entry.targets, filter.targets)) continue;
        entries.push(entry);
      }
    }
  } catch (error) {
    throw new CliError(`failed to list the executions of ${stateMachineArn}: ${describe(error)}`, ExitCodes.failed, {
      cause: error,
    });
  }
  return entries;
}

function toEntry(item: ExecutionListItem, described: DescribeExecutionOutput): HistoryEntry {
  const input = parseInput(described.input);
  const start = item.startDate ?? described.startDate ?? new Date(0);
  const stop = item.stopDate ?? described.stopDate ?? null;
  return {
    execution: item.executionArn ?? '',
    name: item.name ?? '',
    gitsha: typeof input?.gitsha === 'string' ? input.gitsha : null,
    status: statusOf(described),
    startedBy: input?.source === 'cli' || input?.source === 'ecr' ? input.source : 'console',
    start: start.toISOString(),
    stop: stop?.toISOString() ?? null,
    durationSeconds: stop ? Math.round((stop.getTime() - start.getTime()) / 1000) : null,
    targets: input?.config ? targetsOf(input.config as DeployConfig) : [],
  };
}

/** The report's status word for an execution, from DescribeExecution alone. */
function statusOf(described: DescribeExecutionOutput): HistoryEntry['status'] {
  const error = described.error ?? null;
  const cause = described.cause ?? null;
  let termination: Termination;
  switch (described.status) {
    case 'SUCCEEDED':
      // A push-started execution with nothing to do ends SUCCEEDED with a report of status `skipped`.
      termination = { kind: 'succeeded', skipped: skippedReason(parseJson(described.output)) ?? undefined };
      break;
    case 'FAILED':
      termination = { kind: 'failed', error, cause };
      break;
    case 'ABORTED':
      return 'aborted';
    case 'TIMED_OUT':
      termination = { kind: 'timed-out', error, cause };
      break;
    default:
      termination = { kind: 'running' };
  }
  return outcomeOf(termination).status;
}

function parseInput(text: string | undefined): { gitsha?: unknown; source?: unknown; config?: unknown } | null {
  try {
    const parsed: unknown = JSON.parse(text ?? 'null');
    return typeof parsed === 'object' && parsed !== null ? parsed : null;
  } catch {
    return null;
  }
}

/** A config's services (`name@cluster`) and rules (`rule:name`), sorted. */
export function targetsOf(config: Pick<DeployConfig, 'services' | 'scheduledTasks'>): string[] {
  const services = (config.services ?? []).map((s) => `${s.name}@${clusterName(s.cluster)}`);
  const rules = (config.scheduledTasks ?? []).map((t) => `rule:${t.rule}`);
  return [...services, ...rules].sort();
}

function sameTargets(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s`
    : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
