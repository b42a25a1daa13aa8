/**
 * The state names the Lambda steps read in an execution's history (the execution guard, a
 * restore): here, in the steps' contracts, so they bundle these strings and not lib/'s whole table
 * (lib/state-names.ts), which takes them from here.
 */
export const PREPARE_STATE_NAME = 'Prepare Deployment';
/** A restore's first step: its Lambda's result is the plan, as Prepare Deployment's is a deployment's. */
export const PREPARE_RESTORE_STATE_NAME = 'Prepare Restore';
export const RESTORE_CHOICE_STATE_NAME = 'Restore?';
export const CHECK_TARGET_ROLES_STATE_NAME = 'Check Scheduled Task Roles';
/** Last of a deployment's planning states: its output is the plan as the execution went on with it. */
export const ACQUIRE_LOCK_STATE_NAME = 'Acquire Lock';

/** The states whose Lambda returns the plan the write steps act on (the execution guard reads it). */
export const PLAN_STATE_NAMES: readonly string[] = [PREPARE_STATE_NAME, PREPARE_RESTORE_STATE_NAME];

/** Every state before the first that may change anything, in the order they run. */
export const PLANNING_STATE_NAMES: readonly string[] = [
  RESTORE_CHOICE_STATE_NAME,
  PREPARE_STATE_NAME,
  PREPARE_RESTORE_STATE_NAME,
  CHECK_TARGET_ROLES_STATE_NAME,
  ACQUIRE_LOCK_STATE_NAME,
];

/**
 * The state that waits for an operator at the gate (`approval: manual`): a Lambda Task with
 * `.waitForTaskToken`. `gehen approve` / `gehen reject` find its task token in the TaskScheduled
 * event of this state in the execution's history.
 */
export const AWAIT_APPROVAL_STATE_NAME = 'Await Approval';

/** The error `gehen reject` answers Await Approval with (SendTaskFailure): the deployment rolls back. */
export const APPROVAL_REJECTED_ERROR = 'Gehen.ApprovalRejected';
