import { randomBytes } from 'node:crypto';
import { ACCOUNT, nowSeconds } from '../ids';
import type {
  DeploymentRecord,
  ServiceDeploymentRecord,
  ServiceDeploymentStatus,
  ServiceRecord,
  ServiceRevisionRecord,
  TaskDefinitionRecord,
} from './model';

/**
 * ECS's records of a service's history
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment.html): every
 * deployment, rolling ones included, is a service deployment from the revisions running when it
 * started (source) to the one it deploys (target), each a service revision.
 */

// ECS keeps the service's history; a bounded number is enough for any deployment a test runs.
const KEPT = 100;

/** A new service revision for `taskDefinition`, its id the deployment's number as ECS numbers both. */
export function newRevision(
  service: ServiceRecord,
  taskDefinition: TaskDefinitionRecord,
  number: string,
): ServiceRevisionRecord {
  const revision = {
    arn: `arn:aws:ecs:${service.region}:${ACCOUNT}:service-revision/${service.cluster.name}/${service.name}/${number}`,
    taskDefinition,
    createdAt: nowSeconds(),
  };
  service.revisions.push(revision);
  if (service.revisions.length > KEPT) service.revisions.shift();
  return revision;
}

/**
 * Records a new service deployment of `target`. One still in progress is superseded: ECS stops it
 * (STOPPED) as the new one takes over, as UpdateService during a rollout does.
 */
export function beginServiceDeployment(service: ServiceRecord, target: DeploymentRecord): ServiceDeploymentRecord {
  const now = nowSeconds();
  for (const previous of service.serviceDeployments.filter(inProgress)) {
    finish(previous, 'STOPPED', 'A newer service deployment started.');
  }
  const id = randomBytes(16).toString('base64url').slice(0, 22);
  const record: ServiceDeploymentRecord = {
    // The form in StopServiceDeployment's example:
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html
    arn: `arn:aws:ecs:${service.region}:${ACCOUNT}:service-deployment/${service.cluster.name}/${service.name}/${id}`,
    service,
    settings: service.settings,
    status: 'IN_PROGRESS',
    source: service.deployments.filter((d) => d !== target),
    target,
    stageEntry: 0,
    stageWorkDone: false,
    productionWeight: 0,
    testWeight: 0,
    hooks: [],
    triggeredAlarms: [],
    breakerTriggered: false,
    createdAt: now,
    startedAt: now,
    updatedAt: now,
  };
  service.serviceDeployments.unshift(record);
  service.serviceDeployments.length = Math.min(service.serviceDeployments.length, KEPT);
  return record;
}

/** Whether ECS is still working on it (StopServiceDeployment's stoppable states). */
export function inProgress(record: ServiceDeploymentRecord): boolean {
  return ['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'].includes(
    record.status,
  );
}

/** Ends a service deployment: `finishedAt` when it reached its goal, `stoppedAt` when it was stopped. */
export function finish(record: ServiceDeploymentRecord, status: ServiceDeploymentStatus, reason: string): void {
  const now = nowSeconds();
  record.status = status;
  record.statusReason = reason;
  record.updatedAt = now;
  if (status === 'STOPPED') record.stoppedAt = now;
  else record.finishedAt = now;
  for (const hook of record.hooks) if (hook.status === 'AWAITING_ACTION') hook.status = 'FAILED';
}

/** The deployment turns into a rollback to `revision`, as ECS reports it (ServiceDeployment.rollback). */
export function beginRollback(record: ServiceDeploymentRecord, reason: string, revision: ServiceRevisionRecord): void {
  const now = nowSeconds();
  record.status = 'ROLLBACK_IN_PROGRESS';
  record.statusReason = reason;
  record.rollback = { reason, startedAt: now, revision };
  record.updatedAt = now;
  record.waitUntil = undefined;
  record.productionWeight = 0;
  record.testWeight = 0;
}

/** The service deployment a deployment belongs to: its target, or the rollback it runs. */
export function serviceDeploymentOf(
  service: ServiceRecord,
  deployment: DeploymentRecord,
): ServiceDeploymentRecord | undefined {
  return service.serviceDeployments.find((sd) => sd.target === deployment || sd.rollbackDeployment === deployment);
}
