import { SandboxAwsError } from '../aws-error';
import { nameOf } from '../ids';
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

/** `family`, `family:revision` or a full ARN; a bare family means its newest ACTIVE revision. */
export function findTaskDefinition(region: EcsRegion, reference: string): TaskDefinitionRecord | undefined {
  const short = reference.startsWith('arn:') ? (reference.split('/').pop() ?? '') : reference;
  const [family = '', revision] = short.split(':');
  const revisions = region.taskDefinitions.get(family) ?? [];
  if (revision === undefined) return revisions.filter((td) => td.status === 'ACTIVE').pop();
  return revisions.find((td) => td.revision === Number(revision));
}
