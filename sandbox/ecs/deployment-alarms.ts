import type { DeploymentRecord, DeploymentSettings, ServiceRecord } from './model';
import { serving } from './task-state';

/**
 * Deployment alarms (`deploymentConfiguration.alarms`,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html): ECS
 * fails the deployment when one of `alarmNames` goes into ALARM while it runs (bake time included),
 * and with `rollback` returns to the last revision that completed. The sandbox has no CloudWatch:
 * a fault `{ alarm: NAME }` on an image tag puts NAME into ALARM as soon as a task of that tag,
 * in the deployment, serves production traffic; no evaluation period is modelled.
 */
export function alarmInAlarm(
  service: ServiceRecord,
  deployment: DeploymentRecord,
  settings: DeploymentSettings,
): string | undefined {
  const alarms = settings.alarms;
  if (!alarms?.enable) return undefined;
  for (const task of service.tasks) {
    if (task.deployment !== deployment || !serving(task)) continue;
    const fault = task.fault;
    if (typeof fault === 'object' && 'alarm' in fault && alarms.alarmNames.includes(fault.alarm)) return fault.alarm;
  }
  return undefined;
}

/** The reason a service deployment gives when an alarm failed it. */
export function alarmReason(alarm: string): string {
  return `ECS deployment alarm ${alarm} is in ALARM state.`;
}
