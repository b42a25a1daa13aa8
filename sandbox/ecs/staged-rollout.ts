import { nowSeconds } from '../ids';
import { alarmInAlarm, alarmReason } from './deployment-alarms';
import { emitDeploymentState, emitServiceAction } from './ecs-events';
import { continueHooks, hooksSettled, startHooks } from './lifecycle-hooks';
import type { DeploymentRecord, LifecycleStage, ServiceDeploymentRecord, ServiceRecord, TaskRecord } from './model';
import type { RolloutEnv } from './rollout';
import { beginRollback, finish } from './service-deployment-records';
import { addEvent } from './service-events';
import { liveTasks, serving, wantedTasks } from './task-state';

// ECS's BLUE_GREEN, LINEAR and CANARY deployments, stage by stage
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-how-it-works.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/canary-deployment.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/linear-deployment.html): green scales
// up to the full desired count beside blue, takes the test listener, then production traffic in
// one shift (BLUE_GREEN), a canary step and the rest (CANARY) or equal steps (LINEAR), each step
// followed by its bake time; after the bake time blue is scaled down. Stage names and meanings are
// ServiceDeployment.lifecycleStage's (API_ServiceDeployment.html). Called by the scheduler
// (./rollout.ts) after every change, so each call looks only at the current state.

/** What the staged engine asks of the scheduler, which owns the life of tasks. */
export interface Scheduler {
  env: RolloutEnv;
  launch(deployment: DeploymentRecord, count: number): void;
  stop(task: TaskRecord, reason: string): void;
  /** Runs the scheduler for the service again after `seconds` (real seconds). */
  reconcileAfter(seconds: number): void;
}

const ORDER: LifecycleStage[] = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
];

/**
 * The first stage: RECONCILE_SERVICE "only happens when you start a new service deployment with
 * more than 1 service revision in an ACTIVE state" (ServiceDeployment.lifecycleStage).
 */
export function firstStage(record: ServiceDeploymentRecord): LifecycleStage {
  return record.source.length > 1 ? 'RECONCILE_SERVICE' : 'PRE_SCALE_UP';
}

export function advanceStaged(service: ServiceRecord, record: ServiceDeploymentRecord, scheduler: Scheduler): void {
  if (record.status === 'ROLLBACK_IN_PROGRESS') {
    advanceRollback(service, record, scheduler);
    return;
  }
  if (record.status !== 'IN_PROGRESS' || !record.stage) return;
  for (;;) {
    if (ORDER.indexOf(record.stage) >= ORDER.indexOf('SCALE_UP')) {
      scaleTo(service, record.target, service.desiredCount, scheduler);
    }
    if (alarmFired(service, record, scheduler)) return;
    if (!record.stageWorkDone) {
      if (!stageWork(service, record, scheduler)) return;
      record.stageWorkDone = true;
    }
    startHooks(service, record, scheduler, (reason) => rollBackStaged(service, record, reason, scheduler));
    if (!hooksSettled(record)) return;
    const next = nextStage(record);
    if (!next) {
      complete(service, record, scheduler);
      return;
    }
    record.stage = next;
    record.stageEntry += 1;
    record.stageWorkDone = false;
    record.updatedAt = nowSeconds();
  }
}

/** Does the stage's work; true once it is done. */
function stageWork(service: ServiceRecord, record: ServiceDeploymentRecord, scheduler: Scheduler): boolean {
  const { settings } = record;
  switch (record.stage) {
    case 'SCALE_UP':
      return servingCount(service, record.target) >= service.desiredCount;
    case 'TEST_TRAFFIC_SHIFT':
      record.testWeight = 100;
      return true;
    case 'PRODUCTION_TRAFFIC_SHIFT': {
      if (record.waitUntil === undefined) {
        record.productionWeight = nextWeight(record);
        addEvent(
          service,
          `(service ${service.name}) shifted ${record.productionWeight}% of production traffic to (deployment ${record.target.id}).`,
        );
        if (record.productionWeight >= 100) return true;
        if (alarmFired(service, record, scheduler)) return false;
      }
      const bake =
        settings.strategy === 'CANARY'
          ? settings.canary.canaryBakeTimeInMinutes
          : settings.linear.stepBakeTimeInMinutes;
      return waited(record, bake * 60, scheduler);
    }
    case 'BAKE_TIME':
      return waited(record, settings.bakeTimeInMinutes * 60, scheduler);
    case 'CLEAN_UP': {
      const blue = service.deployments.filter((d) => d !== record.target);
      for (const deployment of blue) {
        for (const task of wantedTasks(service, deployment)) scheduler.stop(task, scalingReason(record));
        deployment.desiredCount = 0;
      }
      return blue.every((d) => liveTasks(service, d).length === 0);
    }
    default:
      return true;
  }
}

function nextStage(record: ServiceDeploymentRecord): LifecycleStage | undefined {
  if (record.stage === 'PRODUCTION_TRAFFIC_SHIFT' && record.productionWeight < 100) {
    return 'PRE_PRODUCTION_TRAFFIC_SHIFT';
  }
  const index = ORDER.indexOf(record.stage ?? 'CLEAN_UP');
  return ORDER[index + 1];
}

/** The production weight of green after the next shift: all at once, the canary, or one more step. */
function nextWeight(record: ServiceDeploymentRecord): number {
  const { strategy, canary, linear } = record.settings;
  const current = record.productionWeight;
  if (strategy === 'CANARY') return current === 0 ? Math.min(100, canary.canaryPercent) : 100;
  if (strategy === 'LINEAR') return Math.min(100, Math.round((current + linear.stepPercent) * 10) / 10);
  return 100;
}

/** True once `seconds` (modelled) have passed since the stage first asked; sets the timer that wakes it. */
function waited(record: ServiceDeploymentRecord, seconds: number, scheduler: Scheduler): boolean {
  const real = seconds * scheduler.env.timing.scale;
  const now = Date.now();
  if (record.waitUntil === undefined) {
    if (real <= 0) return true;
    record.waitUntil = now + real * 1000;
    scheduler.reconcileAfter(real);
    return false;
  }
  // Timers may fire a millisecond early.
  if (now < record.waitUntil - 5) return false;
  record.waitUntil = undefined;
  return true;
}

function complete(service: ServiceRecord, record: ServiceDeploymentRecord, scheduler: Scheduler): void {
  const target = record.target;
  finish(record, 'SUCCESSFUL', `Service deployment ${target.id} completed.`);
  target.rolloutState = 'COMPLETED';
  target.rolloutStateReason = `ECS deployment ${target.id} completed.`;
  target.updatedAt = nowSeconds();
  service.deployments = service.deployments.filter((d) => d === target || liveTasks(service, d).length > 0);
  service.lastCompleted = target.taskDefinition;
  service.lastCompletedId = target.id;
  service.lastCompletedRevision = target.revision;
  addEvent(service, `(service ${service.name}) (deployment ${target.id}) deployment completed.`);
  addEvent(service, `(service ${service.name}) has reached a steady state.`);
  emitDeploymentState(scheduler.env.events, service, target, 'SERVICE_DEPLOYMENT_COMPLETED', target.rolloutStateReason);
  emitServiceAction(scheduler.env.events, service, 'SERVICE_STEADY_STATE');
}

/** A deployment alarm went into ALARM: ECS fails the deployment, and rolls back with `rollback`. */
function alarmFired(service: ServiceRecord, record: ServiceDeploymentRecord, scheduler: Scheduler): boolean {
  if (record.productionWeight <= 0) return false;
  const alarm = alarmInAlarm(service, record.target, record.settings);
  if (!alarm) return false;
  record.triggeredAlarms.push(alarm);
  const reason = alarmReason(alarm);
  if (record.settings.alarms?.rollback) {
    rollBackStaged(service, record, reason, scheduler);
  } else {
    record.target.rolloutState = 'FAILED';
    record.target.rolloutStateReason = reason;
    finish(record, 'STOPPED', reason);
    emitDeploymentState(scheduler.env.events, service, record.target, 'SERVICE_DEPLOYMENT_FAILED', reason);
  }
  return true;
}

/**
 * Rolls a staged deployment back: production and test traffic return to blue at once, blue is the
 * PRIMARY again (scaled back up if CLEAN_UP had begun) and green's tasks are stopped; the service
 * deployment is ROLLBACK_SUCCESSFUL once green has drained.
 */
export function rollBackStaged(
  service: ServiceRecord,
  record: ServiceDeploymentRecord,
  reason: string,
  scheduler: Scheduler,
): void {
  const blue = record.source[0];
  const green = record.target;
  if (!blue) {
    finish(record, 'STOPPED', reason);
    return;
  }
  continueHooks(record, 'FAILED');
  beginRollback(record, reason, blue.revision);
  green.status = 'ACTIVE';
  green.rolloutState = 'FAILED';
  green.rolloutStateReason = reason;
  blue.status = 'PRIMARY';
  blue.desiredCount = service.desiredCount;
  blue.rolloutState = 'IN_PROGRESS';
  blue.rolloutStateReason = reason;
  blue.updatedAt = nowSeconds();
  service.deployments = [blue, ...service.deployments.filter((d) => d !== blue)];
  addEvent(service, `(service ${service.name}) (deployment ${green.id}) deployment failed: ${reason}`);
  addEvent(service, `(service ${service.name}) rolling back to deployment ${blue.id}.`);
  emitDeploymentState(scheduler.env.events, service, green, 'SERVICE_DEPLOYMENT_FAILED', reason);
  emitDeploymentState(scheduler.env.events, service, blue, 'SERVICE_DEPLOYMENT_IN_PROGRESS', reason);
  scheduler.reconcileAfter(0);
}

function advanceRollback(service: ServiceRecord, record: ServiceDeploymentRecord, scheduler: Scheduler): void {
  const blue = service.deployments[0];
  if (!blue) return;
  scaleTo(service, blue, service.desiredCount, scheduler);
  for (const task of wantedTasks(service, record.target)) scheduler.stop(task, scalingReason(record));
  record.target.desiredCount = 0;
  if (servingCount(service, blue) < service.desiredCount || liveTasks(service, record.target).length > 0) return;
  finish(record, 'ROLLBACK_SUCCESSFUL', record.rollback?.reason ?? 'Rolled back.');
  blue.rolloutState = 'COMPLETED';
  blue.rolloutStateReason = `ECS deployment ${blue.id} completed.`;
  blue.updatedAt = nowSeconds();
  service.deployments = service.deployments.filter((d) => d === blue || liveTasks(service, d).length > 0);
  addEvent(service, `(service ${service.name}) has reached a steady state.`);
  emitDeploymentState(scheduler.env.events, service, blue, 'SERVICE_DEPLOYMENT_COMPLETED', blue.rolloutStateReason);
  emitServiceAction(scheduler.env.events, service, 'SERVICE_STEADY_STATE');
}

/** Launches the deployment's missing tasks (failed ones are replaced the same way). */
function scaleTo(service: ServiceRecord, deployment: DeploymentRecord, count: number, scheduler: Scheduler): void {
  deployment.desiredCount = count;
  const missing = count - wantedTasks(service, deployment).length;
  if (missing > 0) scheduler.launch(deployment, missing);
}

function servingCount(service: ServiceRecord, deployment: DeploymentRecord): number {
  return service.tasks.filter((t) => t.deployment === deployment && serving(t)).length;
}

function scalingReason(record: ServiceDeploymentRecord): string {
  return `Scaling activity initiated by (deployment ${record.target.id})`;
}
