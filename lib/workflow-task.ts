import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { StepName } from './step-function';
import { type StepTask, type StepTaskProps, stepTask } from './step-task';
import { ECS_WRITE_BUCKETS, type EcsBucket, throttledRetry } from './throttle-budget';

export interface WorkflowStep {
  readonly fn: IFunction;
  readonly timeout: Duration;
}

export type WorkflowTaskOptions = Omit<StepTaskProps, 'fn' | 'functionTimeout'>;

/** Makes the Task state `name` that runs the Lambda of `step`. */
export type WorkflowTask = (name: string, step: StepName, options?: WorkflowTaskOptions) => StepTask;

/**
 * The steps whose ECS write draws from a bucket the whole plan drains, and that bucket: their
 * retries must outlast the queue (lib/throttle-budget.ts). Clean Up Old Revisions also draws from
 * Task definition modify, but its failure never fails a deployment.
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
  return (name, step, options = {}) => {
    const bucket = THROTTLED_STEPS[step];
    return stepTask(scope, name, {
      fn: steps[step].fn,
      functionTimeout: steps[step].timeout,
      ...(bucket ? { transientRetry: throttledRetry(bucket) } : {}),
      ...options,
    });
  };
}
