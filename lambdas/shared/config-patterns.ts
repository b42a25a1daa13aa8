/**
 * What the names and ARNs in a gehen config look like: one set of patterns for the gehen.yml
 * schema (config.ts) and the execution-input schema (execution-input.ts), so the two never drift.
 */

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

export function regionOfClusterArn(cluster: string): string | null {
  return CLUSTER_ARN.exec(cluster)?.[1] ?? null;
}

export function isRegExp(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}
