import { hexId, nowSeconds } from '../ids';
import type { ServiceRecord, TaskRecord } from './model';

/** Adds to the service's events, newest first, keeping the last 100 as ECS does. */
export function addEvent(service: ServiceRecord, message: string): void {
  service.events.unshift({ id: hexId(16), createdAt: nowSeconds(), message });
  service.events.length = Math.min(service.events.length, 100);
}

/** How ECS lists tasks in an event: `(task id) (task id)`. */
export function taskList(tasks: TaskRecord[]): string {
  return tasks.map((t) => `(task ${t.id})`).join(' ');
}
