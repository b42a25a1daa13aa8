import type { Events } from '../events';
import type { Fault, FleetTiming } from '../fleet';
import { ACCOUNT, hexId, nowSeconds } from '../ids';
import type { Timers } from '../timers';
import { taskFailed } from './circuit-breaker';
import { alarmInAlarm, alarmReason } from './deployment-alarms';
import { emitDeploymentState, emitServiceAction } from './ecs-events';
import { drainDelay, healthyDelay, nextTaskUnhealthy, startDelay, unhealthyDelay } from './health-checks';
import { imageTag } from './image-ref';
import type {
  DeploymentRecord,
  ServiceDeploymentRecord,
  ServiceRecord,
  ServiceRevisionRecord,
  TaskDefinitionRecord,
  TaskRecord,
} from './model';
import {
  beginRollback,
  beginServiceDeployment,
  finish,
  inProgress,
  newRevision,
  serviceDeploymentOf,
} from './service-deployment-records';
import { addEvent, taskList } from './service-events';
import { advanceStaged, firstStage, rollBackStaged, type Scheduler } from './staged-rollout';
import type { TaskServers } from './task-servers';
import { liveTasks, serving, wantedTasks } from './task-state';

// ECS's service scheduler, one loop read top to bottom: a deployment starts (startDeployment),
// reconcile moves the service towards it, and the tasks it launches and stops call reconcile again
// as they start, turn healthy, fail or finish draining. The circuit breaker (./circuit-breaker.ts)
// counts failed tasks; the rollback it may ask for is one more deployment.

/** What the rolling-deployment engine needs from the sandbox around it. */
export interface RolloutEnv {
  /** Modelled durations; every one is multiplied by `timing.scale` (see ./health-checks.ts). */
  timing: FleetTiming;
  faults: Record<string, Fault>;
  timers: Timers;
  servers: TaskServers;
  /** Real seconds reads lag writes (fleet.consistency.ecsSeconds); not scaled. @default 0 */
  consistencySeconds?: number;
  /** The default bus ECS's own events go to. */
  events?: Events;
}

/**
 * Starts a new PRIMARY deployment of `taskDefinition`; the former ones become ACTIVE and are
 * scaled in as the new tasks turn healthy. `immediate` (fleet seeding) starts the first tasks
 * RUNNING at once, so a sandbox begins in a steady state.
 */
export function startDeployment(
  env: RolloutEnv,
  service: ServiceRecord,
  taskDefinition: TaskDefinitionRecord,
  options: {
    immediate?: boolean;
    reason?: string;
    /** The service deployment this one rolls back (circuit breaker, alarm, StopServiceDeployment). */
    rollbackOf?: ServiceDeploymentRecord;
    /** The revision it returns to. */
    revision?: ServiceRevisionRecord;
  } = {},
): DeploymentRecord {
  const now = nowSeconds();
  for (const deployment of service.deployments) {
    deployment.status = 'ACTIVE';
    deployment.updatedAt = now;
  }
  const number = deploymentNumber();
  const deployment: DeploymentRecord = {
    id: `ecs-svc/${number}`,
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: service.desiredCount,
    failedTasks: 0,
    launched: 0,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment ecs-svc in progress.',
    revision: options.revision ?? newRevision(service, taskDefinition, number),
    createdAt: now,
    updatedAt: now,
  };
  deployment.rolloutStateReason = options.reason ?? `ECS deployment ${deployment.id} in progress.`;
  service.deployments.unshift(deployment);
  if (options.rollbackOf) {
    options.rollbackOf.rollbackDeployment = deployment;
  } else {
    const record = beginServiceDeployment(service, deployment);
    // A staged strategy shifts traffic from blue to green; a first deployment has no blue.
    const blue = record.source.some((d) => liveTasks(service, d).length > 0);
    if (service.settings.strategy !== 'ROLLING' && blue && !options.immediate) record.stage = firstStage(record);
  }
  // A seeded fleet starts at a steady state: it has no history to announce.
  if (!options.immediate) {
    emitDeploymentState(
      env.events,
      service,
      deployment,
      'SERVICE_DEPLOYMENT_IN_PROGRESS',
      deployment.rolloutStateReason,
    );
  }
  reconcile(env, service, options.immediate ?? false);
  return deployment;
}

/**
 * Moves a service one step towards its PRIMARY deployment, as ECS's scheduler does: start new
 * tasks within maximumPercent, stop old ones while minimumHealthyPercent stays healthy, drop
 * deployments with nothing left, and mark the rollout COMPLETED at steady state. Called after
 * every change (API call or timer), so it only ever looks at the current state.
 */
export function reconcile(env: RolloutEnv, service: ServiceRecord, immediate = false): void {
  const primary = service.deployments[0];
  if (!primary) return;
  if (service.status !== 'ACTIVE') {
    for (const task of service.tasks) stopTask(env, task, 'Service is being deleted', 'ServiceSchedulerInitiated');
    service.deployments = service.deployments.filter((d) => liveTasks(service, d).length > 0);
    if (service.deployments.length === 0) service.status = 'INACTIVE';
    return;
  }
  const current = service.serviceDeployments[0];
  if (current?.stage && inProgress(current)) {
    advanceStaged(service, current, scheduler(env, service));
    return;
  }
  const desired = primary.desiredCount;
  const maxTotal = Math.floor((desired * service.settings.maximumPercent) / 100);
  const minHealthy = Math.ceil((desired * service.settings.minimumHealthyPercent) / 100);

  const excess = wantedTasks(service, primary)
    .sort(servingLast)
    .slice(0, Math.max(0, wantedTasks(service, primary).length - desired));
  for (const task of excess) stopTask(env, task, scalingReason(primary), 'ServiceSchedulerInitiated');

  const launch = () => {
    if (primary.rolloutState === 'FAILED') return; // the circuit breaker stopped launching
    const live = service.tasks.filter((t) => t.lastStatus !== 'STOPPED').length;
    const count = Math.min(maxTotal - live, desired - wantedTasks(service, primary).length);
    const started: TaskRecord[] = [];
    for (let i = 0; i < count; i += 1) started.push(launchTask(env, service, primary, immediate));
    if (started.length > 0) {
      addEvent(service, `(service ${service.name}) has started ${started.length} tasks: ${taskList(started)}.`);
    }
  };
  launch();

  let healthy = service.tasks.filter(serving).length;
  const stopped: TaskRecord[] = [];
  for (const deployment of service.deployments.slice(1)) {
    for (const task of wantedTasks(service, deployment).sort(servingLast)) {
      if (serving(task)) {
        if (healthy - 1 < minHealthy) continue;
        healthy -= 1;
      }
      stopTask(env, task, scalingReason(primary), 'ServiceSchedulerInitiated');
      stopped.push(task);
    }
    deployment.desiredCount = wantedTasks(service, deployment).length;
  }
  if (stopped.length > 0) {
    addEvent(service, `(service ${service.name}) has stopped ${stopped.length} running tasks: ${taskList(stopped)}.`);
  }
  launch();
  if (rollingAlarm(env, service, primary)) return;

  const completed =
    primary.rolloutState === 'IN_PROGRESS' &&
    service.tasks.every((t) => t.lastStatus === 'STOPPED' || t.deployment === primary) &&
    wantedTasks(service, primary).filter(serving).length === desired;
  service.deployments = service.deployments.filter(
    (d) => d === primary || liveTasks(service, d).length > 0 || (d.rolloutState === 'FAILED' && !completed),
  );
  if (completed) {
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
    primary.updatedAt = nowSeconds();
    service.lastCompleted = primary.taskDefinition;
    service.lastCompletedId = primary.id;
    service.lastCompletedRevision = primary.revision;
    const record = serviceDeploymentOf(service, primary);
    if (record?.status === 'IN_PROGRESS') finish(record, 'SUCCESSFUL', primary.rolloutStateReason);
    if (record?.status === 'ROLLBACK_IN_PROGRESS') finish(record, 'ROLLBACK_SUCCESSFUL', record.statusReason ?? '');
    addEvent(service, `(service ${service.name}) (deployment ${primary.id}) deployment completed.`);
    addEvent(service, `(service ${service.name}) has reached a steady state.`);
    if (!immediate) {
      emitDeploymentState(env.events, service, primary, 'SERVICE_DEPLOYMENT_COMPLETED', primary.rolloutStateReason);
      emitServiceAction(env.events, service, 'SERVICE_STEADY_STATE');
    }
  }
}

/** The scheduler's side of a staged deployment (./staged-rollout.ts). */
function scheduler(env: RolloutEnv, service: ServiceRecord): Scheduler {
  return {
    env,
    launch: (deployment, count) => {
      const started: TaskRecord[] = [];
      for (let i = 0; i < count; i += 1) started.push(launchTask(env, service, deployment, false));
      addEvent(service, `(service ${service.name}) has started ${started.length} tasks: ${taskList(started)}.`);
    },
    stop: (task, reason) => stopTask(env, task, reason, 'ServiceSchedulerInitiated'),
    reconcileAfter: (seconds) => env.timers.after(seconds, () => reconcile(env, service)),
  };
}

/**
 * ECS rolls back a service deployment: a staged one returns traffic to blue (./staged-rollout.ts);
 * a rolling one starts a deployment of the source revision, as the circuit breaker's rollback does.
 */
export function rollBack(
  env: RolloutEnv,
  service: ServiceRecord,
  record: ServiceDeploymentRecord,
  reason: string,
  revision: ServiceRevisionRecord | undefined = record.source[0]?.revision ?? service.lastCompletedRevision,
): void {
  if (record.stage) {
    rollBackStaged(service, record, reason, scheduler(env, service));
    return;
  }
  record.target.rolloutState = 'FAILED';
  record.target.rolloutStateReason = reason;
  emitDeploymentState(env.events, service, record.target, 'SERVICE_DEPLOYMENT_FAILED', reason);
  if (!revision) {
    finish(record, 'STOPPED', reason);
    return;
  }
  beginRollback(record, reason, revision);
  const started = startDeployment(env, service, revision.taskDefinition, { reason, rollbackOf: record, revision });
  addEvent(service, `(service ${service.name}) rolling back to deployment ${started.id}.`);
}

/** A rolling deployment's alarm went into ALARM (./deployment-alarms.ts): fail it, and roll back with `rollback`. */
function rollingAlarm(env: RolloutEnv, service: ServiceRecord, primary: DeploymentRecord): boolean {
  const record = serviceDeploymentOf(service, primary);
  if (record?.status !== 'IN_PROGRESS' || record.target !== primary) return false;
  const alarm = alarmInAlarm(service, primary, record.settings);
  if (!alarm) return false;
  record.triggeredAlarms.push(alarm);
  const reason = alarmReason(alarm);
  // "rolled back to the last deployment that completed successfully" (API_DeploymentAlarms.html)
  if (record.settings.alarms?.rollback && service.lastCompletedRevision) {
    rollBack(env, service, record, reason, service.lastCompletedRevision);
    return true;
  }
  primary.rolloutState = 'FAILED';
  primary.rolloutStateReason = reason;
  finish(record, 'STOPPED', reason);
  emitDeploymentState(env.events, service, primary, 'SERVICE_DEPLOYMENT_FAILED', reason);
  return true;
}

function servingLast(a: TaskRecord, b: TaskRecord): number {
  return Number(serving(a)) - Number(serving(b));
}

function scalingReason(primary: DeploymentRecord): string {
  return `Scaling activity initiated by (deployment ${primary.id})`;
}

/** ECS deployment ids are `ecs-svc/` and 19 digits. */
function deploymentNumber(): string {
  return String(BigInt(`0x${hexId(8)}`) % 10n ** 19n).padStart(19, '0');
}

// The life of a task: PENDING, RUNNING, in service, draining, STOPPED.

// ECS keeps stopped tasks visible for a while; a bounded number is enough to inspect a failure.
const STOPPED_TASKS_KEPT = 100;

/**
 * Starts a PENDING task of `deployment`: it turns RUNNING after its start delay (or at once when
 * `immediate`), then passes or fails its health checks (./health-checks.ts).
 */
function launchTask(
  env: RolloutEnv,
  service: ServiceRecord,
  deployment: DeploymentRecord,
  immediate: boolean,
): TaskRecord {
  const taskDefinition = deployment.taskDefinition;
  const { fault, tag, reportedTag } = faultOf(env, service, taskDefinition);
  const id = hexId();
  const task: TaskRecord = {
    id,
    arn: `arn:aws:ecs:${service.region}:${ACCOUNT}:task/${service.cluster.name}/${id}`,
    service,
    deployment,
    taskDefinition,
    lastStatus: 'PENDING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    tag,
    reportedTag,
    fault,
    unhealthy: nextTaskUnhealthy(fault, deployment),
    createdAt: nowSeconds(),
  };
  service.tasks.push(task);
  deployment.updatedAt = task.createdAt;
  if (service.serves && fault !== 'crash') task.port = env.servers.acquire(service.name, reportedTag);
  if (immediate) {
    taskStarted(env, task, true);
  } else {
    env.timers.after(startDelay(env.timing, fault), () => {
      taskStarted(env, task, false);
      reconcile(env, service);
    });
  }
  return task;
}

function taskStarted(env: RolloutEnv, task: TaskRecord, immediate: boolean): void {
  if (task.lastStatus !== 'PENDING' || task.desiredStatus !== 'RUNNING') return;
  const { service } = task;
  if (task.fault === 'crash') {
    task.exitCode = 1;
    stopTask(env, task, 'Essential container in task exited', 'EssentialContainerExited');
    countFailure(env, service, task.deployment);
    // Seeding starts tasks synchronously; replacements must wait for the next turn.
    env.timers.after(0, () => reconcile(env, service));
    return;
  }
  task.lastStatus = 'RUNNING';
  task.startedAt = nowSeconds();
  task.deployment.updatedAt = task.startedAt;
  if (!task.unhealthy) {
    const delay = immediate ? 0 : healthyDelay(env.timing);
    if (delay === 0) {
      taskHealthy(task);
      return;
    }
    env.timers.after(delay, () => {
      if (task.desiredStatus !== 'RUNNING') return;
      taskHealthy(task);
      reconcile(env, service);
    });
    return;
  }
  task.healthStatus = 'UNHEALTHY';
  const grace = service.echo.healthCheckGracePeriodSeconds;
  env.timers.after(unhealthyDelay(env.timing, typeof grace === 'number' ? grace : undefined), () => {
    if (task.desiredStatus !== 'RUNNING') return;
    stopTask(env, task, 'Task failed container health checks', 'TaskFailedToStart');
    addEvent(service, `(service ${service.name}) (task ${task.id}) failed container health checks.`);
    countFailure(env, service, task.deployment);
    reconcile(env, service);
  });
}

/** The circuit breaker counts the failure; the rollback it may ask for is one more deployment. */
function countFailure(env: RolloutEnv, service: ServiceRecord, deployment: DeploymentRecord): void {
  const record = serviceDeploymentOf(service, deployment);
  // The circuit breaker watches rolling deployments only (API_DeploymentCircuitBreaker.html).
  if (record?.stage) {
    deployment.failedTasks += 1;
    return;
  }
  const wasFailed = deployment.rolloutState === 'FAILED';
  const rollback = taskFailed(env.events, service, deployment);
  const tripped = !wasFailed && deployment.rolloutState === 'FAILED';
  if (record && tripped) {
    record.breakerTriggered = true;
    if (record.status === 'ROLLBACK_IN_PROGRESS') finish(record, 'ROLLBACK_FAILED', deployment.rolloutStateReason);
    else if (!rollback) finish(record, 'STOPPED', deployment.rolloutStateReason);
  }
  if (!rollback) return;
  const revision = service.lastCompletedRevision;
  if (record?.status === 'IN_PROGRESS' && revision) beginRollback(record, rollback.reason, revision);
  const started = startDeployment(env, service, rollback.taskDefinition, {
    reason: rollback.reason,
    rollbackOf: record,
    revision: revision?.taskDefinition === rollback.taskDefinition ? revision : undefined,
  });
  addEvent(service, `(service ${service.name}) rolling back to deployment ${started.id}.`);
}

/** The task passed its checks: it joins the load balancer, and the circuit breaker may forget failures. */
function taskHealthy(task: TaskRecord): void {
  task.healthStatus = 'HEALTHY';
  if (task.service.settings.circuitBreaker.resetOnHealthyTask) task.deployment.failedTasks = 0;
}

/**
 * Stops a task. A task in service is deregistered first and drains (still RUNNING, no traffic)
 * for the deregistration delay, or its tag's `drainSeconds`, before it stops; anything else stops at once.
 */
export function stopTask(env: RolloutEnv, task: TaskRecord, reason: string, code: TaskRecord['stopCode']): void {
  if (task.desiredStatus === 'STOPPED') return;
  task.desiredStatus = 'STOPPED';
  task.stoppingAt = nowSeconds();
  task.stoppedReason = reason;
  task.stopCode = code;
  task.deployment.updatedAt = task.stoppingAt;
  const finish = () => {
    task.lastStatus = 'STOPPED';
    task.stoppedAt = nowSeconds();
    if (task.port) env.servers.release(task.service.name, task.reportedTag);
    pruneStopped(task.service);
  };
  const drainSeconds = drainDelay(env.timing, task.fault);
  if (task.lastStatus === 'RUNNING' && task.healthStatus === 'HEALTHY' && drainSeconds > 0) {
    env.timers.after(drainSeconds, () => {
      finish();
      reconcile(env, task.service);
    });
  } else {
    finish();
  }
}

/**
 * The fault a task definition's images carry: the serverContainer's tag first, then the other
 * containers' (an essential sidecar that crashes stops the task too).
 */
function faultOf(
  env: RolloutEnv,
  service: ServiceRecord,
  taskDefinition: TaskDefinitionRecord,
): { fault: Fault | undefined; tag: string; reportedTag: string } {
  const containers = taskDefinition.containers;
  const server = containers.find((c) => c.name === service.serverContainer) ?? containers[0];
  const ordered = server ? [server, ...containers.filter((c) => c !== server)] : containers;
  const fault = ordered.map((c) => env.faults[imageTag(c.image)]).find((f) => f !== undefined);
  const tag = server ? imageTag(server.image) : 'latest';
  const reportedTag = typeof fault === 'object' && 'reports' in fault ? fault.reports : tag;
  return { fault, tag, reportedTag };
}

function pruneStopped(service: ServiceRecord): void {
  const stopped = service.tasks.filter((t) => t.lastStatus === 'STOPPED');
  if (stopped.length <= STOPPED_TASKS_KEPT) return;
  const drop = new Set(stopped.slice(0, stopped.length - STOPPED_TASKS_KEPT));
  service.tasks = service.tasks.filter((t) => !drop.has(t));
}
