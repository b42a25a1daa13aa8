import type {
  Cluster,
  Deployment,
  DeploymentConfiguration,
  DeploymentLifecycleHookStage,
  Service,
  Task,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ACCOUNT } from '../ids';
import type {
  ClusterRecord,
  DeploymentRecord,
  DeploymentSettings,
  ServiceRecord,
  TaskDefinitionRecord,
  TaskRecord,
} from './model';

/**
 * ECS's JSON shapes of the sandbox's records. Timestamps are epoch seconds on the wire, which
 * the SDK turns into Dates; the SDK's types say Date, hence the casts at this one boundary.
 */
type Wire<T> = { [K in keyof T]: T[K] extends Date | undefined ? number | undefined : T[K] };

export function taskDefinitionView(td: TaskDefinitionRecord): Wire<TaskDefinition> {
  return {
    ...(td.body as TaskDefinition),
    taskDefinitionArn: td.arn,
    family: td.family,
    revision: td.revision,
    status: td.status,
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [],
    registeredAt: td.registeredAt,
    registeredBy: `arn:aws:iam::${ACCOUNT}:root`,
    ...(td.deregisteredAt === undefined ? {} : { deregisteredAt: td.deregisteredAt }),
  } as Wire<TaskDefinition>;
}

export function clusterView(cluster: ClusterRecord, services: ServiceRecord[]): Cluster {
  const mine = services.filter((s) => s.cluster === cluster && s.status !== 'INACTIVE');
  const tasks = mine.flatMap((s) => s.tasks);
  return {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: 'ACTIVE',
    registeredContainerInstancesCount: 0,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => t.lastStatus === 'PENDING').length,
    activeServicesCount: mine.length,
    tags: cluster.tags,
  };
}

function deploymentView(service: ServiceRecord, d: DeploymentRecord): Wire<Deployment> {
  const tasks = service.tasks.filter((t) => t.deployment === d);
  return {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinition.arn,
    desiredCount: d.desiredCount,
    pendingCount: tasks.filter((t) => t.lastStatus === 'PENDING').length,
    runningCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    failedTasks: d.failedTasks,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    launchType: service.echo.launchType as Deployment['launchType'],
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
  };
}

export function serviceView(service: ServiceRecord, includeTags: boolean): Service {
  const primary = service.deployments[0];
  const live = service.tasks.filter((t) => t.lastStatus !== 'STOPPED');
  const view = {
    ...service.echo,
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: service.cluster.arn,
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: live.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingCount: live.filter((t) => t.lastStatus === 'PENDING').length,
    taskDefinition: primary?.taskDefinition.arn,
    deploymentConfiguration: deploymentConfigurationView(service.settings),
    deployments: service.deployments.map((d) => deploymentView(service, d)),
    // API_Service.html: the deployment in progress or the last one, and the revisions running.
    currentServiceDeployment: service.serviceDeployments[0]?.arn,
    currentServiceRevisions: service.deployments.map((d) => {
      const tasks = live.filter((t) => t.deployment === d);
      return {
        arn: d.revision.arn,
        requestedTaskCount: d.desiredCount,
        runningTaskCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
        pendingTaskCount: tasks.filter((t) => t.lastStatus === 'PENDING').length,
      };
    }),
    events: service.events.map((e) => ({ id: e.id, createdAt: e.createdAt, message: e.message })),
    createdAt: service.createdAt,
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: 'ECS' },
    ...(includeTags ? { tags: service.tags } : {}),
  };
  return view as unknown as Service;
}

/** ECS's DeploymentConfiguration of the settings, the strategy's own keys only where it uses them. */
export function deploymentConfigurationView(settings: DeploymentSettings): DeploymentConfiguration {
  const { strategy } = settings;
  return {
    maximumPercent: settings.maximumPercent,
    minimumHealthyPercent: settings.minimumHealthyPercent,
    deploymentCircuitBreaker: settings.circuitBreaker,
    strategy,
    ...(strategy === 'ROLLING' ? {} : { bakeTimeInMinutes: settings.bakeTimeInMinutes }),
    ...(strategy === 'CANARY' ? { canaryConfiguration: settings.canary } : {}),
    ...(strategy === 'LINEAR' ? { linearConfiguration: settings.linear } : {}),
    ...(settings.lifecycleHooks.length > 0
      ? {
          lifecycleHooks: settings.lifecycleHooks.map((hook) => ({
            targetType: hook.targetType,
            lifecycleStages: hook.lifecycleStages as DeploymentLifecycleHookStage[],
            timeoutConfiguration: { timeoutInMinutes: hook.timeoutInMinutes, action: hook.action },
          })),
        }
      : {}),
    ...(settings.alarms ? { alarms: settings.alarms } : {}),
  };
}

export function taskView(task: TaskRecord): Wire<Task> {
  const { service } = task;
  return {
    taskArn: task.arn,
    clusterArn: service.cluster.arn,
    taskDefinitionArn: task.taskDefinition.arn,
    group: `service:${service.name}`,
    startedBy: task.deployment.id,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    healthStatus: task.healthStatus,
    launchType: (service.echo.launchType as Task['launchType']) ?? 'FARGATE',
    cpu: task.taskDefinition.body.cpu as string | undefined,
    memory: task.taskDefinition.body.memory as string | undefined,
    createdAt: task.createdAt,
    startedAt: task.startedAt,
    stoppingAt: task.stoppingAt,
    stoppedAt: task.stoppedAt,
    stoppedReason: task.stoppedReason,
    stopCode: task.stopCode,
    version: 1,
    containers: task.taskDefinition.containers.map((c) => ({
      name: c.name,
      image: c.image,
      taskArn: task.arn,
      lastStatus: task.lastStatus,
      healthStatus: task.healthStatus,
      ...(task.exitCode === undefined ? {} : { exitCode: task.exitCode }),
    })),
  };
}
