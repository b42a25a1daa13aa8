import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { WorkflowTask } from './task';

export interface ScheduledTasksMapProps {
  /** The Map state's name and its iteration's. */
  readonly name: string;
  readonly iterationName: string;
  /** Update Scheduled Task puts the new image on each rule, or (rollback) the previous one back. */
  readonly mode: 'deploy' | 'rollback';
  readonly resultPath: string;
  readonly concurrency: number;
  readonly task: WorkflowTask;
  /**
   * Rollback only: the Pass an iteration whose step failed (retries exhausted, a timeout) ends in,
   * recording the rule as not restored, so the Map goes on with every other rule.
   */
  readonly notRestoredName?: string;
}

/** One Update Scheduled Task per rule of the plan: used to deploy the rules and to roll them back. */
export function scheduledTasksMap(scope: Construct, props: ScheduledTasksMapProps): sfn.Map {
  const step = props.task(props.iterationName, 'update-scheduled-task');
  if (props.notRestoredName !== undefined) {
    // A CustomState: Pass drops empty and null parameters. The rule's own step returns
    // `restored: false` for AWS errors; this is for the step failing as a whole.
    const notRestored = new sfn.CustomState(scope, props.notRestoredName, {
      stateJson: {
        Type: 'Pass',
        Parameters: { 'rule.$': '$.rule.rule', targets: [], restored: false, 'reason.$': '$.error.Error' },
      },
    });
    step.addCatch(notRestored, { resultPath: '$.error' });
  }
  return new sfn.Map(scope, props.name, {
    itemsPath: '$.plan.scheduledTasks',
    itemSelector: {
      rule: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
      deployment: sfn.JsonPath.objectAt('$.plan.deployment'),
      mode: props.mode,
    },
    maxConcurrency: props.concurrency,
    resultPath: props.resultPath,
  }).itemProcessor(step);
}
