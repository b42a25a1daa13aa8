import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorNames } from '../lambdas/shared/contracts/errors';
import { BACKOFF_RATE, DEFAULT_TRANSIENT_RETRY, INTERVAL_SECONDS, type TransientRetry } from './throttle-budget';

export type StepTask = LambdaInvoke;

export interface StepTaskProps {
  readonly fn: IFunction;
  /** The function's own timeout: the Task waits a little longer, as a backstop. */
  readonly functionTimeout: Duration;
  /** Default: the state's input, unchanged. */
  readonly payload?: sfn.TaskInput;
  readonly resultPath?: string;
  readonly resultSelector?: Record<string, unknown>;
  /**
   * Also retry the function timing out or crashing (out of memory): only for read-only steps,
   * whose second attempt cannot repeat a change. @default false
   */
  readonly retryCrashes?: boolean;
  /**
   * How long TransientAwsError is retried: longer for a step whose ECS write meets a tight bucket
   * (throttledRetry). @default DEFAULT_TRANSIENT_RETRY
   */
  readonly transientRetry?: TransientRetry;
}

/**
 * What Step Functions reports when the function itself times out or crashes. A Task whose Resource
 * is the function's ARN records a function timeout as LambdaFunctionTimedOut with States.Timeout,
 * as it does its own TimeoutSeconds; unhandled errors (function timeouts and out-of-memory crashes
 * included) reach the optimized integration as Lambda.Unknown
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#states-timeout);
 * the Invoke API's own error type for a timeout is Sandbox.Timedout
 * (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html).
 */
export const LAMBDA_CRASH_ERRORS = ['States.Timeout', 'Lambda.Unknown', 'Sandbox.Timedout'];

/**
 * A Lambda step as a Task: the function ARN as Resource (payloadResponseOnly), so the state data is
 * the handler's return value and nothing else. LambdaInvoke already retries Lambda service errors;
 * this adds the one retry that is ours: throttling and transient AWS faults, which the steps
 * raise as TransientAwsError, and Lambda's own concurrency throttling, which CDK's retry omits.
 */
export function stepTask(scope: Construct, name: string, props: StepTaskProps): StepTask {
  const task = new LambdaInvoke(scope, name, {
    lambdaFunction: props.fn,
    payloadResponseOnly: true,
    payload: props.payload,
    resultPath: props.resultPath,
    resultSelector: props.resultSelector,
    taskTimeout: sfn.Timeout.duration(props.functionTimeout.plus(Duration.seconds(5))),
  });
  const retry = props.transientRetry ?? DEFAULT_TRANSIENT_RETRY;
  task.addRetry({
    errors: [ErrorNames.transient, 'Lambda.TooManyRequestsException'],
    interval: Duration.seconds(INTERVAL_SECONDS),
    backoffRate: BACKOFF_RATE,
    maxAttempts: retry.maxAttempts,
    maxDelay: retry.maxDelay,
    jitterStrategy: sfn.JitterType.FULL,
  });
  if (props.retryCrashes) {
    // One more attempt: a hung socket or a slow cold start is rare, twice in a row is not transient.
    task.addRetry({
      errors: LAMBDA_CRASH_ERRORS,
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
  }
  return task;
}
