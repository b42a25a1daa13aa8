/**
 * The state names the Lambda steps read in an execution's history (the execution guard, a
 * restore): here, in the steps' contracts, so they bundle this string and not lib/'s whole table
 * (lib/state-names.ts), which takes it from here.
 */
export const PREPARE_STATE_NAME = 'Prepare Deployment';

/**
 * The state that waits for an operator at the gate (`approval: manual`): a Lambda Task with
 * `.waitForTaskToken`. `gehen approve` / `gehen reject` find its task token in the TaskScheduled
 * event of this state in the execution's history.
 */
export const AWAIT_APPROVAL_STATE_NAME = 'Await Approval';

/** The error `gehen reject` answers Await Approval with (SendTaskFailure): the deployment rolls back. */
export const APPROVAL_REJECTED_ERROR = 'Gehen.ApprovalRejected';
