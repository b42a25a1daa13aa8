/**
 * The bounds of a gehen config, one set for the gehen.yml schema (schema.ts) and the
 * execution-input schema (contracts/execution-input.ts), so the two never drift: the limits a
 * deployment must fit (Step Functions' execution-history cap for poll rounds, its payload limit
 * for targets), then what the names and ARNs in it look like.
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

// What the names and ARNs look like.
export const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/;
export const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** AssumeRole's ExternalId: 2 to 1,224 characters of [\w+=,.@:/-] (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
export const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;
export const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

/** An ECS cluster ARN whatever its account looks like: to say what is wrong with the account. */
const ANY_ACCOUNT_CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:([^:]*):cluster\//;

/** A cluster ARN whose account is not 12 digits (`arn:aws:ecs:eu-west-1:1234:cluster/prod`). */
export function hasBadClusterAccount(value: string): boolean {
  const account = ANY_ACCOUNT_CLUSTER_ARN.exec(value)?.[1];
  return account !== undefined && !/^\d{12}$/.test(account);
}

export const CLUSTER_ACCOUNT_MESSAGE =
  'must be an ECS cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME): ACCOUNT must be 12 digits';

/**
 * A url with `user:pass@` can never be probed (fetch refuses credentials in a url), and the
 * secret would sit in every execution's history for 90 days.
 */
export function hasNoCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username === '' && parsed.password === '';
  } catch {
    return true; // the url check reports it
  }
}

export const URL_CREDENTIALS_MESSAGE =
  'must not contain a user name or password (user:pass@): the probe cannot send them, and the execution history would keep them for 90 days';

/** Long enough for any tag pattern worth writing; a pattern is compiled and run for every push. */
export const MAX_TAG_PATTERN_LENGTH = 256;
/** ECR's (and Docker's) longest image tag: the only input a tagPattern is ever run on. */
export const MAX_IMAGE_TAG_LENGTH = 128;

/**
 * A group with a quantifier inside that is itself quantified — `(a+)+`, `(\d*)*`, `(x{2,})+` —
 * can take exponential time on a short non-matching tag (catastrophic backtracking).
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/;

export function hasNoNestedQuantifier(pattern: string): boolean {
  return !NESTED_QUANTIFIER.test(pattern);
}

export function isClusterNameOrArn(value: string): boolean {
  return CLUSTER_ARN.test(value) || CLUSTER_NAME.test(value);
}

export function isRegExp(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}
