import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { shortTaskDefinition } from '../lambdas/shared/aws/ecs-names';
import type { ExecutionInput } from '../lambdas/shared/contracts/execution-input';
import type { Plan, ScheduledTaskResult } from '../lambdas/shared/contracts/state';
import { FAIL_STATES, type Phase, terminalStateNamed } from '../lambdas/shared/contracts/terminal-states';
import { StateNames } from '../lib/state-names';
import { type ApprovalProgress, approvalDetail, nextApproval } from './approval-progress';
import type { Termination } from './exit-codes';
import {
  asArray,
  field,
  findAll,
  isNotRestored,
  isPlan,
  isRollbackResult,
  isRoundState,
  isScheduledTaskResult,
  isServiceDeployment,
  parseJson,
  serviceNameOf,
} from './history-values';

/**
 * An execution's progress, folded from its history events one at a time: the same fold serves
 * the live watch and `gehen status`. It reads state names and the step contracts only
 * (Prepare's Plan at $.plan, poll rounds' RoundState at $.round, Map iteration inputs).
 *
 * Read top to bottom: the model (one row per service and per scheduled-task rule, each in a
 * phase), then {@link applyEvent}, then what entering and leaving each state means for the rows.
 */

export type { Phase } from '../lambdas/shared/contracts/terminal-states';

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
  /** The name of the state entered last (outside Maps, the state the execution is in). */
  lastEnteredState: string | null;
  /** The gate's manual approval, once scheduled; replaced (never mutated) on every change. */
  approval: ApprovalProgress | null;
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
    lastEnteredState: null,
    approval: null,
  };
}

/** Phases a row does not leave on its own; only a rollback or the execution's end moves a failed row on. */
const FINAL_PHASES: ReadonlySet<Phase> = new Set([
  'deployed',
  'unchanged',
  'failed',
  'rolled-back',
  'rollback-failed',
  'timed-out',
  'not-started',
  'aborted',
]);

/** `family:42` from a task definition ARN. */
export function revision(taskDefinition: string | null): string {
  return taskDefinition ? shortTaskDefinition(taskDefinition) : '?';
}

/** Applies one event; returns the rows whose phase or detail changed. */
export function applyEvent(progress: ExecutionProgress, event: HistoryEvent): Row[] {
  progress.lastEventId = Math.max(progress.lastEventId, event.id ?? 0);
  const at = event.timestamp ?? new Date();
  const changes = new Changes(progress, at);

  const approval = nextApproval(progress.approval, progress.lastEnteredState, event);
  if (approval !== progress.approval && approval) {
    progress.approval = approval;
    onApproval(changes, approval);
  }
  if (event.executionStartedEventDetails) {
    progress.startedAt = at;
    readExecutionInput(progress, parseJson(event.executionStartedEventDetails.input));
  } else if (event.stateEnteredEventDetails?.name) {
    progress.lastEnteredState = event.stateEnteredEventDetails.name;
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
    const ending = FAIL_STATES.get(error ?? '');
    finishAll(changes, ending?.phase ?? 'failed', error && !ending ? error : null);
  } else if (event.type === 'ExecutionAborted') {
    const { error = null, cause = null } = event.executionAbortedEventDetails ?? {};
    progress.termination = { kind: 'aborted', error, cause };
    finishAll(changes, 'aborted');
  } else if (event.type === 'ExecutionTimedOut') {
    const { error = null, cause = null } = event.executionTimedOutEventDetails ?? {};
    progress.termination = { kind: 'timed-out', error, cause };
    finishAll(changes, 'timed-out', 'the execution timed out');
  }
  if (progress.termination.kind !== 'running') progress.endedAt = at;
  return changes.rows();
}

/** The reason of a Nothing To Deploy report (`status: 'skipped'`), else null. */
export function skippedReason(output: unknown): string | null {
  if (typeof output !== 'object' || output === null) return null;
  const { status, reason } = output as { status?: unknown; reason?: unknown };
  if (status !== 'skipped') return null;
  return typeof reason === 'string' ? reason : 'nothing to deploy';
}

function failureReason(failure: { error: string | null; cause: string | null } | null): string | null {
  if (!failure) return null;
  const message = field(parseJson(failure.cause ?? undefined), 'errorMessage');
  return typeof message === 'string' ? message : (failure.cause ?? failure.error);
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
    if (this.move(row, phase, detail)) this.changed.set(`s:${name}`, { kind: 'service', row });
  }

  task(rule: string, phase: Phase, detail: string | null = null): void {
    const row = this.progress.scheduledTasks.get(rule) ?? addTask(this.progress, rule);
    if (this.move(row, phase, detail)) this.changed.set(`t:${rule}`, { kind: 'scheduled-task', row });
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

  /** Returns false, touching nothing, when the row is already in that phase with that detail. */
  private move(row: ServiceProgress | ScheduledTaskProgress, phase: Phase, detail: string | null): boolean {
    if (row.phase === phase && row.detail === detail) return false;
    row.phase = phase;
    row.detail = detail;
    if (phase === 'failed') row.failure ??= detail;
    if (phase !== 'pending' && phase !== 'not-started') row.startedAt ??= this.at;
    row.finishedAt = FINAL_PHASES.has(phase) ? this.at : null;
    return true;
  }
}

/** Moves every unfinished row, and every failed one, to the phase the execution ended in. */
function finishAll(changes: Changes, phase: Phase, detail: string | null = null): void {
  for (const service of changes.progress.services.values()) {
    if (!FINAL_PHASES.has(service.phase) || service.phase === 'failed')
      changes.service(service.name, phase, detail ?? service.detail);
  }
  for (const task of changes.progress.scheduledTasks.values()) {
    if (!FINAL_PHASES.has(task.phase) || task.phase === 'failed') changes.task(task.rule, phase, detail ?? task.detail);
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

/** The rows an execution starts with: first from its input's config, then from Prepare's Plan. */
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

/** The services held at the gate show the approval; a rejection (or its timeout) fails them all. */
function onApproval(changes: Changes, approval: ApprovalProgress): void {
  const shown = approvalDetail(approval);
  if (!shown) return;
  const { failed, detail } = shown;
  for (const service of changes.progress.services.values()) {
    if (!FINAL_PHASES.has(service.phase)) changes.service(service.name, failed ? 'failed' : 'verifying', detail);
  }
}

/** What entering each state of the definition means for the rows. */
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
        if (!FINAL_PHASES.has(service.phase)) changes.service(service.name, 'verifying');
      }
      return;
    case StateNames.startGate:
      for (const service of progress.services.values()) {
        if (!FINAL_PHASES.has(service.phase)) changes.service(service.name, 'verifying', 'at the gate');
      }
      return;
    case StateNames.continueGate:
      for (const service of progress.services.values()) {
        if (!FINAL_PHASES.has(service.phase)) changes.service(service.name, 'verifying', 'continuing past the gate');
      }
      return;
    case StateNames.startDrain:
      for (const service of progress.services.values()) {
        if (!FINAL_PHASES.has(service.phase)) changes.service(service.name, 'draining');
      }
      return;
    case StateNames.rollBackService: {
      const service = serviceNameOf(input);
      if (service) changes.service(service, 'rolling-back', 'restoring the previous revision');
      return;
    }
    case StateNames.updateScheduledTask:
    case StateNames.rollBackScheduledTask: {
      const rule = field(field(input, 'rule'), 'rule');
      const rollback = name === StateNames.rollBackScheduledTask || field(input, 'mode') === 'rollback';
      if (typeof rule === 'string') changes.task(rule, rollback ? 'rolling-back' : 'updating');
      return;
    }
    case StateNames.rollbackFailed:
      onRollbackFailed(changes, input);
      return;
    default: {
      // Entering a Fail state: every unfinished row ends in its phase.
      const ending = terminalStateNamed(name);
      if (ending?.error) finishAll(changes, ending.phase);
    }
  }
}

/**
 * Rollback Failed names what was not restored (Summarise Rollback's `notRestored`): those rows
 * end `rollback failed`; the others end `rolled back` when the restored services were verified
 * and drained, else `rollback failed` as well (it is not known where they are).
 */
function onRollbackFailed(changes: Changes, input: unknown): void {
  const result = field(input, 'rollbackResult');
  const left = asArray(field(result, 'notRestored')).filter(isNotRestored);
  for (const target of left) {
    const detail = `runs ${revision(target.taskDefinition)}: ${target.reason}`;
    if (target.kind === 'service') changes.service(target.name, 'rollback-failed', detail);
    else changes.task(target.name, 'rollback-failed', detail);
  }
  const restored = field(input, 'rollbackOutcome') === 'rolled-back';
  finishAll(changes, restored ? 'rolled-back' : 'rollback-failed');
}

/** What leaving each state means for the rows. */
function onStateExited(progress: ExecutionProgress, changes: Changes, name: string, output: unknown): void {
  switch (name) {
    case StateNames.prepare:
    case StateNames.prepareRestore: {
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
    case StateNames.rollBackService:
    case StateNames.recordServiceNotRestored:
      for (const result of findAll(output, isRollbackResult)) {
        if (result.restored === false) {
          if (result.taskDefinition !== null) changes.setTaskDefinition(result.name, result.taskDefinition);
          changes.service(result.name, 'rollback-failed', `runs ${revision(result.taskDefinition)}: ${result.reason}`);
        } else {
          changes.service(result.name, 'rolling-back', `restored ${revision(result.taskDefinition)}`);
        }
      }
      return;
    case StateNames.updateScheduledTask:
    case StateNames.rollBackScheduledTask:
    case StateNames.recordRuleNotRestored:
      for (const result of findAll(output, isScheduledTaskResult)) {
        if (name === StateNames.updateScheduledTask) changes.setTargets(result);
        if (result.restored === false) changes.task(result.rule, 'rollback-failed', result.reason ?? null);
        else changes.task(result.rule, name === StateNames.updateScheduledTask ? 'updated' : 'rolled-back');
      }
      return;
    default: {
      const round = ROUND_STATES.get(name);
      if (round) onRound(progress, changes, output, round);
    }
  }
}

type DoneWord =
  | 'live'
  | 'drained'
  | 'previous version live'
  | 'failed version drained'
  | 'passed the gate'
  | 'rollback past the hook';

interface RoundKind {
  /** The phase its services wait in. */
  phase: Phase;
  /** What done means there. */
  doneWord: DoneWord;
  /** The phase a service that is done moves to. */
  donePhase: Phase;
}

/** The states that leave with a poll round: the phase their services wait in, and what done means there. */
const ROUND_STATES: ReadonlyMap<string, RoundKind> = new Map<string, RoundKind>([
  [StateNames.probe, { phase: 'verifying', doneWord: 'live', donePhase: 'live' }],
  // The gate: paused at the stage with the testUrl serving the new SHA; production traffic comes later.
  [StateNames.checkGate, { phase: 'verifying', doneWord: 'passed the gate', donePhase: 'verifying' }],
  [StateNames.checkGateAfterBake, { phase: 'verifying', doneWord: 'passed the gate', donePhase: 'verifying' }],
  [StateNames.checkDrain, { phase: 'draining', doneWord: 'drained', donePhase: 'draining' }],
  // A gate's rollback deployments held at the PAUSE hook, continued by gehen (the others are not held).
  [
    StateNames.releaseRollback,
    { phase: 'rolling-back', doneWord: 'rollback past the hook', donePhase: 'rolling-back' },
  ],
  [StateNames.probeRollback, { phase: 'rolling-back', doneWord: 'previous version live', donePhase: 'rolling-back' }],
  [
    StateNames.checkDrainRollback,
    { phase: 'rolling-back', doneWord: 'failed version drained', donePhase: 'rolling-back' },
  ],
]);

/** A poll round: who is done, who failed, who is still waiting. */
function onRound(progress: ExecutionProgress, changes: Changes, output: unknown, kind: RoundKind): void {
  const { phase, doneWord, donePhase } = kind;
  const round = field(output, 'round') ?? output;
  if (!isRoundState(round)) return;
  const failed = new Map(round.failures.map((f) => [f.service, f.reason]));
  const waiting = new Set(round.waiting);
  // `waiting` names at most 10: past that, a service not named may still be waiting.
  const waitingComplete = round.waiting.length >= round.total - round.done;
  const counts = `${round.done}/${round.total} ${doneWord}`;
  for (const service of progress.services.values()) {
    if (FINAL_PHASES.has(service.phase)) continue;
    const reason = failed.get(service.name);
    if (reason !== undefined) {
      changes.service(service.name, 'failed', reason);
    } else if (round.status === 'done' || (waitingComplete && !waiting.has(service.name))) {
      // Verify's counts stay on a live service: they say how many more are still to come.
      changes.service(service.name, donePhase, donePhase === 'live' ? counts : doneWord);
    } else {
      changes.service(service.name, phase, counts);
    }
  }
}
