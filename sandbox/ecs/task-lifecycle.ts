import type { Fault } from '../fleet';
import { ACCOUNT, hexId, nowSeconds } from '../ids';
import { taskFailed } from './circuit-breaker';
import { imageTag } from './image-ref';
import type { DeploymentRecord, ServiceRecord, TaskDefinitionRecord, TaskRecord } from './model';
import { type RolloutEnv, reconcile } from './rollout';
import { addEvent } from './service-events';

// ECS keeps stopped tasks visible for a while; a bounded number is enough to inspect a failure.
const STOPPED_TASKS_KEPT = 100;
// An unhealthy task fails this many health checks (one per taskStartSeconds) before ECS replaces it.
const HEALTH_CHECK_RETRIES = 3;

/**
 * Starts a PENDING task of `deployment`: it turns RUNNING after taskStartSeconds (its tag's
 * `startSeconds` fault, else the fleet's timing), or at once when `immediate`.
 */
export function launchTask(
  env: RolloutEnv,
  service: ServiceRecord,
  deployment: DeploymentRecord,
  immediate: boolean,
): TaskRecord {
  const taskDefinition = deployment.taskDefinition;
  const { fault, reportedTag } = faultOf(env, service, taskDefinition);
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
    reportedTag,
    fault,
    createdAt: nowSeconds(),
  };
  service.tasks.push(task);
  deployment.updatedAt = task.createdAt;
  if (service.serves && fault !== 'crash') task.port = env.servers.acquire(service.name, reportedTag);
  if (immediate) {
    taskStarted(env, task);
  } else {
    const delay =
      typeof fault === 'object' && 'startSeconds' in fault ? fault.startSeconds : env.timing.taskStartSeconds;
    env.timers.after(delay, () => {
      taskStarted(env, task);
      reconcile(env, service);
    });
  }
  return task;
}

function taskStarted(env: RolloutEnv, task: TaskRecord): void {
  if (task.lastStatus !== 'PENDING' || task.desiredStatus !== 'RUNNING') return;
  const { service } = task;
  if (task.fault === 'crash') {
    task.exitCode = 1;
    stopTask(env, task, 'Essential container in task exited', 'EssentialContainerExited');
    taskFailed(env, service, task.deployment);
    // Seeding starts tasks synchronously; replacements must wait for the next turn.
    env.timers.after(0, () => reconcile(env, service));
    return;
  }
  task.lastStatus = 'RUNNING';
  task.startedAt = nowSeconds();
  task.deployment.updatedAt = task.startedAt;
  if (task.fault !== 'unhealthy') {
    task.healthStatus = 'HEALTHY';
    return;
  }
  task.healthStatus = 'UNHEALTHY';
  env.timers.after(Math.max(0.05, HEALTH_CHECK_RETRIES * env.timing.taskStartSeconds), () => {
    if (task.desiredStatus !== 'RUNNING') return;
    stopTask(env, task, 'Task failed container health checks', 'TaskFailedToStart');
    addEvent(service, `(service ${service.name}) (task ${task.id}) failed container health checks.`);
    taskFailed(env, service, task.deployment);
    reconcile(env, service);
  });
}

/**
 * Stops a task. A RUNNING task is deregistered first and drains for drainSeconds (its tag's
 * `drainSeconds` fault, else the fleet's timing; still RUNNING, no traffic) before it stops;
 * anything else stops at once.
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
  const drainSeconds =
    typeof task.fault === 'object' && 'drainSeconds' in task.fault ? task.fault.drainSeconds : env.timing.drainSeconds;
  if (task.lastStatus === 'RUNNING' && task.healthStatus === 'HEALTHY' && drainSeconds > 0) {
    env.timers.after(drainSeconds, () => {
      finish();
      reconcile(env, task.service);
    });
  } else {
    finish();
  }
}

/** A task the load balancer sends requests to. */
export function serving(task: TaskRecord): boolean {
  return task.lastStatus === 'RUNNING' && task.desiredStatus === 'RUNNING' && task.healthStatus === 'HEALTHY';
}

/**
 * The fault a task definition's images carry: the serverContainer's tag first, then the other
 * containers' (an essential sidecar that crashes stops the task too).
 */
function faultOf(
  env: RolloutEnv,
  service: ServiceRecord,
  taskDefinition: TaskDefinitionRecord,
): { fault: Fault | undefined; reportedTag: string } {
  const containers = taskDefinition.containers;
  const server = containers.find((c) => c.name === service.serverContainer) ?? containers[0];
  const ordered = server ? [server, ...containers.filter((c) => c !== server)] : containers;
  const fault = ordered.map((c) => env.faults[imageTag(c.image)]).find((f) => f !== undefined);
  const tag = server ? imageTag(server.image) : 'latest';
  const reportedTag = typeof fault === 'object' && 'reports' in fault ? fault.reports : tag;
  return { fault, reportedTag };
}

function pruneStopped(service: ServiceRecord): void {
  const stopped = service.tasks.filter((t) => t.lastStatus === 'STOPPED');
  if (stopped.length <= STOPPED_TASKS_KEPT) return;
  const drop = new Set(stopped.slice(0, stopped.length - STOPPED_TASKS_KEPT));
  service.tasks = service.tasks.filter((t) => !drop.has(t));
}
