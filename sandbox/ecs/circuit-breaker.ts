import { nowSeconds } from '../ids';
import type { DeploymentRecord, ServiceRecord } from './model';
import { type RolloutEnv, startDeployment } from './rollout';
import { addEvent } from './service-events';

/**
 * Counts a failed task and trips ECS's deployment circuit breaker when the PRIMARY reaches
 * max(3, min(200, ceil(desired / 2))) failures; with rollback it redeploys the last revision
 * that COMPLETED.
 */
export function taskFailed(env: RolloutEnv, service: ServiceRecord, deployment: DeploymentRecord): void {
  deployment.failedTasks += 1;
  deployment.updatedAt = nowSeconds();
  const breaker = service.settings.circuitBreaker;
  if (deployment !== service.deployments[0] || !breaker.enable || deployment.rolloutState !== 'IN_PROGRESS') return;
  const threshold = Math.max(3, Math.min(200, Math.ceil(0.5 * deployment.desiredCount)));
  if (deployment.failedTasks < threshold) return;
  deployment.rolloutState = 'FAILED';
  deployment.rolloutStateReason = `ECS deployment circuit breaker: tasks failed to start.`;
  addEvent(
    service,
    `(service ${service.name}) (deployment ${deployment.id}) deployment failed: tasks failed to start.`,
  );
  const previous = service.lastCompleted;
  if (!breaker.rollback || !previous) return;
  const rollback = startDeployment(env, service, previous);
  addEvent(service, `(service ${service.name}) rolling back to deployment ${rollback.id}.`);
}
