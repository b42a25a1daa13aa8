import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { NOTIFICATION_DETAIL_TYPE, NOTIFICATION_SOURCE } from '../lambdas/notify/core';
import { executionArnPrefix } from './notifications';

/** The statuses of gehen's notification events, each counted as a metric. */
export const OUTCOMES = ['deployed', 'skipped', 'rolled-back', 'failed', 'timed-out'] as const;
export const METRIC_NAMESPACE = 'gehen';

export interface DeploymentDashboardProps {
  readonly stateMachine: sfn.StateMachine;
  readonly stateMachineName: string;
  readonly failureAlarm: cloudwatch.IAlarm;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** Encrypts the deployment event log. @default - CloudWatch Logs' own encryption */
  readonly encryptionKey?: kms.IKey;
  /** @default 'gehen-deployments' */
  readonly dashboardName?: string;
}

/**
 * A CloudWatch dashboard of deployments: started, succeeded, failed, timed out and aborted from
 * Step Functions' own metrics, and how each ended (deployed, rolled back, …) from gehen's events,
 * which a rule writes to a log group where metric filters count them; durations from the
 * executions' ExecutionTime.
 */
export class DeploymentDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** Every `Gehen Deployment State Change` event of this state machine, as JSON: a deployment log. */
  readonly eventLog: logs.LogGroup;

  constructor(scope: Construct, id: string, props: DeploymentDashboardProps) {
    super(scope, id);
    const { stateMachine } = props;
    this.eventLog = new logs.LogGroup(this, 'DeploymentEvents', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.logRemovalPolicy,
    });
    const rule = new events.Rule(this, 'LogDeploymentEvents', {
      description: 'gehen: keep every deployment outcome event, for the dashboard',
      eventPattern: {
        source: [NOTIFICATION_SOURCE],
        detailType: [NOTIFICATION_DETAIL_TYPE],
        resources: events.Match.prefix(executionArnPrefix(this, props.stateMachineName)),
      },
    });
    // EventBridge writes to a log group under the group's resource policy
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions).
    // Declared here rather than through targets.CloudWatchLogGroup, whose custom resource would
    // add a Lambda function (and an AWS managed policy) to the stack just to write this policy.
    new logs.ResourcePolicy(this, 'EventsMayWrite', {
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.eventLog.logGroupArn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
        }),
      ],
    });
    rule.addTarget({ bind: () => ({ arn: this.eventLog.logGroupArn }) });
    const period = Duration.hours(1);
    const outcomes = OUTCOMES.map((outcome) => {
      new logs.MetricFilter(this, `Outcome-${outcome}`, {
        logGroup: this.eventLog,
        filterPattern: logs.FilterPattern.stringValue('$.detail.status', '=', outcome),
        metricNamespace: METRIC_NAMESPACE,
        metricName: 'Deployments',
        dimensions: { Outcome: '$.detail.status' },
        metricValue: '1',
      });
      return new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName: 'Deployments',
        dimensionsMap: { Outcome: outcome },
        statistic: cloudwatch.Stats.SUM,
        period,
        label: outcome.replace('-', ' '),
      });
    });
    const sum = { statistic: cloudwatch.Stats.SUM, period };

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown: `# gehen deployments\nExecutions of **${props.stateMachineName}**: open one with \`gehen status ARN\`.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Executions',
            width: 12,
            left: [
              stateMachine.metricStarted({ ...sum, label: 'started' }),
              stateMachine.metricSucceeded({ ...sum, label: 'succeeded' }),
              stateMachine.metricFailed({ ...sum, label: 'failed' }),
              stateMachine.metricTimedOut({ ...sum, label: 'timed out' }),
              stateMachine.metricAborted({ ...sum, label: 'aborted' }),
            ],
          }),
          new cloudwatch.GraphWidget({ title: 'How deployments ended', width: 12, left: outcomes, stacked: true }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Duration',
            width: 12,
            left: [
              stateMachine.metricTime({ statistic: cloudwatch.Stats.AVERAGE, period, label: 'average' }),
              stateMachine.metricTime({ statistic: cloudwatch.Stats.percentile(90), period, label: 'p90' }),
              stateMachine.metricTime({ statistic: cloudwatch.Stats.MAXIMUM, period, label: 'longest' }),
            ],
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 6, alarms: [props.failureAlarm] }),
          new cloudwatch.SingleValueWidget({
            title: 'Last 7 days',
            width: 6,
            metrics: outcomes.map((metric) => metric.with({ period: Duration.days(7) })),
          }),
        ],
      ],
    });
  }
}
