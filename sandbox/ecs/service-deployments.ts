import type {
  ContinueServiceDeploymentCommandInput,
  DescribeServiceDeploymentsCommandInput,
  DescribeServiceRevisionsCommandInput,
  ListServiceDeploymentsCommandInput,
  StopServiceDeploymentCommandInput,
} from '@aws-sdk/client-ecs';
import { SandboxAwsError } from '../aws-error';
import { nowSeconds } from '../ids';
import { paginate } from '../pagination';
import { failureThreshold } from './circuit-breaker';
import { type EcsContext, findCluster, findService, invalidParameter } from './context';
import { awaitingHook } from './lifecycle-hooks';
import type { ServiceDeploymentRecord, ServiceRecord } from './model';
import { reconcile, rollBack } from './rollout';
import { inProgress } from './service-deployment-records';
import { deploymentConfigurationView } from './views';

// The service-deployments API (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/):
// ListServiceDeployments, DescribeServiceDeployments, StopServiceDeployment,
// ContinueServiceDeployment and DescribeServiceRevisions, over the records rollout.ts and
// staged-rollout.ts keep (./service-deployment-records.ts).

function listServiceDeployments(ctx: EcsContext, input: ListServiceDeploymentsCommandInput) {
  const service = findService(ctx.region, findCluster(ctx.region, input.cluster), input.service ?? '');
  if (!service) throw new SandboxAwsError('ServiceNotFoundException', 'Service not found.');
  const after = input.createdAt?.after ? seconds(input.createdAt.after) : undefined;
  const before = input.createdAt?.before ? seconds(input.createdAt.before) : undefined;
  const matching = service.serviceDeployments.filter(
    (sd) =>
      (!input.status?.length || input.status.includes(sd.status)) &&
      (after === undefined || sd.createdAt >= after) &&
      (before === undefined || sd.createdAt <= before),
  );
  // Up to 20 a page unless maxResults says otherwise (1–100), as the API reference gives them.
  const { page, nextToken } = paginate(matching, {
    limit: input.maxResults ?? 20,
    nextToken: input.nextToken,
    max: 100,
    errorType: 'InvalidParameterException',
  });
  return {
    serviceDeployments: page.map((sd) => ({
      serviceDeploymentArn: sd.arn,
      serviceArn: service.arn,
      clusterArn: service.cluster.arn,
      createdAt: sd.createdAt,
      startedAt: sd.startedAt,
      finishedAt: sd.finishedAt,
      targetServiceRevisionArn: sd.target.revision.arn,
      status: sd.status,
      statusReason: sd.statusReason,
    })),
    nextToken,
  };
}

/** The SDK sends timestamps as epoch seconds; a Date given directly (in-process calls) works too. */
function seconds(value: Date | number | string): number {
  return value instanceof Date ? value.getTime() / 1000 : Number(value);
}

function describeServiceDeployments(ctx: EcsContext, input: DescribeServiceDeploymentsCommandInput) {
  const arns = input.serviceDeploymentArns ?? [];
  if (arns.length === 0) throw invalidParameter('serviceDeploymentArns cannot be empty.');
  if (arns.length > 20) throw invalidParameter('serviceDeploymentArns can have at most 20 items.');
  const serviceDeployments = [];
  const failures = [];
  for (const arn of arns) {
    const found = findServiceDeployment(ctx, arn);
    if (found) serviceDeployments.push(serviceDeploymentView(found));
    else failures.push({ arn, reason: 'MISSING' });
  }
  return { serviceDeployments, failures };
}

/**
 * StopServiceDeployment (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stop-service-deployment.html):
 * ROLLBACK returns the service to the previous service revision, whether or not the deployment
 * was configured to roll back; a deployment already rolling back goes on; a finished one cannot
 * be stopped. The API reference says "The valid values are ROLLBACK" though its enum lists ABORT
 * too, without saying what ABORT does: the sandbox refuses ABORT.
 */
function stopServiceDeployment(ctx: EcsContext, input: StopServiceDeploymentCommandInput) {
  const record = requireServiceDeployment(ctx, input.serviceDeploymentArn);
  const stopType = input.stopType ?? 'ROLLBACK';
  if (stopType !== 'ROLLBACK') throw invalidParameter('The valid values for stopType are ROLLBACK.');
  if (!inProgress(record)) {
    throw new SandboxAwsError(
      'ConflictException',
      `The service deployment ${record.arn} is ${record.status} and cannot be stopped.`,
    );
  }
  if (record.status === 'IN_PROGRESS' || record.status === 'PENDING') {
    rollBack(ctx.env, record.service, record, 'Service deployment rolled back by StopServiceDeployment.');
  }
  return { serviceDeploymentArn: record.arn };
}

/**
 * ContinueServiceDeployment: CONTINUE (the default) lets a paused hook's deployment go on to the
 * next stage; ROLLBACK rolls it back to the previous service revision.
 */
function continueServiceDeployment(ctx: EcsContext, input: ContinueServiceDeploymentCommandInput) {
  const record = requireServiceDeployment(ctx, input.serviceDeploymentArn);
  const action = input.action ?? 'CONTINUE';
  if (action !== 'CONTINUE' && action !== 'ROLLBACK') throw invalidParameter('action must be CONTINUE or ROLLBACK.');
  const run = record.status === 'IN_PROGRESS' ? awaitingHook(record, input.hookId ?? '') : undefined;
  if (!run) {
    throw invalidParameter(
      `The service deployment ${record.arn} has no lifecycle hook ${input.hookId ?? ''} awaiting action.`,
    );
  }
  record.updatedAt = nowSeconds();
  if (action === 'CONTINUE') {
    run.status = 'SUCCEEDED';
    reconcile(ctx.env, record.service);
  } else {
    run.status = 'FAILED';
    rollBack(ctx.env, record.service, record, `Lifecycle hook ${run.hookId} asked to roll back at ${run.stage}.`);
  }
  return { serviceDeploymentArn: record.arn };
}

function describeServiceRevisions(ctx: EcsContext, input: DescribeServiceRevisionsCommandInput) {
  const arns = input.serviceRevisionArns ?? [];
  if (arns.length === 0) throw invalidParameter('serviceRevisionArns cannot be empty.');
  if (arns.length > 20) throw invalidParameter('serviceRevisionArns can have at most 20 items.');
  const serviceRevisions = [];
  const failures = [];
  for (const arn of arns) {
    const service = serviceOfArn(ctx, arn, 'service-revision');
    const revision = service?.revisions.find((r) => r.arn === arn);
    if (!service || !revision) {
      failures.push({ arn, reason: 'MISSING' });
      continue;
    }
    serviceRevisions.push({
      serviceRevisionArn: revision.arn,
      serviceArn: service.arn,
      clusterArn: service.cluster.arn,
      taskDefinition: revision.taskDefinition.arn,
      launchType: service.echo.launchType,
      networkConfiguration: service.echo.networkConfiguration,
      containerImages: revision.taskDefinition.containers.map((c) => ({ containerName: c.name, image: c.image })),
      createdAt: revision.createdAt,
    });
  }
  return { serviceRevisions, failures };
}

/** DescribeServiceDeployments' ServiceDeployment. */
function serviceDeploymentView(sd: ServiceDeploymentRecord) {
  const { service, settings } = sd;
  const revisionSummary = (deployment: ServiceDeploymentRecord['target'], production: number, test: number) => {
    const tasks = service.tasks.filter((t) => t.deployment === deployment && t.lastStatus !== 'STOPPED');
    return {
      arn: deployment.revision.arn,
      requestedTaskCount: deployment.desiredCount,
      runningTaskCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingTaskCount: tasks.filter((t) => t.lastStatus === 'PENDING').length,
      ...(sd.stage ? { requestedProductionTrafficWeight: production, requestedTestTrafficWeight: test } : {}),
    };
  };
  const finished = !inProgress(sd);
  const breaker = settings.circuitBreaker;
  return {
    serviceDeploymentArn: sd.arn,
    serviceArn: service.arn,
    clusterArn: service.cluster.arn,
    createdAt: sd.createdAt,
    startedAt: sd.startedAt,
    finishedAt: sd.finishedAt,
    stoppedAt: sd.stoppedAt,
    updatedAt: sd.updatedAt,
    sourceServiceRevisions: sd.source.map((d) => revisionSummary(d, 100 - sd.productionWeight, 100 - sd.testWeight)),
    targetServiceRevision: revisionSummary(sd.target, sd.productionWeight, sd.testWeight),
    status: sd.status,
    statusReason: sd.statusReason,
    ...(sd.stage ? { lifecycleStage: sd.stage } : {}),
    lifecycleHookDetails: sd.hooks.map((run) => ({
      hookId: run.hookId,
      targetType: 'PAUSE',
      status: run.status,
      expiresAt: run.expiresAt,
      timeoutAction: run.timeoutAction,
    })),
    deploymentConfiguration: deploymentConfigurationView(settings),
    ...(sd.rollback
      ? {
          rollback: {
            reason: sd.rollback.reason,
            startedAt: sd.rollback.startedAt,
            serviceRevisionArn: sd.rollback.revision.arn,
          },
        }
      : {}),
    deploymentCircuitBreaker: {
      status: monitorStatus(breaker.enable && !sd.stage, sd.breakerTriggered, finished),
      failureCount: sd.target.failedTasks,
      threshold: failureThreshold(breaker, service.desiredCount),
    },
    alarms: {
      status: monitorStatus(settings.alarms?.enable ?? false, sd.triggeredAlarms.length > 0, finished),
      alarmNames: settings.alarms?.alarmNames ?? [],
      triggeredAlarmNames: sd.triggeredAlarms,
    },
  };
}

/** ServiceDeploymentRollbackMonitorsStatus: DISABLED, MONITORING, TRIGGERED, MONITORING_COMPLETE. */
function monitorStatus(enabled: boolean, triggered: boolean, finished: boolean) {
  if (!enabled) return 'DISABLED';
  if (triggered) return 'TRIGGERED';
  return finished ? 'MONITORING_COMPLETE' : 'MONITORING';
}

/** `arn:aws:ecs:region:account:<kind>/<cluster>/<service>/<id>`'s service. */
function serviceOfArn(ctx: EcsContext, arn: string, kind: string): ServiceRecord | undefined {
  const match = new RegExp(`:${kind}/([^/]+)/([^/]+)/[^/]+$`).exec(arn);
  if (!match?.[1] || !match[2]) return undefined;
  return ctx.region.services.get(`${match[1]}/${match[2]}`);
}

function findServiceDeployment(ctx: EcsContext, arn: string): ServiceDeploymentRecord | undefined {
  return serviceOfArn(ctx, arn, 'service-deployment')?.serviceDeployments.find((sd) => sd.arn === arn);
}

function requireServiceDeployment(ctx: EcsContext, arn: string | undefined): ServiceDeploymentRecord {
  const found = findServiceDeployment(ctx, arn ?? '');
  if (!found) {
    throw new SandboxAwsError('ServiceDeploymentNotFoundException', `The service deployment ${arn} does not exist.`);
  }
  return found;
}

export const serviceDeploymentOperations = {
  ListServiceDeployments: listServiceDeployments,
  DescribeServiceDeployments: describeServiceDeployments,
  StopServiceDeployment: stopServiceDeployment,
  ContinueServiceDeployment: continueServiceDeployment,
  DescribeServiceRevisions: describeServiceRevisions,
};
