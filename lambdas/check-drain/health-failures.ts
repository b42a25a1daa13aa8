import type { DeploymentCircuitBreaker, Service, Task } from '@aws-sdk/client-ecs';

/**
 * Health-check failures of a rollout, counted cumulatively. ECS's circuit breaker resets its
 * count (`failedTasks`) to 0 as soon as one task of the deployment runs healthy
 * (`resetOnHealthyTask`, default true), so a revision where some tasks keep failing their health
 * checks is replaced task by task without end and never trips it; gehen counts those failures
 * itself, from the tasks ECS stopped, with the circuit breaker's own threshold.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html
 */

/**
 * What ECS writes when a health check fails: the service event "(service S) (task T) (port P) is
 * unhealthy in (target-group G) due to (reason R)" or "(task T) failed container health checks"
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-unhealthy-event-messages.html),
 * (https://aws.amazon.com/premiumsupport/knowledge-center/ecs-task-container-health-check-failures/),
 * and a stopped task's `stoppedReason` "Task failed ELB health checks in (target-group G)" or
 * "Task failed container health checks" (the ELB wording as AWS Copilot shows it:
 * https://gist.github.com/efekarakus/fe4afc1ab8b54835d27e47e253f46254; unconfirmed in AWS's docs).
 */
const HEALTH_EVENT = /is unhealthy in|failed (?:container |ELB )?health checks/i;
const HEALTH_STOP = /failed (?:container |ELB |elb )?health checks|unhealthy/i;

/** The circuit breaker's default: ⌈50 % × desired⌉, at least 3, at most 200. */
const DEFAULT_PERCENT = 50;
const MIN_THRESHOLD = 3;
const MAX_THRESHOLD = 200;

/**
 * How many health-check failures fail the rollout: the circuit breaker's threshold as the service
 * configures it (`thresholdConfiguration`), else its default — even where no circuit breaker is on.
 */
export function failureThreshold(desiredCount: number, breaker: DeploymentCircuitBreaker | undefined): number {
  const config = breaker?.thresholdConfiguration;
  const value = config?.value ?? DEFAULT_PERCENT;
  switch (config?.type ?? 'BOUNDED_PERCENT') {
    case 'COUNT':
      return Math.max(1, value);
    case 'UNBOUNDED_PERCENT':
      return Math.max(1, Math.ceil((value / 100) * desiredCount));
    default:
      return Math.min(MAX_THRESHOLD, Math.max(MIN_THRESHOLD, Math.ceil((value / 100) * desiredCount)));
  }
}

/** A service event since the deployment began says a task failed its health checks: worth reading tasks. */
export function reportsHealthFailures(service: Service, since: Date | undefined): boolean {
  return (service.events ?? []).some(
    (event) =>
      (since === undefined || (event.createdAt !== undefined && event.createdAt >= since)) &&
      HEALTH_EVENT.test(event.message ?? ''),
  );
}

/** The tasks of this deployment that ECS stopped because a health check failed. */
export function healthCheckStops(
  tasks: readonly Task[],
  deployment: { id: string | undefined; taskDefinition: string; createdAt: Date | undefined },
): Task[] {
  return tasks.filter(
    (task) =>
      task.taskDefinitionArn === deployment.taskDefinition &&
      task.desiredStatus === 'STOPPED' &&
      // A service's tasks are startedBy their deployment's id; a redeploy of the same revision
      // must not count the tasks an earlier deployment lost.
      (task.startedBy !== undefined && deployment.id !== undefined
        ? task.startedBy === deployment.id
        : deployment.createdAt === undefined ||
          (task.createdAt !== undefined && task.createdAt >= deployment.createdAt)) &&
      HEALTH_STOP.test(task.stoppedReason ?? ''),
  );
}
