import type { Events } from '../events';
import { nowSeconds } from '../ids';
import { emitDeploymentState, emitServiceAction } from './ecs-events';
import type { CircuitBreakerSettings, DeploymentRecord, ServiceRecord, TaskDefinitionRecord } from './model';
import { addEvent } from './service-events';

/** The rollback a tripped breaker asks the scheduler for: the revision, and the reason ECS gives. */
export interface BreakerRollback {
  taskDefinition: TaskDefinitionRecord;
  reason: string;
}

/**
 * ECS's deployment circuit breaker
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html):
 * counts a PRIMARY's failed tasks and fails the deployment at the threshold; with rollback it
 * answers the last revision that COMPLETED, which the scheduler (./rollout.ts) redeploys.
 */
export function taskFailed(
  events: Events | undefined,
  service: ServiceRecord,
  deployment: DeploymentRecord,
): BreakerRollback | undefined {
  deployment.failedTasks += 1;
  deployment.updatedAt = nowSeconds();
  const breaker = service.settings.circuitBreaker;
  if (deployment !== service.deployments[0] || deployment.rolloutState !== 'IN_PROGRESS') return undefined;
  const threshold = failureThreshold(breaker, deployment.desiredCount);
  // The scheduler cannot start this deployment's tasks consistently, breaker or not.
  if (deployment.failedTasks === threshold) emitServiceAction(events, service, 'SERVICE_TASK_START_IMPAIRED');
  if (!breaker.enable || deployment.failedTasks < threshold) return undefined;
  deployment.rolloutState = 'FAILED';
  deployment.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
  addEvent(
    service,
    `(service ${service.name}) (deployment ${deployment.id}) deployment failed: tasks failed to start.`,
  );
  emitDeploymentState(events, service, deployment, 'SERVICE_DEPLOYMENT_FAILED', deployment.rolloutStateReason);
  const previous = service.lastCompleted;
  if (!breaker.rollback || !previous) return undefined;
  const completedId = service.lastCompletedId ?? deployment.id;
  return {
    taskDefinition: previous,
    reason: `ECS deployment circuit breaker: rolling back to deploymentId ${completedId}.`,
  };
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
