import type { ScheduledTaskResult } from '../lambdas/shared/contracts/state';
import {
  addService,
  addTask,
  type ExecutionProgress,
  FINAL_PHASES,
  type Phase,
  type Row,
  type ScheduledTaskProgress,
  type ServiceProgress,
} from './progress-model';

/** Collects the rows an event changed, and stamps their start and finish times. */
export class Changes {
  private readonly changed = new Map<string, Row>();
  constructor(
    readonly progress: ExecutionProgress,
    private readonly at: Date,
  ) {}

  service(name: string, phase: Phase, detail: string | null = null): void {
    const row = this.progress.services.get(name) ?? addService(this.progress, name, '');
    if (this.move(row, phase, detail)) this.changed.set(`s:${name}`, { kind: 'service', row });
  }

  task(rule: string, phase: Phase, detail: string | null = null): void {
    const row = this.progress.scheduledTasks.get(rule) ?? addTask(this.progress, rule);
    if (this.move(row, phase, detail)) this.changed.set(`t:${rule}`, { kind: 'scheduled-task', row });
  }

  setTaskDefinition(name: string, taskDefinition: string): void {
    const row = this.progress.services.get(name) ?? addService(this.progress, name, '');
    row.taskDefinition = taskDefinition;
  }

  /** From the deploy's results only: a rollback's list the restored revision as taskDefinition. */
  setTargets(result: ScheduledTaskResult): void {
    const row = this.progress.scheduledTasks.get(result.rule) ?? addTask(this.progress, result.rule);
    row.targets = result.targets.map(({ id, previousTaskDefinition, taskDefinition }) => ({
      id,
      previousTaskDefinition,
      taskDefinition,
    }));
  }

  rows(): Row[] {
    return [...this.changed.values()];
  }

  /** Returns false, touching nothing, when the row is already in that phase with that detail. */
  private move(row: ServiceProgress | ScheduledTaskProgress, phase: Phase, detail: string | null): boolean {
    if (row.phase === phase && row.detail === detail) return false;
    row.phase = phase;
    row.detail = detail;
    if (phase === 'failed') row.failure ??= detail;
    if (phase !== 'pending' && phase !== 'not started') row.startedAt ??= this.at;
    row.finishedAt = FINAL_PHASES.has(phase) ? this.at : null;
    return true;
  }
}

/** Moves every unfinished row, and every failed one, to the phase the execution ended in. */
export function finishAll(changes: Changes, phase: Phase, detail: string | null = null): void {
  for (const service of changes.progress.services.values()) {
    if (!FINAL_PHASES.has(service.phase) || service.phase === 'failed')
      changes.service(service.name, phase, detail ?? service.detail);
  }
  for (const task of changes.progress.scheduledTasks.values()) {
    if (!FINAL_PHASES.has(task.phase) || task.phase === 'failed') changes.task(task.rule, phase, detail ?? task.detail);
  }
}
