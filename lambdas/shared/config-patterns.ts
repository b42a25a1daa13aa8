/**
 * What the names and ARNs in a gehen config look like: one set of patterns for the gehen.yml
 * schema (config.ts) and the execution-input schema (execution-input.ts), so the two never drift.
 */

export const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/;
export const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
export const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;
export const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

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
