import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { StepName } from './step-function';
import { type StepTask, type StepTaskProps, stepTask } from './step-task';

export interface WorkflowStep {
  readonly fn: IFunction;
  readonly timeout: Duration;
}

export type WorkflowTaskOptions = Omit<StepTaskProps, 'fn' | 'functionTimeout'>;

/** Makes the Task state `name` that runs the Lambda of `step`. */
export type WorkflowTask = (name: string, step: StepName, options?: WorkflowTaskOptions) => StepTask;

/** The Task factory every part of the graph uses, bound to the workflow's functions. */
export function workflowTask(scope: Construct, steps: Record<StepName, WorkflowStep>): WorkflowTask {
  return (name, step, options = {}) =>
    stepTask(scope, name, { fn: steps[step].fn, functionTimeout: steps[step].timeout, ...options });
}
