import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** The ECS events a drain's or a gate's wait ends on (lambdas/wake, eventMeaning). */
export const ECS_WAKE_DETAIL_TYPES = ['ECS Deployment State Change', 'ECS Service Action', 'ECS Hook State Change'];

export interface EcsEventWakeRuleProps {
  /** The Wake step's function. */
  readonly wake: IFunction;
}

/**
 * ECS puts its deployment, service-action and lifecycle-hook events on the default bus of the
 * service's account and region (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_cwe_events.html):
 * this rule hands them to Wake, which ends the wait of the execution parked on that service
 * (docs/design.md, "Waiting on ECS events"). Services in other regions or accounts (role.arn) emit
 * on their own buses: their drains and gates wait for the safety-net poll.
 */
export class EcsEventWakeRule extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: EcsEventWakeRuleProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Wake Drain Waits', {
      description: "gehen: ECS's deployment, service and hook events end the drain's and the gate's waits",
      eventPattern: { source: ['aws.ecs'], detailType: ECS_WAKE_DETAIL_TYPES },
    });
    // A wake older than the safety net's wait is worthless: the poll has already run the round.
    this.rule.addTarget(new targets.LambdaFunction(props.wake, { maxEventAge: Duration.minutes(5), retryAttempts: 2 }));
  }
}
