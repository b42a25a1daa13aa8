import { type ServiceDeployment as EcsServiceDeployment, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import {
  awaitingPauseHook,
  describeServiceDeploymentsBatched,
  ROLLBACK_STATUSES,
} from '../shared/aws/service-deployments';
import { LIFECYCLE_STAGES } from '../shared/config/gate';
import { wrapAwsError } from '../shared/contracts/errors';
import type { PlannedService, ServiceDeployment } from '../shared/contracts/state';
import { mapWithConcurrency } from '../shared/map-with-concurrency';

/**
 * Where each service's deployment is, as the gate reads it: the service deployment Update Service
 * started (DescribeServiceDeployments, 20 a call), or — when Update Service recorded none — the
 * service's newest one (ListServiceDeployments).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServiceDeployments.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListServiceDeployments.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 */

/** A service's deployment, or why it could not be read (ECS's reads lag its writes). */
export type ReadDeployment = { deployment: EcsServiceDeployment } | { missing: string };

// The fallback lists one service at a time: a few at once stays clear of throttling.
const LIST_CONCURRENCY = 4;

export async function readDeployments(
  services: readonly PlannedService[],
  deployed: readonly ServiceDeployment[],
  clients: Pick<AwsClients, 'ecs'>,
): Promise<ReadDeployment[]> {
  const recorded = new Map(deployed.map((d) => [d.name, d.serviceDeploymentArn]));
  const arns = await mapWithConcurrency([...services], LIST_CONCURRENCY, async (service) => {
    return recorded.get(service.name) ?? (await newestDeployment(service, clients));
  });
  const described = await describeServiceDeploymentsBatched(
    (region) => clients.ecs(region),
    arns.filter((arn): arn is string => arn !== undefined),
  );
  return arns.map((arn, i) => {
    if (arn === undefined) return { missing: `ECS lists no deployment of ${services[i]?.name}` };
    const deployment = described.found.get(arn);
    if (deployment) return { deployment };
    return { missing: `ECS does not describe ${arn} (${described.failures.get(arn)?.reason ?? 'MISSING'})` };
  });
}

async function newestDeployment(
  service: PlannedService,
  clients: Pick<AwsClients, 'ecs'>,
): Promise<string | undefined> {
  try {
    const listed = await clients
      .ecs(service.region)
      .send(new ListServiceDeploymentsCommand({ cluster: service.cluster, service: service.name, maxResults: 100 }));
    const newest = [...(listed.serviceDeployments ?? [])].sort(
      (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
    )[0];
    return newest?.serviceDeploymentArn;
  } catch (error) {
    throw wrapAwsError(`list the deployments of service ${service.name}`, error);
  }
}

/** Where one deployment stands against the gate. */
export type GateStanding =
  | { kind: 'paused'; hookId: string }
  /** Already past the gate and still going: continued (a Continue Gate run again after a throttle). */
  | { kind: 'past' }
  | { kind: 'waiting'; reason: string }
  | { kind: 'failed'; reason: string };

const stageIndex = (stage: string | undefined): number => LIFECYCLE_STAGES.indexOf(stage as never);

/**
 * A deployment that ECS (or its circuit breaker, an alarm, a hook's timeout) rolled back or
 * stopped, or that went past the gate's stage without pausing, has failed the gate: production
 * traffic may reach it, or it will never be continued.
 */
export function standing(deployment: EcsServiceDeployment, stage: string): GateStanding {
  const status = deployment.status ?? 'PENDING';
  const why = deployment.rollback?.reason ?? deployment.statusReason;
  if (ROLLBACK_STATUSES.has(status)) {
    return { kind: 'failed', reason: `rolled back by ECS (${status})${why ? `: ${why}` : ''}` };
  }
  if (status === 'STOPPED' || status === 'STOP_REQUESTED') {
    return { kind: 'failed', reason: `its deployment was stopped (${status})${why ? `: ${why}` : ''}` };
  }
  const timedOut = deployment.lifecycleHookDetails?.find((h) => h.status === 'TIMED_OUT');
  if (timedOut) {
    return {
      kind: 'failed',
      reason: `its ${timedOut.targetType ?? ''} hook at ${deployment.lifecycleStage ?? stage} timed out (ECS then ${timedOut.timeoutAction ?? 'ROLLBACK'}s)`,
    };
  }
  const hook = awaitingPauseHook(deployment);
  if (hook && deployment.lifecycleStage === stage) return { kind: 'paused', hookId: hook.hookId };
  const at = deployment.lifecycleStage;
  if (status === 'SUCCESSFUL' || stageIndex(at) > stageIndex(stage)) {
    return { kind: 'past' };
  }
  return { kind: 'waiting', reason: `not paused at ${stage} yet (${status}${at ? ` at ${at}` : ''})` };
}
