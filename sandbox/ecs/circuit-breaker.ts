import { nowSeconds } from '../ids';
import { emitDeploymentState, emitServiceAction } from './ecs-events';
import type { CircuitBreakerSettings, DeploymentRecord, ServiceRecord } from './model';
import { type RolloutEnv, startDeployment } from './rollout';
import { addEvent } from './service-events';

/**
 * ECS's deployment circuit breaker
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html):
 * counts a PRIMARY's failed tasks and fails the deployment at the threshold; with rollback it
 * redeploys the last revision that COMPLETED.
 */
export function taskFailed(env: RolloutEnv, service: ServiceRecord, deployment: DeploymentRecord): void {
  deployment.failedTasks += 1;
  deployment.updatedAt = nowSeconds();
  const breaker = service.settings.circuitBreaker;
  if (deployment !== service.deployments[0] || deployment.rolloutState !== 'IN_PROGRESS') return;
  const threshold = failureThreshold(breaker, deployment.desiredCount);
  // The scheduler cannot start this deployment's tasks consistently, breaker or not.
  if (deployment.failedTasks === threshold) emitServiceAction(env.events, service, 'SERVICE_TASK_START_IMPAIRED');
  if (!breaker.enable || deployment.failedTasks < threshold) return;
  deployment.rolloutState = 'FAILED';
  deployment.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
  addEvent(
    service,
    `(service ${service.name}) (deployment ${deployment.id}) deployment failed: tasks failed to start.`,
  );
  emitDeploymentState(env.events, service, deployment, 'SERVICE_DEPLOYMENT_FAILED', deployment.rolloutStateReason);
  const previous = service.lastCompleted;
  if (!breaker.rollback || !previous) return;
  const completedId = service.lastCompletedId ?? deployment.id;
  const rollback = startDeployment(env, service, previous, {
    reason: `ECS deployment circuit breaker: rolling back to deploymentId ${completedId}.`,
  });
  addEvent(service, `(service ${service.name}) rolling back to deployment ${rollback.id}.`);
}

/**
 * The failures that trip the breaker: `thresholdConfiguration` {COUNT: value;
 * BOUNDED_PERCENT: value% of desired, clamped to 3..200; UNBOUNDED_PERCENT: value% of desired}.
 * The default, BOUNDED_PERCENT 50, is ECS's max(3, min(200, ceil(0.5 × desired))).
 */
export function failureThreshold(breaker: CircuitBreakerSettings, desired: number): number {
  const { type, value } = breaker.thresholdConfiguration;
  if (type === 'COUNT') return Math.max(1, value);
  const share = Math.ceil((value / 100) * desired);
  return type === 'BOUNDED_PERCENT' ? Math.max(3, Math.min(200, share)) : Math.max(1, share);
}
