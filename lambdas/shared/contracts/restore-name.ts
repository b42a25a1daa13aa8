import { createHash } from 'node:crypto';

/**
 * The restore of an execution has one name, derived from the aborted execution's: Step Functions
 * refuses a second StartExecution of a Standard workflow under a name already used (or returns the
 * running one for the same input), so an event delivered twice restores once, and the CLI finds
 * the restore without listing anything.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
export const RESTORE_PREFIX = 'restore-';

/** Execution names are 1 to 80 characters. */
const MAX_NAME = 80;
const HASH_CHARS = 8;

/** `restore-<name>`; a name too long for that keeps its start and ends with a hash of the whole ARN. */
export function restoreNameOf(executionArn: string): string {
  const name = executionNameOf(executionArn);
  const plain = `${RESTORE_PREFIX}${name}`;
  if (plain.length <= MAX_NAME) return plain;
  const hash = createHash('sha256').update(executionArn).digest('hex').slice(0, HASH_CHARS);
  return `${plain.slice(0, MAX_NAME - HASH_CHARS - 1)}-${hash}`;
}

/** `…:execution:gehen-deploy:NAME` → its restore's ARN, in the same state machine. */
export function restoreArnOf(executionArn: string): string {
  return `${executionArn.slice(0, executionArn.lastIndexOf(':') + 1)}${restoreNameOf(executionArn)}`;
}

export function executionNameOf(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(':') + 1);
}
