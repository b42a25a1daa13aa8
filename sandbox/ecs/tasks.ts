import type { DescribeTasksCommandInput, ListTasksCommandInput, StopTaskCommandInput } from '@aws-sdk/client-ecs';
import { SandboxAwsError } from '../aws-error';
import { nameOf } from '../ids';
import { paginate } from '../pagination';
import { type EcsContext, findCluster, findService, invalidParameter } from './context';
import type { EcsRegion, ServiceRecord, TaskRecord } from './model';
import { reconcile, stopTask } from './rollout';
import { type StandaloneTask, standaloneTasks, standaloneTaskView, stopStandaloneTask } from './run-task';
import { taskView } from './views';

/**
 * A cluster's tasks as ListTasks, DescribeTasks and StopTask see them: the services' tasks and the
 * standalone ones RunTask started (a scheduled rule's), which ECS lists side by side
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html).
 */
type ClusterTask = { kind: 'service'; task: TaskRecord } | { kind: 'standalone'; task: StandaloneTask };

function tasksOfCluster(region: EcsRegion, cluster: string | undefined): ClusterTask[] {
  const record = findCluster(region, cluster);
  const ofServices = [...region.services.values()]
    .filter((s) => s.cluster === record)
    .flatMap((s) => s.tasks.map((task): ClusterTask => ({ kind: 'service', task })));
  const standalone = standaloneTasks(region)
    .filter((t) => t.cluster === record)
    .map((task): ClusterTask => ({ kind: 'standalone', task }));
  return [...ofServices, ...standalone];
}

const startedBy = (t: ClusterTask) => (t.kind === 'service' ? t.task.deployment.id : t.task.startedBy);
const desiredStatus = (t: ClusterTask) =>
  t.kind === 'service' ? t.task.desiredStatus : t.task.lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING';
const view = (t: ClusterTask) => (t.kind === 'service' ? taskView(t.task) : standaloneTaskView(t.task));

/** ListTasks as ECS pages it: at most 100 ARNs a page, RUNNING (desired) tasks unless asked otherwise. */
function listTasks(ctx: EcsContext, input: ListTasksCommandInput) {
  let tasks = tasksOfCluster(ctx.region, input.cluster);
  if (input.serviceName !== undefined) {
    const service = findService(ctx.region, findCluster(ctx.region, input.cluster), input.serviceName);
    if (!service) throw new SandboxAwsError('ServiceNotFoundException', 'Service not found.');
    tasks = service.tasks.map((task) => ({ kind: 'service', task }));
  }
  const wanted = input.desiredStatus ?? 'RUNNING';
  tasks = tasks.filter((t) =>
    wanted === 'STOPPED' ? t.task.lastStatus === 'STOPPED' : desiredStatus(t) === 'RUNNING',
  );
  if (input.family !== undefined) tasks = tasks.filter((t) => t.task.taskDefinition.family === input.family);
  if (input.startedBy !== undefined) tasks = tasks.filter((t) => startedBy(t) === input.startedBy);
  const { page, nextToken } = paginate(
    tasks.map((t) => t.task.arn),
    { limit: input.maxResults, nextToken: input.nextToken, max: 100, errorType: 'InvalidParameterException' },
  );
  return { taskArns: page, nextToken };
}

function describeTasks(ctx: EcsContext, input: DescribeTasksCommandInput) {
  const references = input.tasks ?? [];
  if (references.length === 0) throw invalidParameter('Tasks cannot be empty.');
  if (references.length > 100) throw invalidParameter('Tasks can have at most 100 items.');
  const byId = new Map(tasksOfCluster(ctx.region, input.cluster).map((t) => [t.task.id, t]));
  const tasks = [];
  const failures = [];
  for (const reference of references) {
    const task = byId.get(nameOf(reference));
    if (task) tasks.push(view(task));
    else failures.push({ arn: reference, reason: 'MISSING' });
  }
  return { tasks, failures };
}

function stopTaskOperation(ctx: EcsContext, input: StopTaskCommandInput) {
  const found = tasksOfCluster(ctx.region, input.cluster).find((t) => t.task.id === nameOf(input.task ?? ''));
  if (!found) throw invalidParameter('The referenced task was not found.');
  const reason = input.reason ?? 'Task stopped by user';
  if (found.kind === 'standalone') {
    stopStandaloneTask(found.task, reason);
    return { task: standaloneTaskView(found.task) };
  }
  stopTask(ctx.env, found.task, reason, 'UserInitiated');
  const service: ServiceRecord = found.task.service;
  reconcile(ctx.env, service);
  return { task: taskView(found.task) };
}

export const taskOperations = {
  ListTasks: listTasks,
  DescribeTasks: describeTasks,
  StopTask: stopTaskOperation,
};
