import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorNames } from '../../lambdas/shared/contracts/errors';
import type { StepName } from '../step-lambda';
import {
  BACKOFF_RATE,
  DEFAULT_TRANSIENT_RETRY,
  ECS_WRITE_BUCKETS,
  type EcsBucket,
  INTERVAL_SECONDS,
  type TransientRetry,
  throttledRetry,
} from './throttle-budget';

// The Task state of a Lambda step, the one kind of Task in the graph: `workflowTask` binds the
// factory to the workflow's functions, `stepTask` makes one Task with its timeout and retries.

export interface WorkflowStep {
  readonly fn: IFunction;
  readonly timeout: Duration;
}

export type WorkflowTaskOptions = Omit<StepTaskProps, 'fn' | 'functionTimeout'>;

/** Makes the Task state `name` that runs the Lambda of `step`. */
export type WorkflowTask = ((name: string, step: StepName, options?: WorkflowTaskOptions) => StepTask) & {
  /** The workflow's functions, for the Tasks that are not a plain step call (the drain's event wait). */
  readonly steps: Record<StepName, WorkflowStep>;
};

/**
 * The steps whose ECS write draws from a bucket the whole plan drains, and that bucket: their
 * retries must outlast the queue (lib/workflow/throttle-budget.ts). Clean Up Old Revisions also
 * draws from Task definition modify, but its failure never fails a deployment.
 */
export const THROTTLED_STEPS: Partial<Record<StepName, EcsBucket>> = {
  'register-task-definition': ECS_WRITE_BUCKETS.taskDefinitionModify,
  // Registers each target's revision; in a rollback it only puts the old targets back.
  'update-scheduled-task': ECS_WRITE_BUCKETS.taskDefinitionModify,
  'update-service': ECS_WRITE_BUCKETS.serviceModify,
  'roll-back': ECS_WRITE_BUCKETS.serviceModify,
};

/** The Task factory every part of the graph uses, bound to the workflow's functions. */
export function workflowTask(scope: Construct, steps: Record<StepName, WorkflowStep>): WorkflowTask {
  const task = (name: string, step: StepName, options: WorkflowTaskOptions = {}) => {
    const bucket = THROTTLED_STEPS[step];
    return stepTask(scope, name, {
      fn: steps[step].fn,
      functionTimeout: steps[step].timeout,
      ...(bucket ? { transientRetry: throttledRetry(bucket) } : {}),
      ...options,
    });
  };
  return Object.assign(task, { steps });
}

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
  addTransientRetry(task, props.transientRetry);
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

/**
 * The one retry that is ours, on every Lambda Task: throttling and transient AWS faults (raised as
 * TransientAwsError) and Lambda's own concurrency throttling, which CDK's retry omits.
 */
export function addTransientRetry(task: LambdaInvoke, retry: TransientRetry = DEFAULT_TRANSIENT_RETRY): void {
  task.addRetry({
    errors: [ErrorNames.transient, 'Lambda.TooManyRequestsException'],
    interval: Duration.seconds(INTERVAL_SECONDS),
    backoffRate: BACKOFF_RATE,
    maxAttempts: retry.maxAttempts,
    maxDelay: retry.maxDelay,
    jitterStrategy: sfn.JitterType.FULL,
  });
}
