import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { WorkflowTask } from './workflow-task';

export interface ScheduledTasksMapProps {
  /** The Map state's name and its iteration's. */
  readonly name: string;
  readonly iterationName: string;
  /** Update Scheduled Task puts the new image on each rule, or (rollback) the previous one back. */
  readonly mode: 'deploy' | 'rollback';
  readonly resultPath: string;
  readonly concurrency: number;
  readonly task: WorkflowTask;
}

/** One Update Scheduled Task per rule of the plan: used to deploy the rules and to roll them back. */
export function scheduledTasksMap(scope: Construct, props: ScheduledTasksMapProps): sfn.Map {
  return new sfn.Map(scope, props.name, {
    itemsPath: '$.plan.scheduledTasks',
    itemSelector: {
      rule: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
      deployment: sfn.JsonPath.objectAt('$.plan.deployment'),
      mode: props.mode,
    },
    maxConcurrency: props.concurrency,
    resultPath: props.resultPath,
  }).itemProcessor(props.task(props.iterationName, 'update-scheduled-task'));
}
