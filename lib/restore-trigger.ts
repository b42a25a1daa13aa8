import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FailureCodes } from '../lambdas/shared/contracts/errors';
import { stackRulesRole } from './triggers';

export interface RestoreTriggerProps {
  readonly stateMachine: sfn.IStateMachine;
}

/**
 * Step Functions puts an `Execution Status Change` event on the default bus when an execution
 * ends (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html). An execution of
 * gehen-deploy that was stopped, timed out, or failed with an error that is not one of gehen's
 * Fail states (States.DataLimitExceeded, States.Runtime…) reached no Catch and rolled nothing back:
 * these rules start the state machine with `{ restoreOf: ARN }`, and Prepare restores it
 * (lambdas/prepare-restore/restore.ts). Two rules because a pattern has no "or" across fields in the
 * subset gehen relies on; `anything-but` lists gehen's Fail states' errors exactly.
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html
 */
export class RestoreTrigger extends Construct {
  readonly rules: events.Rule[];

  constructor(scope: Construct, id: string, props: RestoreTriggerProps) {
    super(scope, id);
    const base = {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
    };
    const stateMachineArn = [props.stateMachine.stateMachineArn];
    const stopped = new events.Rule(this, 'Restore Stopped Or Timed Out', {
      description: 'gehen: restore what a stopped or timed-out deployment changed',
      eventPattern: { ...base, detail: { stateMachineArn, status: ['ABORTED', 'TIMED_OUT'] } },
    });
    const failed = new events.Rule(this, 'Restore Uncaught Failure', {
      description: "gehen: restore what a deployment changed that failed outside gehen's own Fail states",
      eventPattern: {
        ...base,
        detail: {
          stateMachineArn,
          status: ['FAILED'],
          error: [{ 'anything-but': Object.values(FailureCodes) }],
        },
      },
    });
    // The target's role may start this state machine and nothing else (states:StartExecution), and
    // EventBridge may assume it only for this stack's rules.
    const role = stackRulesRole(
      this,
      'StartRestores',
      'gehen: status-change rules start restores of the deploy state machine',
    );
    const input = events.RuleTargetInput.fromObject({ restoreOf: events.EventField.fromPath('$.detail.executionArn') });
    for (const rule of [stopped, failed]) {
      rule.addTarget(new targets.SfnStateMachine(props.stateMachine, { input, role }));
    }
    this.rules = [stopped, failed];
  }
}
