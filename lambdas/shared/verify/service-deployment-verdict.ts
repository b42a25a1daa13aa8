import type { ServiceDeployment as EcsServiceDeployment, Failure } from '@aws-sdk/client-ecs';
import {
  awaitingPauseHook,
  ONGOING_STATUSES,
  PRODUCTION_SHIFTED_STAGES,
  rolledBackByEcs,
} from '../aws/service-deployments';
import type { ExpectedService, Verdict } from './round';

/**
 * The verdict on a BLUE_GREEN, LINEAR or CANARY service from its service deployment, ECS's own
 * record of the deployment's progress and outcome:
 * - ROLLBACK_* (ECS rolled it back: alarm, circuit breaker, a hook) or STOP_REQUESTED/STOPPED:
 *   failed, with ECS's reason;
 * - SUCCESSFUL: done, in either phase (ECS finished the deployment, bake time included);
 * - PENDING/IN_PROGRESS: verify is done once production traffic has shifted to the new revision
 *   (lifecycleStage POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME or CLEAN_UP; the caller still wants
 *   its url to answer the new SHA); drain waits until SUCCESSFUL. A waiting verdict says where
 *   the deployment stands, which the round tells if the phase expires.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment.html (statuses)
 */
export function serviceDeploymentVerdict(
  expected: ExpectedService,
  deployment: EcsServiceDeployment,
  phase: 'verify' | 'drain',
): Verdict {
  const service = expected.name;
  const status = deployment.status ?? 'PENDING';
  const rolledBack = rolledBackByEcs(deployment);
  if (rolledBack) return { service, state: 'failed', reason: rolledBack, ecs: true };
  if (status === 'STOP_REQUESTED' || status === 'STOPPED') {
    return {
      service,
      state: 'failed',
      reason: `ECS stopped the deployment (${status}): ${deployment.statusReason ?? 'no reason given'}`,
      ecs: true,
    };
  }
  if (status === 'SUCCESSFUL') return { service, state: 'done' };
  if (!ONGOING_STATUSES.has(status)) {
    return { service, state: 'failed', reason: `ECS reports the deployment ${status}`, ecs: true };
  }
  const stage = deployment.lifecycleStage ?? 'no stage yet';
  if (phase === 'verify' && PRODUCTION_SHIFTED_STAGES.has(stage)) return { service, state: 'done' };
  const paused = awaitingPauseHook(deployment);
  const where = paused ? `paused at ${stage} (PAUSE hook ${paused.hookId} awaiting action)` : `${status} at ${stage}`;
  return { service, state: 'waiting', reason: `ECS deployment ${where}` };
}

/**
 * A service deployment ECS did not return. Early in the phase that is ECS's reads lagging
 * Update Service's write; after that, the deployment is unknown to ECS.
 */
export function serviceDeploymentNotFound(expected: ExpectedService, failure: Failure | undefined): Verdict {
  const reason = `${failure?.reason ?? 'MISSING'}${failure?.detail ? ` (${failure.detail})` : ''}`;
  if (expected.phaseStartedAt !== null) {
    return { service: expected.name, state: 'waiting', reason: `service deployment not visible yet: ${reason}` };
  }
  return {
    service: expected.name,
    state: 'failed',
    reason: `service deployment ${expected.serviceDeploymentArn ?? ''} of ${expected.name} not found: ${reason}`,
  };
}
