import type { Plan } from '../lambdas/shared/contracts/state';
import type { Termination } from './exit-codes';

/**
 * What an execution's progress is made of: one row per service and per scheduled-task rule,
 * each in a phase, plus what the execution itself reported.
 */

export type Phase =
  | 'pending'
  | 'registering'
  | 'updating'
  | 'updated'
  | 'verifying'
  | 'live'
  | 'draining'
  | 'deployed'
  | 'unchanged'
  | 'failed'
  | 'rolling back'
  | 'rolled back'
  | 'rollback failed'
  | 'timed out'
  | 'not started'
  | 'aborted';

export interface ServiceProgress {
  name: string;
  cluster: string;
  previousTaskDefinition: string | null;
  previousSha: string | null;
  taskDefinition: string | null;
  phase: Phase;
  /** "2/3 live", a failure reason… */
  detail: string | null;
  /** Why it failed, kept through a rollback for the summary. */
  failure: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface ScheduledTaskProgress {
  rule: string;
  targets: Array<{ id: string; previousTaskDefinition: string; taskDefinition: string }>;
  phase: Phase;
  detail: string | null;
  failure: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface ExecutionProgress {
  executionArn: string;
  gitsha: string | null;
  timeoutMinutes: number | null;
  startedAt: Date | null;
  plan: Plan | null;
  services: Map<string, ServiceProgress>;
  scheduledTasks: Map<string, ScheduledTaskProgress>;
  termination: Termination;
  endedAt: Date | null;
  /** The Succeed state's output (a DeploymentReport), when the execution succeeded. */
  finalOutput: unknown;
  lastEventId: number;
  lastFailure: { error: string | null; cause: string | null } | null;
}

export type Row = { kind: 'service'; row: ServiceProgress } | { kind: 'scheduled-task'; row: ScheduledTaskProgress };

export function newProgress(executionArn: string): ExecutionProgress {
  return {
    executionArn,
    gitsha: null,
    timeoutMinutes: null,
    startedAt: null,
    plan: null,
    services: new Map(),
    scheduledTasks: new Map(),
    termination: { kind: 'running' },
    endedAt: null,
    finalOutput: undefined,
    lastEventId: 0,
    lastFailure: null,
  };
}

/** Phases a row does not leave on its own; only a rollback or the execution's end moves a failed row on. */
export const FINAL_PHASES: ReadonlySet<Phase> = new Set([
  'deployed',
  'unchanged',
  'failed',
  'rolled back',
  'rollback failed',
  'timed out',
  'not started',
  'aborted',
]);

export function addService(progress: ExecutionProgress, name: string, cluster: string): ServiceProgress {
  const row: ServiceProgress = {
    name,
    cluster,
    previousTaskDefinition: null,
    previousSha: null,
    taskDefinition: null,
    phase: 'pending',
    detail: null,
    failure: null,
    startedAt: null,
    finishedAt: null,
  };
  progress.services.set(name, row);
  return row;
}

export function addTask(progress: ExecutionProgress, rule: string): ScheduledTaskProgress {
  const row: ScheduledTaskProgress = {
    rule,
    targets: [],
    phase: 'pending',
    detail: null,
    failure: null,
    startedAt: null,
    finishedAt: null,
  };
  progress.scheduledTasks.set(rule, row);
  return row;
}

/** `family:42` from a task definition ARN. */
export function revision(taskDefinition: string | null): string {
  if (!taskDefinition) return '?';
  return taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1);
}
