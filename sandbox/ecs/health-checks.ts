import type { Fault, FleetTiming } from '../fleet';
import type { DeploymentRecord } from './model';

/**
 * Load-balancer health checks and the durations around them, every one multiplied by
 * `timing.scale` so a realistic rollout can run in seconds.
 * - A new task joins its target group after `healthyThresholdCount` consecutive passing checks
 *   `healthCheckIntervalSeconds` apart (ALB defaults 5 and 30 s:
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
 * - A failing task is marked unhealthy after UNHEALTHY_THRESHOLD failed checks (ALB's default 2,
 *   same page), but ECS ignores a failing load-balancer check until `healthCheckGracePeriodSeconds`
 *   after the task started (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html).
 * - A stopped task stays registered and draining for the target group's deregistration delay
 *   (`deregistrationDelaySeconds`, 300 s by default:
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ModifyTargetGroupAttributes.html).
 */

const UNHEALTHY_THRESHOLD = 2;
// Without a check interval (the ideal profile), an unhealthy container is noticed after this many
// taskStartSeconds: the container health check's retries.
const CONTAINER_CHECK_RETRIES = 3;

/** A modelled duration in real seconds. */
export function scaled(timing: FleetTiming, seconds: number): number {
  return seconds * timing.scale;
}

/** From launch to RUNNING: the tag's `startSeconds` fault, else taskStartSeconds. */
export function startDelay(timing: FleetTiming, fault: Fault | undefined): number {
  const seconds = typeof fault === 'object' && 'startSeconds' in fault ? fault.startSeconds : timing.taskStartSeconds;
  return scaled(timing, seconds);
}

/** From RUNNING to in service: the passing checks a target needs. */
export function healthyDelay(timing: FleetTiming): number {
  return scaled(timing, timing.healthyThresholdCount * timing.healthCheckIntervalSeconds);
}

/** From RUNNING to ECS replacing a task that fails its checks. */
export function unhealthyDelay(timing: FleetTiming, healthCheckGracePeriodSeconds: number | undefined): number {
  const { healthCheckIntervalSeconds, taskStartSeconds } = timing;
  const checks =
    healthCheckIntervalSeconds > 0
      ? UNHEALTHY_THRESHOLD * healthCheckIntervalSeconds
      : CONTAINER_CHECK_RETRIES * taskStartSeconds;
  const grace = healthCheckGracePeriodSeconds ?? timing.healthCheckGracePeriodSeconds;
  return Math.max(0.05, scaled(timing, Math.max(grace, checks)));
}

/** How long a stopped in-service task drains: the tag's `drainSeconds` fault, else the deregistration delay. */
export function drainDelay(timing: FleetTiming, fault: Fault | undefined): number {
  const seconds =
    typeof fault === 'object' && 'drainSeconds' in fault ? fault.drainSeconds : timing.deregistrationDelaySeconds;
  return scaled(timing, seconds);
}

/**
 * Whether the next task of a deployment fails its checks: `unhealthy` makes every one fail,
 * `unhealthyFraction: f` makes exactly that share fail, spread evenly (task k fails when
 * floor((k+1)·f) > floor(k·f)), so tests see the same sequence every run.
 */
export function nextTaskUnhealthy(fault: Fault | undefined, deployment: DeploymentRecord): boolean {
  const k = deployment.launched;
  deployment.launched += 1;
  if (fault === 'unhealthy') return true;
  if (typeof fault !== 'object' || !('unhealthyFraction' in fault)) return false;
  const f = fault.unhealthyFraction;
  return Math.floor((k + 1) * f) > Math.floor(k * f);
}
