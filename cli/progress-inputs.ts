import type { ExecutionInput } from '../lambdas/shared/contracts/execution-input';
import type { Plan } from '../lambdas/shared/contracts/state';
import { asArray, field } from './history-values';
import { addService, addTask, type ExecutionProgress } from './progress-model';

/** The rows an execution starts with: first from its input's config, then from Prepare's Plan. */

export function readExecutionInput(progress: ExecutionProgress, input: unknown): void {
  const gitsha = field(input, 'gitsha');
  if (typeof gitsha === 'string') progress.gitsha = gitsha.toLowerCase();
  const config = field(input, 'config') as Partial<ExecutionInput['config']> | undefined;
  if (typeof config?.timeoutMinutes === 'number') progress.timeoutMinutes = config.timeoutMinutes;
  for (const service of asArray(config?.services)) {
    const name = field(service, 'name');
    const cluster = field(service, 'cluster');
    if (typeof name === 'string') addService(progress, name, typeof cluster === 'string' ? cluster : '');
  }
  for (const task of asArray(config?.scheduledTasks)) {
    const rule = field(task, 'rule');
    if (typeof rule === 'string') addTask(progress, rule);
  }
}

export function readPlan(progress: ExecutionProgress, plan: Plan): void {
  progress.plan = plan;
  progress.gitsha ??= plan.deployment.gitsha;
  for (const planned of plan.services) {
    const row = progress.services.get(planned.name) ?? addService(progress, planned.name, planned.cluster);
    row.cluster = planned.cluster;
    row.previousTaskDefinition = planned.previousTaskDefinition;
    row.previousSha = planned.previousSha;
  }
  for (const rule of plan.scheduledTasks) {
    const row = progress.scheduledTasks.get(rule.rule) ?? addTask(progress, rule.rule);
    // Until Update Scheduled Task reports, each target runs its previous revision.
    if (row.targets.length === 0) {
      row.targets = rule.targets.map((t) => ({
        id: t.id,
        previousTaskDefinition: t.previousTaskDefinition,
        taskDefinition: t.previousTaskDefinition,
      }));
    }
  }
}
