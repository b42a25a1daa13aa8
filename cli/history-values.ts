import type {
  NotRestored,
  Plan,
  RollbackResult,
  RoundState,
  ScheduledTaskResult,
  ServiceDeployment,
} from '../lambdas/shared/contracts/state';

/**
 * Reading the untyped JSON of history events: inputs and outputs are strings that may hold
 * anything, so every value is checked against the step contract before it is trusted.
 */

export function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function serviceNameOf(input: unknown): string | null {
  const name = field(field(input, 'service'), 'name');
  return typeof name === 'string' ? name : null;
}

/** The value itself, or its top-level fields, that match: a step's output may sit under a ResultPath. */
export function findAll<T>(output: unknown, guard: (value: unknown) => value is T): T[] {
  if (guard(output)) return [output];
  if (typeof output !== 'object' || output === null) return [];
  return Object.values(output).filter(guard);
}

export function isPlan(value: unknown): value is Plan {
  return Array.isArray(field(value, 'services')) && typeof field(value, 'deployment') === 'object';
}

export function isServiceDeployment(value: unknown): value is ServiceDeployment {
  return typeof field(value, 'name') === 'string' && typeof field(value, 'taskDefinition') === 'string';
}

export function isRollbackResult(value: unknown): value is RollbackResult {
  const taskDefinition = field(value, 'taskDefinition');
  return (
    typeof field(value, 'name') === 'string' &&
    (typeof taskDefinition === 'string' || taskDefinition === null) &&
    typeof field(value, 'rolledBack') === 'boolean'
  );
}

export function isNotRestored(value: unknown): value is NotRestored {
  const kind = field(value, 'kind');
  return (kind === 'service' || kind === 'scheduled-task') && typeof field(value, 'name') === 'string';
}

export function isScheduledTaskResult(value: unknown): value is ScheduledTaskResult {
  return typeof field(value, 'rule') === 'string' && Array.isArray(field(value, 'targets'));
}

export function isRoundState(value: unknown): value is RoundState {
  return (
    typeof field(value, 'status') === 'string' &&
    typeof field(value, 'done') === 'number' &&
    typeof field(value, 'total') === 'number' &&
    Array.isArray(field(value, 'waiting')) &&
    Array.isArray(field(value, 'failures'))
  );
}
