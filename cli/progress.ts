import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { ExecutionInput } from '../lambdas/shared/config';
import type {
  Plan,
  RollbackResult,
  RoundState,
  ScheduledTaskResult,
  ServiceDeployment,
} from '../lambdas/shared/contracts';
import { FailureCodes } from '../lambdas/shared/errors';
import { StateNames } from '../lib/state-names';
import type { Termination } from './exit-codes';

/**
 * An execution's progress, folded from its history events one at a time: the same fold serves
 * the live watch and `gehen status`. It reads state names and the step contracts only
 * (Prepare's Plan at $.plan, poll rounds' RoundState at $.round, Map iteration inputs).
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

const FINAL: ReadonlySet<Phase> = new Set([
  'deployed',
  'unchanged',
  'failed',
  'rolled back',
  'rollback failed',
  'timed out',
  'not started',
  'aborted',
]);

/** The phase every unfinished service and rule ends in, per terminal Fail state. */
const FAIL_STATE_PHASES: Record<string, Phase> = {
  [StateNames.invalid]: 'not started',
  [StateNames.concurrent]: 'not started',
  [StateNames.rolledBack]: 'rolled back',
  [StateNames.rollbackFailed]: 'rollback failed',
  [StateNames.verifyFailed]: 'failed',
  [StateNames.drainTimedOut]: 'timed out',
  [StateNames.rollbackTimedOut]: 'timed out',
};

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

function onStateEntered(progress: ExecutionProgress, changes: Changes, name: string, input: unknown): void {
  switch (name) {
    case StateNames.registerTaskDefinition: {
      const service = serviceNameOf(input);
      if (service) changes.service(service, 'registering');
      return;
    }
    case StateNames.updateService: {
      const service = serviceNameOf(input);
      const registered = field(field(input, 'registration'), 'taskDefinition');
      if (service) {
        if (typeof registered === 'string') changes.setTaskDefinition(service, registered);
        changes.service(service, 'updating');
      }
      return;
    }
    case StateNames.startVerify:
      for (const service of progress.services.values()) {
        if (!FINAL.has(service.phase)) changes.service(service.name, 'verifying');
      }
      return;
    case StateNames.startDrain:
      for (const service of progress.services.values()) {
        if (!FINAL.has(service.phase)) changes.service(service.name, 'draining');
      }
      return;
    case StateNames.rollBackService: {
      const service = serviceNameOf(input);
      if (service) changes.service(service, 'rolling back', 'restoring the previous revision');
      return;
    }
    case StateNames.updateScheduledTask:
    case StateNames.rollBackScheduledTask: {
      const rule = field(field(input, 'rule'), 'rule');
      const rollback = name === StateNames.rollBackScheduledTask || field(input, 'mode') === 'rollback';
      if (typeof rule === 'string') changes.task(rule, rollback ? 'rolling back' : 'updating');
      return;
    }
    default: {
      const phase = FAIL_STATE_PHASES[name];
      if (phase) finishAll(changes, phase);
    }
  }
}

function onStateExited(progress: ExecutionProgress, changes: Changes, name: string, output: unknown): void {
  switch (name) {
    case StateNames.prepare: {
      const plan = field(output, 'plan');
      if (isPlan(plan)) readPlan(progress, plan);
      return;
    }
    case StateNames.updateService:
      for (const deployment of findAll(output, isServiceDeployment)) {
        changes.setTaskDefinition(deployment.name, deployment.taskDefinition);
      }
      return;
    case StateNames.deployServices:
      for (const deployment of asArray(field(output, 'deployed')).filter(isServiceDeployment)) {
        changes.setTaskDefinition(deployment.name, deployment.taskDefinition);
      }
      return;
    case StateNames.probe:
      onRound(progress, changes, output, 'verifying', 'live');
      return;
    case StateNames.checkDrain:
      onRound(progress, changes, output, 'draining', 'drained');
      return;
    case StateNames.probeRollback:
      onRound(progress, changes, output, 'rolling back', 'previous version live');
      return;
    case StateNames.checkDrainRollback:
      onRound(progress, changes, output, 'rolling back', 'failed version drained');
      return;
    case StateNames.rollBackService:
      for (const result of findAll(output, isRollbackResult)) {
        changes.service(result.name, 'rolling back', `restored ${revision(result.taskDefinition)}`);
      }
      return;
    case StateNames.updateScheduledTask:
    case StateNames.rollBackScheduledTask:
      for (const result of findAll(output, isScheduledTaskResult)) {
        if (name === StateNames.updateScheduledTask) changes.setTargets(result);
        changes.task(result.rule, name === StateNames.updateScheduledTask ? 'updated' : 'rolled back');
      }
      return;
  }
}

/** A poll round: who is done, who failed, who is still waiting. */
function onRound(
  progress: ExecutionProgress,
  changes: Changes,
  output: unknown,
  phase: Phase,
  doneWord: 'live' | 'drained' | 'previous version live' | 'failed version drained',
): void {
  const round = field(output, 'round') ?? output;
  if (!isRoundState(round)) return;
  const failed = new Map(round.failures.map((f) => [f.service, f.reason]));
  const waiting = new Set(round.waiting);
  // `waiting` names at most 10: past that, a service not named may still be waiting.
  const waitingComplete = round.waiting.length >= round.total - round.done;
  const counts = `${round.done}/${round.total} ${doneWord}`;
  for (const service of progress.services.values()) {
    if (FINAL.has(service.phase)) continue;
    const reason = failed.get(service.name);
    if (reason !== undefined) {
      changes.service(service.name, 'failed', reason);
    } else if (round.status === 'done' || (waitingComplete && !waiting.has(service.name))) {
      changes.service(
        service.name,
        phase === 'verifying' ? 'live' : phase,
        phase === 'verifying' ? counts : `${doneWord}`,
      );
    } else {
      changes.service(service.name, phase, counts);
    }
  }
}

/** The reason of a Nothing To Deploy report (`status: 'skipped'`), else null. */
function skippedReason(output: unknown): string | null {
  if (typeof output !== 'object' || output === null) return null;
  const { status, reason } = output as { status?: unknown; reason?: unknown };
  if (status !== 'skipped') return null;
  return typeof reason === 'string' ? reason : 'nothing to deploy';
}

function finishAll(changes: Changes, phase: Phase, detail: string | null = null): void {
  for (const service of changes.progress.services.values()) {
    if (!FINAL.has(service.phase) || service.phase === 'failed')
      changes.service(service.name, phase, detail ?? service.detail);
  }
  for (const task of changes.progress.scheduledTasks.values()) {
    if (!FINAL.has(task.phase) || task.phase === 'failed') changes.task(task.rule, phase, detail ?? task.detail);
  }
}

/** Collects the rows an event changed, and stamps their start and finish times. */
class Changes {
  private readonly changed = new Map<string, Row>();
  constructor(
    readonly progress: ExecutionProgress,
    private readonly at: Date,
  ) {}

  service(name: string, phase: Phase, detail: string | null = null): void {
    const row = this.progress.services.get(name) ?? addService(this.progress, name, '');
    if (row.phase === phase && row.detail === detail) return;
    row.phase = phase;
    row.detail = detail;
    if (phase === 'failed') row.failure ??= detail;
    if (phase !== 'pending' && phase !== 'not started') row.startedAt ??= this.at;
    row.finishedAt = FINAL.has(phase) ? this.at : null;
    this.changed.set(`s:${name}`, { kind: 'service', row });
  }

  task(rule: string, phase: Phase, detail: string | null = null): void {
    const row = this.progress.scheduledTasks.get(rule) ?? addTask(this.progress, rule);
    if (row.phase === phase && row.detail === detail) return;
    row.phase = phase;
    row.detail = detail;
    if (phase === 'failed') row.failure ??= detail;
    if (phase !== 'pending' && phase !== 'not started') row.startedAt ??= this.at;
    row.finishedAt = FINAL.has(phase) ? this.at : null;
    this.changed.set(`t:${rule}`, { kind: 'scheduled-task', row });
  }

  setTaskDefinition(name: string, taskDefinition: string): void {
    const row = this.progress.services.get(name) ?? addService(this.progress, name, '');
    row.taskDefinition = taskDefinition;
  }

  /** From the deploy's results only: a rollback's list the restored revision as taskDefinition. */
  setTargets(result: ScheduledTaskResult): void {
    const row = this.progress.scheduledTasks.get(result.rule) ?? addTask(this.progress, result.rule);
    row.targets = result.targets.map(({ id, previousTaskDefinition, taskDefinition }) => ({
      id,
      previousTaskDefinition,
      taskDefinition,
    }));
  }

  rows(): Row[] {
    return [...this.changed.values()];
  }
}

function readExecutionInput(progress: ExecutionProgress, input: unknown): void {
  const gitsha = field(input, 'gitsha');
  if (typeof gitsha === 'string') progress.gitsha = gitsha.toLowerCase();
  const config = field(input, 'config') as Partial<ExecutionInput['config']> | undefined;
  if (typeof config?.timeoutMinutes === 'number') progress.timeoutMinutes = config.timeoutMinutes;
  for (const service of asArray(config?.services)) {
    const name = field(service, 'name');
    const cluster = field(service, 'cluster');
    if (typeof name === 'string') addService(progress, name, typeof cluster === 'string' ? cluster : '');
  }
  for (const task of asArray(config?.scheduledTasks)) {
    const rule = field(task, 'rule');
    if (typeof rule === 'string') addTask(progress, rule);
  }
}

function readPlan(progress: ExecutionProgress, plan: Plan): void {
  progress.plan = plan;
  progress.gitsha ??= plan.deployment.gitsha;
  for (const planned of plan.services) {
    const row = progress.services.get(planned.name) ?? addService(progress, planned.name, planned.cluster);
    row.cluster = planned.cluster;
    row.previousTaskDefinition = planned.previousTaskDefinition;
    row.previousSha = planned.previousSha;
  }
  for (const rule of plan.scheduledTasks) {
    const row = progress.scheduledTasks.get(rule.rule) ?? addTask(progress, rule.rule);
    // Until Update Scheduled Task reports, each target runs its previous revision.
    if (row.targets.length === 0) {
      row.targets = rule.targets.map((t) => ({
        id: t.id,
        previousTaskDefinition: t.previousTaskDefinition,
        taskDefinition: t.previousTaskDefinition,
      }));
    }
  }
}

function addService(progress: ExecutionProgress, name: string, cluster: string): ServiceProgress {
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

function addTask(progress: ExecutionProgress, rule: string): ScheduledTaskProgress {
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

function failureReason(failure: { error: string | null; cause: string | null } | null): string | null {
  if (!failure) return null;
  const message = field(parseJson(failure.cause ?? undefined), 'errorMessage');
  return typeof message === 'string' ? message : (failure.cause ?? failure.error);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function serviceNameOf(input: unknown): string | null {
  const name = field(field(input, 'service'), 'name');
  return typeof name === 'string' ? name : null;
}

/** The value itself, or its top-level fields, that match: a step's output may sit under a ResultPath. */
function findAll<T>(output: unknown, guard: (value: unknown) => value is T): T[] {
  if (guard(output)) return [output];
  if (typeof output !== 'object' || output === null) return [];
  return Object.values(output).filter(guard);
}

function isPlan(value: unknown): value is Plan {
  return Array.isArray(field(value, 'services')) && typeof field(value, 'deployment') === 'object';
}

function isServiceDeployment(value: unknown): value is ServiceDeployment {
  return typeof field(value, 'name') === 'string' && typeof field(value, 'taskDefinition') === 'string';
}

function isRollbackResult(value: unknown): value is RollbackResult {
  return isServiceDeployment(value) && typeof field(value, 'rolledBack') === 'boolean';
}

function isScheduledTaskResult(value: unknown): value is ScheduledTaskResult {
  return typeof field(value, 'rule') === 'string' && Array.isArray(field(value, 'targets'));
}

function isRoundState(value: unknown): value is RoundState {
  return (
    typeof field(value, 'status') === 'string' &&
    typeof field(value, 'done') === 'number' &&
    typeof field(value, 'total') === 'number' &&
    Array.isArray(field(value, 'waiting')) &&
    Array.isArray(field(value, 'failures'))
  );
}
