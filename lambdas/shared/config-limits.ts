/**
 * The limits a deployment must fit, checked both when gehen.yml is parsed and when an execution
 * input is: Step Functions' execution-history cap (poll rounds) and payload limit (targets).
 */

/**
 * Each poll round costs 9 execution-history events and a deployment has up to four polling
 * phases; this many rounds a phase keeps a 200-service rollback well inside the 25,000-event cap.
 */
export const MAX_ROUNDS_PER_PHASE = 250;

/**
 * The plan travels in the state data, about 0.55 KB a service (measured by npm run bench): this
 * many services and scheduled tasks keep it well inside Step Functions' 256 KB payload limit.
 */
export const MAX_TARGETS = 300;

/**
 * The largest gehen.yml gehen reads: 1 MiB, four times the 256 KiB that one deployment's whole
 * state may hold (Step Functions' limit on state data:
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), so every file that
 * can deploy fits with room for comments. A larger one is refused before it is parsed: YAML
 * parsing is what costs (about a second a MiB), and a 3 MB file is then refused at once.
 */
export const MAX_CONFIG_BYTES = 1_048_576;

export function configBytesProblem(bytes: number): string | null {
  if (bytes <= MAX_CONFIG_BYTES) return null;
  return `the file is ${bytes.toLocaleString('en-US')} bytes; gehen.yml may be at most ${MAX_CONFIG_BYTES.toLocaleString('en-US')} (1 MiB), four times what one deployment's state can hold (Step Functions' 256 KiB): split its services and scheduled tasks across gehen.yml files`;
}

const DEFAULT_POLL_INTERVAL_SECONDS = 15;
export const MAX_POLL_INTERVAL_SECONDS = 300;

export function sizeProblem(count: number): string | null {
  if (count <= MAX_TARGETS) return null;
  return `${count} services and scheduled tasks; at most ${MAX_TARGETS} fit one deployment's state (Step Functions' 256 KB payload limit): split them across gehen.yml files`;
}

/**
 * The poll interval when gehen.yml sets none: 15 s, or longer when a long timeoutMinutes would
 * otherwise need more than MAX_ROUNDS_PER_PHASE rounds. The original had no round cap, so a file
 * it accepted (timeoutMinutes 90, no interval) must still be valid: it is polled every 22 s.
 */
export function defaultPollIntervalSeconds(timeoutMinutes: number): number {
  const fitting = Math.ceil((timeoutMinutes * 60) / MAX_ROUNDS_PER_PHASE);
  return Math.min(MAX_POLL_INTERVAL_SECONDS, Math.max(DEFAULT_POLL_INTERVAL_SECONDS, fitting));
}

/**
 * The fewest poll rounds a phase may have. A phase shorter than this expires about when its first
 * round runs: ECS has barely started a task by then (image pull, container start, load balancer
 * health checks), so every deployment would roll back, and every rollback end unknown (exit 2).
 */
export const MIN_ROUNDS_PER_PHASE = 3;

export function roundsProblem(timeoutMinutes: number, pollIntervalSeconds: number): string | null {
  const rounds = Math.ceil((timeoutMinutes * 60) / pollIntervalSeconds);
  if (rounds < MIN_ROUNDS_PER_PHASE) {
    return `timeoutMinutes ${timeoutMinutes} polled every ${pollIntervalSeconds} s is ${rounds} round${rounds === 1 ? '' : 's'} a phase; at least ${MIN_ROUNDS_PER_PHASE} are needed (a phase that ends at its first poll rolls back every deployment): raise timeoutMinutes or lower pollIntervalSeconds`;
  }
  if (rounds <= MAX_ROUNDS_PER_PHASE) return null;
  return `timeoutMinutes ${timeoutMinutes} polled every ${pollIntervalSeconds} s is ${rounds} rounds a phase; at most ${MAX_ROUNDS_PER_PHASE} fit Step Functions' history limit: raise pollIntervalSeconds or lower timeoutMinutes`;
}
