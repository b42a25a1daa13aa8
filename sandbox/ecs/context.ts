import { SandboxAwsError } from '../aws-error';
import { ACCOUNT, nameOf, nowSeconds } from '../ids';
import type { ClusterRecord, EcsRegion, ServiceRecord, TaskDefinitionRecord } from './model';
import type { RolloutEnv } from './rollout';

/** What every ECS operation is handed: the caller's region's state and the rollout engine's env. */
export interface EcsContext {
  region: EcsRegion;
  env: RolloutEnv;
}

export function clientError(message: string): SandboxAwsError {
  return new SandboxAwsError('ClientException', message);
}

export function invalidParameter(message: string): SandboxAwsError {
  return new SandboxAwsError('InvalidParameterException', message);
}

/** The cluster a request names (name or ARN; ECS's default cluster when omitted). */
export function findCluster(region: EcsRegion, cluster: string | undefined): ClusterRecord {
  const found = region.clusters.get(nameOf(cluster ?? 'default'));
  if (!found) throw new SandboxAwsError('ClusterNotFoundException', 'Cluster not found.');
  return found;
}

export function findService(region: EcsRegion, cluster: ClusterRecord, service: string): ServiceRecord | undefined {
  return region.services.get(`${cluster.name}/${nameOf(service)}`);
}

/**
 * `family`, `family:revision` or a full ARN; a bare family means its newest ACTIVE revision.
 * `visibleOnly`: as a read right after RegisterTaskDefinition sees it, without the revisions
 * still within fleet.consistency.ecsSeconds (a bare family then means the one before).
 */
export function findTaskDefinition(
  region: EcsRegion,
  reference: string,
  visibleOnly = false,
): TaskDefinitionRecord | undefined {
  const short = reference.startsWith('arn:') ? (reference.split('/').pop() ?? '') : reference;
  const [family = '', revision] = short.split(':');
  const now = nowSeconds();
  const revisions = (region.taskDefinitions.get(family) ?? []).filter((td) => !visibleOnly || td.visibleAt <= now);
  if (revision === undefined) return revisions.filter((td) => td.status === 'ACTIVE').pop();
  return revisions.find((td) => td.revision === Number(revision));
}

/** The ARN ECS gives a service: the long form since 2021, `service/<name>` for a short-ARN one. */
export function serviceArn(region: string, cluster: string, name: string, short: boolean): string {
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-arn-migration.html
  return short
    ? `arn:aws:ecs:${region}:${ACCOUNT}:service/${name}`
    : `arn:aws:ecs:${region}:${ACCOUNT}:service/${cluster}/${name}`;
}
