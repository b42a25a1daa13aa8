import type { Events } from '../events';
import type { Fault, FleetTiming } from '../fleet';
import { hexId, nowSeconds } from '../ids';
import type { Timers } from '../timers';
import { emitDeploymentState, emitServiceAction } from './ecs-events';
import type { DeploymentRecord, ServiceRecord, TaskDefinitionRecord, TaskRecord } from './model';
import { addEvent, taskList } from './service-events';
import { launchTask, serving, stopTask } from './task-lifecycle';
import type { TaskServers } from './task-servers';

/** What the rolling-deployment engine needs from the sandbox around it. */
export interface RolloutEnv {
  /** Modelled durations; every one is multiplied by `timing.scale` (see ./timing.ts). */
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
  options: { immediate?: boolean; reason?: string } = {},
): DeploymentRecord {
  const now = nowSeconds();
  for (const deployment of service.deployments) {
    deployment.status = 'ACTIVE';
    deployment.updatedAt = now;
  }
  const deployment: DeploymentRecord = {
    id: `ecs-svc/${deploymentNumber()}`,
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: service.desiredCount,
    failedTasks: 0,
    launched: 0,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment ecs-svc in progress.',
    createdAt: now,
    updatedAt: now,
  };
  deployment.rolloutStateReason = options.reason ?? `ECS deployment ${deployment.id} in progress.`;
  service.deployments.unshift(deployment);
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
    addEvent(service, `(service ${service.name}) (deployment ${primary.id}) deployment completed.`);
    addEvent(service, `(service ${service.name}) has reached a steady state.`);
    if (!immediate) {
      emitDeploymentState(env.events, service, primary, 'SERVICE_DEPLOYMENT_COMPLETED', primary.rolloutStateReason);
      emitServiceAction(env.events, service, 'SERVICE_STEADY_STATE');
    }
  }
}

function wantedTasks(service: ServiceRecord, deployment: DeploymentRecord): TaskRecord[] {
  return service.tasks.filter((t) => t.deployment === deployment && t.desiredStatus === 'RUNNING');
}

function liveTasks(service: ServiceRecord, deployment: DeploymentRecord): TaskRecord[] {
  return service.tasks.filter((t) => t.deployment === deployment && t.lastStatus !== 'STOPPED');
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
