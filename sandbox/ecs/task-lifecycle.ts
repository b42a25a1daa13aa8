import type { Fault } from '../fleet';
import { ACCOUNT, hexId, nowSeconds } from '../ids';
import { taskFailed } from './circuit-breaker';
import { drainDelay, healthyDelay, nextTaskUnhealthy, startDelay, unhealthyDelay } from './health-checks';
import { imageTag } from './image-ref';
import type { DeploymentRecord, ServiceRecord, TaskDefinitionRecord, TaskRecord } from './model';
import { type RolloutEnv, reconcile } from './rollout';
import { addEvent } from './service-events';

// ECS keeps stopped tasks visible for a while; a bounded number is enough to inspect a failure.
const STOPPED_TASKS_KEPT = 100;

/**
 * Starts a PENDING task of `deployment`: it turns RUNNING after its start delay (or at once when
 * `immediate`), then passes or fails its health checks (./health-checks.ts).
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
    unhealthy: nextTaskUnhealthy(fault, deployment),
    createdAt: nowSeconds(),
  };
  service.tasks.push(task);
  deployment.updatedAt = task.createdAt;
  if (service.serves && fault !== 'crash') task.port = env.servers.acquire(service.name, reportedTag);
  if (immediate) {
    taskStarted(env, task, true);
  } else {
    env.timers.after(startDelay(env, fault), () => {
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
    taskFailed(env, service, task.deployment);
    // Seeding starts tasks synchronously; replacements must wait for the next turn.
    env.timers.after(0, () => reconcile(env, service));
    return;
  }
  task.lastStatus = 'RUNNING';
  task.startedAt = nowSeconds();
  task.deployment.updatedAt = task.startedAt;
  if (!task.unhealthy) {
    const delay = immediate ? 0 : healthyDelay(env);
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
  env.timers.after(unhealthyDelay(env, typeof grace === 'number' ? grace : undefined), () => {
    if (task.desiredStatus !== 'RUNNING') return;
    stopTask(env, task, 'Task failed container health checks', 'TaskFailedToStart');
    addEvent(service, `(service ${service.name}) (task ${task.id}) failed container health checks.`);
    taskFailed(env, service, task.deployment);
    reconcile(env, service);
  });
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
  const drainSeconds = drainDelay(env, task.fault);
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
