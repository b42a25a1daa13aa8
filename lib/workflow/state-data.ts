import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/**
 * Where the parts of the graph find what they share in the state data. Between steps it is always
 * `{ plan, deployed, scheduled }`, plus the current poll loop's `expect` and `round`.
 */

/** A Catch puts the error here: Fail states read its Cause, Roll Back? whether there was one. */
export const ERROR_PATH = '$.error';

/** updateStrategy none changes no service: the deploy skips them and a failed verify is not rolled back. */
export const updateStrategyIsNone = (): sfn.Condition =>
  sfn.Condition.stringEquals('$.plan.deployment.updateStrategy', 'none');
