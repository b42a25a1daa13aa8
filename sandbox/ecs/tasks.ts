import type { DescribeTasksCommandInput, ListTasksCommandInput, StopTaskCommandInput } from '@aws-sdk/client-ecs';
import { SandboxAwsError } from '../aws-error';
import { nameOf } from '../ids';
import { paginate } from '../pagination';
import { type EcsContext, findCluster, findService, invalidParameter } from './context';
import type { EcsRegion, ServiceRecord, TaskRecord } from './model';
import { reconcile } from './rollout';
import { stopTask } from './task-lifecycle';
import { taskView } from './views';

function tasksOfCluster(region: EcsRegion, cluster: string | undefined): TaskRecord[] {
  const record = findCluster(region, cluster);
  return [...region.services.values()].filter((s) => s.cluster === record).flatMap((s) => s.tasks);
}

/** ListTasks as ECS pages it: at most 100 ARNs a page, RUNNING (desired) tasks unless asked otherwise. */
function listTasks(ctx: EcsContext, input: ListTasksCommandInput) {
  let tasks = tasksOfCluster(ctx.region, input.cluster);
  if (input.serviceName !== undefined) {
    const service = findService(ctx.region, findCluster(ctx.region, input.cluster), input.serviceName);
    if (!service) throw new SandboxAwsError('ServiceNotFoundException', 'Service not found.');
    tasks = service.tasks;
  }
  const desiredStatus = input.desiredStatus ?? 'RUNNING';
  tasks = tasks.filter((t) =>
    desiredStatus === 'STOPPED' ? t.lastStatus === 'STOPPED' : t.desiredStatus === 'RUNNING',
  );
  if (input.family !== undefined) tasks = tasks.filter((t) => t.taskDefinition.family === input.family);
  if (input.startedBy !== undefined) tasks = tasks.filter((t) => t.deployment.id === input.startedBy);
  const { page, nextToken } = paginate(
    tasks.map((t) => t.arn),
    { limit: input.maxResults, nextToken: input.nextToken, max: 100, errorType: 'InvalidParameterException' },
  );
  return { taskArns: page, nextToken };
}

function describeTasks(ctx: EcsContext, input: DescribeTasksCommandInput) {
  const references = input.tasks ?? [];
  if (references.length === 0) throw invalidParameter('Tasks cannot be empty.');
  if (references.length > 100) throw invalidParameter('Tasks can have at most 100 items.');
  const byId = new Map(tasksOfCluster(ctx.region, input.cluster).map((t) => [t.id, t]));
  const tasks = [];
  const failures = [];
  for (const reference of references) {
    const task = byId.get(nameOf(reference));
    if (task) tasks.push(taskView(task));
    else failures.push({ arn: reference, reason: 'MISSING' });
  }
  return { tasks, failures };
}

function stopTaskOperation(ctx: EcsContext, input: StopTaskCommandInput) {
  const task = tasksOfCluster(ctx.region, input.cluster).find((t) => t.id === nameOf(input.task ?? ''));
  if (!task) throw invalidParameter('The referenced task was not found.');
  stopTask(ctx.env, task, input.reason ?? 'Task stopped by user', 'UserInitiated');
  const service: ServiceRecord = task.service;
  reconcile(ctx.env, service);
  return { task: taskView(task) };
}

export const taskOperations = {
  ListTasks: listTasks,
  DescribeTasks: describeTasks,
  StopTask: stopTaskOperation,
};
