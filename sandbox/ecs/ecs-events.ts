import type { Events } from '../events';
import type { DeploymentRecord, HookRun, ServiceDeploymentRecord, ServiceRecord } from './model';

/**
 * The events ECS itself puts on the default bus (source `aws.ecs`), routed to rules like any other.
 * - `ECS Deployment State Change`, detail `{eventType, eventName, deploymentId, updatedAt, reason}`
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html):
 *   IN_PROGRESS for a new deployment and for a rollback (told apart by `reason`), COMPLETED at steady
 *   state, FAILED (eventType ERROR) when the circuit breaker trips.
 * - `ECS Service Action`, detail `{eventType, eventName, clusterArn, createdAt, …}`
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_events.html): the
 *   sandbox emits SERVICE_STEADY_STATE (INFO) and SERVICE_TASK_START_IMPAIRED (WARN).
 * - `ECS Hook State Change`, eventName HOOK_AWAITING_ACTION when a PAUSE hook starts waiting
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html). AWS
 *   documents the detail-type and the event name, not the detail: the sandbox's detail is the
 *   minimal one consistent with DescribeServiceDeployments' lifecycleHookDetails (below).
 * All carry the service ARN in `resources`.
 */

export type DeploymentEventName =
  | 'SERVICE_DEPLOYMENT_IN_PROGRESS'
  | 'SERVICE_DEPLOYMENT_COMPLETED'
  | 'SERVICE_DEPLOYMENT_FAILED';

export function emitDeploymentState(
  events: Events | undefined,
  service: ServiceRecord,
  deployment: DeploymentRecord,
  eventName: DeploymentEventName,
  reason: string,
): void {
  events?.emit(service.region, {
    source: 'aws.ecs',
    detailType: 'ECS Deployment State Change',
    resources: [service.arn],
    detail: {
      eventType: eventName === 'SERVICE_DEPLOYMENT_FAILED' ? 'ERROR' : 'INFO',
      eventName,
      deploymentId: deployment.id,
      updatedAt: new Date().toISOString(),
      reason,
    },
  });
}

export function emitServiceAction(
  events: Events | undefined,
  service: ServiceRecord,
  eventName: 'SERVICE_STEADY_STATE' | 'SERVICE_TASK_START_IMPAIRED',
): void {
  events?.emit(service.region, {
    source: 'aws.ecs',
    detailType: 'ECS Service Action',
    resources: [service.arn],
    detail: {
      eventType: eventName === 'SERVICE_STEADY_STATE' ? 'INFO' : 'WARN',
      eventName,
      clusterArn: service.cluster.arn,
      createdAt: new Date().toISOString(),
    },
  });
}

/** A PAUSE hook awaits action (ContinueServiceDeployment or its timeout). */
export function emitHookState(
  events: Events | undefined,
  service: ServiceRecord,
  record: ServiceDeploymentRecord,
  run: HookRun,
): void {
  events?.emit(service.region, {
    source: 'aws.ecs',
    detailType: 'ECS Hook State Change',
    resources: [service.arn],
    detail: {
      eventType: 'INFO',
      eventName: 'HOOK_AWAITING_ACTION',
      clusterArn: service.cluster.arn,
      serviceDeploymentArn: record.arn,
      lifecycleStage: run.stage,
      hookId: run.hookId,
      targetType: 'PAUSE',
      status: run.status,
      expiresAt: new Date(run.expiresAt * 1000).toISOString(),
      timeoutAction: run.timeoutAction,
      updatedAt: new Date().toISOString(),
    },
  });
}
