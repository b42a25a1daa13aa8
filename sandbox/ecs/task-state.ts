import type { DeploymentRecord, ServiceRecord, TaskRecord } from './model';

/** A task the load balancer sends requests to. */
export function serving(task: TaskRecord): boolean {
  return task.lastStatus === 'RUNNING' && task.desiredStatus === 'RUNNING' && task.healthStatus === 'HEALTHY';
}

/** The deployment's tasks ECS still wants running. */
export function wantedTasks(service: ServiceRecord, deployment: DeploymentRecord): TaskRecord[] {
  return service.tasks.filter((t) => t.deployment === deployment && t.desiredStatus === 'RUNNING');
}

/** The deployment's tasks not yet STOPPED (draining ones included). */
export function liveTasks(service: ServiceRecord, deployment: DeploymentRecord): TaskRecord[] {
  return service.tasks.filter((t) => t.deployment === deployment && t.lastStatus !== 'STOPPED');
}
