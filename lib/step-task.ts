import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorNames } from '../lambdas/shared/errors';

export type StepTask = LambdaInvoke;

export interface StepTaskProps {
  readonly fn: IFunction;
  /** The function's own timeout: the Task waits a little longer, as a backstop. */
  readonly functionTimeout: Duration;
  /** Default: the state's input, unchanged. */
  readonly payload?: sfn.TaskInput;
  readonly resultPath?: string;
  readonly resultSelector?: Record<string, unknown>;
}

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
  task.addRetry({
    errors: [ErrorNames.transient, 'Lambda.TooManyRequestsException'],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(30),
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}
