import type { LaunchType, RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { ACCOUNT, hexId, nowSeconds } from '../ids';
import { clientError, type EcsContext, findCluster, findTaskDefinition, invalidParameter } from './context';
import { imageTag } from './image-ref';
import type { ClusterRecord, EcsRegion, TaskDefinitionRecord } from './model';

/**
 * RunTask, the smallest version that lets EventBridge run a scheduled rule's ECS targets:
 * standalone tasks (no service) that start after taskStartSeconds, or stop at once when their
 * image tag carries the `crash` fault. They are kept beside the services' tasks, per region.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
 */
export interface StandaloneTask {
  id: string;
  arn: string;
  cluster: ClusterRecord;
  taskDefinition: TaskDefinitionRecord;
  /** EventBridge starts its tasks as `events-rule/<rule name>`. */
  startedBy?: string;
  group: string;
  launchType: LaunchType;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: 'EssentialContainerExited' | 'UserInitiated';
  exitCode?: number;
}

const standalone = new WeakMap<EcsRegion, StandaloneTask[]>();

/** The standalone tasks RunTask started in this region, oldest first. */
export function standaloneTasks(region: EcsRegion): StandaloneTask[] {
  let tasks = standalone.get(region);
  if (!tasks) {
    tasks = [];
    standalone.set(region, tasks);
  }
  return tasks;
}

/** RunTask's `count` is 1 to 10 (API_RunTask.html, `count`). */
const MAX_COUNT = 10;

export function runTask(ctx: EcsContext, input: RunTaskCommandInput) {
  const count = input.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw invalidParameter(`count must be between 1 and ${MAX_COUNT}.`);
  }
  const cluster = findCluster(ctx.region, input.cluster);
  const taskDefinition = findTaskDefinition(ctx.region, input.taskDefinition ?? '');
  if (!taskDefinition) throw clientError('Unable to describe task definition.');
  // "You can't use an INACTIVE task definition to run new tasks"
  // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterTaskDefinition.html).
  if (taskDefinition.status !== 'ACTIVE') throw clientError('TaskDefinition is inactive');
  const tasks = Array.from({ length: count }, () => launch(ctx, cluster, taskDefinition, input));
  return { tasks: tasks.map(standaloneTaskView), failures: [] };
}

function launch(
  ctx: EcsContext,
  cluster: ClusterRecord,
  taskDefinition: TaskDefinitionRecord,
  input: RunTaskCommandInput,
): StandaloneTask {
  const id = hexId();
  const task: StandaloneTask = {
    id,
    arn: `arn:aws:ecs:${ctx.region.name}:${ACCOUNT}:task/${cluster.name}/${id}`,
    cluster,
    taskDefinition,
    startedBy: input.startedBy,
    group: input.group ?? `family:${taskDefinition.family}`,
    launchType: input.launchType ?? 'FARGATE',
    lastStatus: 'PENDING',
    createdAt: nowSeconds(),
  };
  standaloneTasks(ctx.region).push(task);
  const { timing, faults, timers } = ctx.env;
  const fault = taskDefinition.containers.map((c) => faults[imageTag(c.image)]).find((f) => f !== undefined);
  const delay = typeof fault === 'object' && 'startSeconds' in fault ? fault.startSeconds : timing.taskStartSeconds;
  timers.after(delay * (timing.scale ?? 1), () => {
    // StopTask got there first.
    if (task.lastStatus === 'STOPPED') return;
    if (fault === 'crash') {
      Object.assign(task, {
        lastStatus: 'STOPPED',
        stoppedAt: nowSeconds(),
        stoppedReason: 'Essential container in task exited',
        stopCode: 'EssentialContainerExited',
        exitCode: 1,
      });
      return;
    }
    task.lastStatus = 'RUNNING';
    task.startedAt = nowSeconds();
  });
  return task;
}

/** The task as DescribeTasks and RunTask answer it (epoch seconds, as the JSON protocol carries times). */
export function standaloneTaskView(task: StandaloneTask) {
  return {
    taskArn: task.arn,
    clusterArn: task.cluster.arn,
    taskDefinitionArn: task.taskDefinition.arn,
    group: task.group,
    startedBy: task.startedBy,
    launchType: task.launchType,
    lastStatus: task.lastStatus,
    desiredStatus: task.lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
    createdAt: task.createdAt,
    startedAt: task.startedAt,
    stoppedAt: task.stoppedAt,
    stoppedReason: task.stoppedReason,
    stopCode: task.stopCode,
    containers: task.taskDefinition.containers.map((c) => ({
      name: c.name,
      image: c.image,
      taskArn: task.arn,
      lastStatus: task.lastStatus,
      ...(task.exitCode === undefined ? {} : { exitCode: task.exitCode }),
    })),
  };
}

/** StopTask of a standalone task: it stops at once (no load balancer to drain from). */
export function stopStandaloneTask(task: StandaloneTask, reason: string): void {
  if (task.lastStatus === 'STOPPED') return;
  Object.assign(task, {
    lastStatus: 'STOPPED',
    stoppedAt: nowSeconds(),
    stoppedReason: reason,
    stopCode: 'UserInitiated',
  });
}

/** RunTask on the API, beside the rule fires of sandbox/control-routes.ts. */
export const runTaskOperations = { RunTask: runTask };
