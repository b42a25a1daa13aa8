import {
  ContinueServiceDeploymentCommand,
  type ServiceDeployment as EcsServiceDeployment,
  ListServiceDeploymentsCommand,
  type Service,
  type ServiceDeploymentStatus,
  StopServiceDeploymentCommand,
} from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import {
  awaitingPauseHook,
  describeServiceDeploymentsBatched,
  ONGOING_STATUSES,
  strategyOf,
} from '../shared/aws/service-deployments';
import { TransientAwsError, wrapAwsError } from '../shared/contracts/errors';
import type { PlannedService } from '../shared/contracts/state';

/**
 * How a BLUE_GREEN, LINEAR or CANARY service's own deployment is rolled back while ECS is still
 * running it, rather than by a new UpdateService:
 * - paused at a PAUSE hook (AWAITING_ACTION): ContinueServiceDeployment(ROLLBACK), the way AWS
 *   documents for a paused deployment (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/continue-service-deployment.html:
 *   "ROLLBACK - This option rolls back the service deployment to the previous service revision").
 *   StopServiceDeployment also takes an IN_PROGRESS deployment, but its page is written for
 *   deployments the circuit breaker and alarms missed; acting on the hook the deployment waits on
 *   also settles that hook, so it never times out into its own timeoutAction afterwards;
 * - PENDING or IN_PROGRESS: StopServiceDeployment(ROLLBACK), which ECS moves to ROLLBACK_REQUESTED
 *   and rolls back to the previous service revision even without rollback configured
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stop-service-deployment.html);
 *   production traffic goes straight back to the blue revision, still running, where a new
 *   UpdateService would start a whole new blue/green deployment with its bake time;
 * - ROLLBACK_REQUESTED or ROLLBACK_IN_PROGRESS: ECS is rolling it back already: nothing to do.
 * Anything else (finished: SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED) is left to
 * the UpdateService path, which checks the service ends on the exact previous revision.
 *
 * ROLLING services always take the UpdateService path: UpdateService to the recorded revision is
 * exact, while a stop returns to ECS's last steady revision, and that path's handling of ECS's
 * circuit-breaker rollback and of late deploy writes is proven.
 *
 * The rollback drain (Check Rollback Drain, expect 'previous') then checks that the service runs
 * the exact previous revision, whichever way it got there.
 */
export type EcsRollback = 'continued-rollback' | 'stopped-rollback' | 'ecs-rolling-back';

export async function rollBackServiceDeployment(
  service: PlannedService,
  current: Service,
  clients: Pick<AwsClients, 'ecs'>,
  where: string,
): Promise<EcsRollback | null> {
  const strategy = service.strategy ?? strategyOf(current);
  if (strategy === 'ROLLING') return null;
  const arn = (await ongoingDeployment(service, clients, where)) ?? current.currentServiceDeployment;
  if (!arn) return null;
  const deployment = await describe(arn, clients, where);
  if (!deployment) return null;
  const status = deployment.status ?? '';
  if (status === 'ROLLBACK_REQUESTED' || status === 'ROLLBACK_IN_PROGRESS') return 'ecs-rolling-back';
  if (!ONGOING_STATUSES.has(status)) return null;
  const ecs = clients.ecs(service.region);
  const paused = awaitingPauseHook(deployment);
  try {
    if (paused) {
      await ecs.send(
        new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: paused.hookId, action: 'ROLLBACK' }),
      );
      return 'continued-rollback';
    }
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));
    return 'stopped-rollback';
  } catch (error) {
    const wrapped = wrapAwsError(`roll back the deployment ${arn} of ${where}`, error);
    if (wrapped instanceof TransientAwsError) throw wrapped;
    // The deployment finished (or the hook timed out) between the read and the write: ECS refuses
    // to stop what is over (ConflictException). UpdateService to the previous revision still works.
    return null;
  }
}

/**
 * The service's newest deployment ECS has not finished, from ListServiceDeployments: not from
 * DescribeServices' `currentServiceDeployment`, whose read lags UpdateService. A rollback right
 * after the deploy (a gate failing at once) read the previous, finished deployment there, took
 * the UpdateService path, and that new deployment paused at the service's PAUSE hook.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListServiceDeployments.html
 */
const UNFINISHED: ServiceDeploymentStatus[] = ['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'];

async function ongoingDeployment(
  service: PlannedService,
  clients: Pick<AwsClients, 'ecs'>,
  where: string,
): Promise<string | undefined> {
  try {
    const listed = await clients
      .ecs(service.region)
      .send(new ListServiceDeploymentsCommand({ cluster: service.cluster, service: service.name, status: UNFINISHED }));
    const newest = [...(listed.serviceDeployments ?? [])].sort(
      (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
    )[0];
    return newest?.serviceDeploymentArn;
  } catch (error) {
    const wrapped = wrapAwsError(`list the deployments of ${where}`, error);
    if (wrapped instanceof TransientAwsError) throw wrapped;
    return undefined;
  }
}

async function describe(
  arn: string,
  clients: Pick<AwsClients, 'ecs'>,
  where: string,
): Promise<EcsServiceDeployment | undefined> {
  try {
    return (await describeServiceDeploymentsBatched(clients.ecs, [arn])).found.get(arn);
  } catch (error) {
    const wrapped = wrapAwsError(`read the deployment ${arn} of ${where}`, error);
    if (wrapped instanceof TransientAwsError) throw wrapped;
    // Unreadable (no permission yet, an old deployment): UpdateService still puts the service back.
    return undefined;
  }
}
