import { ArnFormat, SecretValue, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { NOTIFICATION_DETAIL_TYPE, NOTIFICATION_SOURCE } from '../lambdas/notify/core';

export interface DeploymentNotificationsProps {
  /** The state machine's name: only its executions' events are sent. */
  readonly stateMachineName: string;
  /**
   * An SNS topic to tell of every deployment's end, in the message format Amazon Q Developer in
   * chat applications renders in Slack and Teams; `'create'` makes one.
   *
   * @default - no topic
   */
  readonly snsTopicArn?: string;
  /**
   * A Secrets Manager secret (its ARN) whose SecretString is a Datadog API key: every deployment's
   * end is posted to Datadog's events API, as the original gehen reported deploys to Datadog.
   *
   * @default - no Datadog
   */
  readonly datadogApiKeySecretArn?: string;
  /**
   * Your Datadog site.
   *
   * @default 'datadoghq.com'
   */
  readonly datadogSite?: string;
}

const field = (path: string) => events.EventField.fromPath(path);

/**
 * Where gehen's `Gehen Deployment State Change` events go besides the default bus: an SNS topic
 * (Slack, Teams, email) and Datadog. Each is one EventBridge rule matching this state machine's
 * events, with an input transformer that writes the message.
 */
export class DeploymentNotifications extends Construct {
  /** The rule every target hangs off: gehen's events of this state machine's executions. */
  readonly rule: events.Rule;
  readonly topic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: DeploymentNotificationsProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'DeploymentEnded', {
      description: 'gehen: a deployment ended; tell the people who watch it',
      eventPattern: {
        source: [NOTIFICATION_SOURCE],
        detailType: [NOTIFICATION_DETAIL_TYPE],
        // Notify puts the execution ARN in `resources`: only this state machine's deployments.
        resources: events.Match.prefix(executionArnPrefix(this, props.stateMachineName)),
      },
    });

    if (props.snsTopicArn) {
      this.topic =
        props.snsTopicArn === 'create'
          ? new sns.Topic(this, 'Topic', { displayName: 'gehen deployments', enforceSSL: true })
          : sns.Topic.fromTopicArn(this, 'Topic', props.snsTopicArn);
      this.rule.addTarget(new targets.SnsTopic(this.topic, { message: chatMessage() }));
    }

    if (props.datadogApiKeySecretArn) {
      const connection = new events.Connection(this, 'DatadogConnection', {
        description: 'gehen: the Datadog API key, read from Secrets Manager when the stack deploys',
        authorization: events.Authorization.apiKey(
          'DD-API-KEY',
          SecretValue.secretsManager(props.datadogApiKeySecretArn),
        ),
      });
      const destination = new events.ApiDestination(this, 'DatadogEvents', {
        description: "gehen: Datadog's events API",
        connection,
        endpoint: `https://api.${props.datadogSite ?? 'datadoghq.com'}/api/v1/events`,
        httpMethod: events.HttpMethod.POST,
        rateLimitPerSecond: 10,
      });
      const role = new iam.Role(this, 'DatadogRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': this.rule.env.account } },
        }),
        description: 'gehen: lets the deployment notifications rule call the Datadog API destination',
      });
      this.rule.addTarget(new targets.ApiDestination(destination, { event: datadogEvent(), eventRole: role }));
    }
  }
}

/**
 * Amazon Q Developer in chat applications' custom notification format: a title and a Markdown
 * description, rendered as a card in Slack or Teams
 * (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html).
 */
function chatMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromObject({
    version: '1.0',
    source: 'custom',
    id: field('$.id'),
    content: {
      textType: 'client-markdown',
      title: `gehen: ${field('$.detail.status')} ${field('$.detail.gitsha')}`,
      description: `Deployment of \`${field('$.detail.gitsha')}\` ended *${field('$.detail.status')}*. Execution: ${field('$.detail.execution')}`,
      nextSteps: [`gehen status ${field('$.detail.execution')}`],
    },
    metadata: { enableCustomActions: false, eventType: 'Gehen Deployment State Change' },
  });
}

/** Datadog's v1 events API body (https://docs.datadoghq.com/api/latest/events/#post-an-event). */
function datadogEvent(): events.RuleTargetInput {
  return events.RuleTargetInput.fromObject({
    title: `gehen deployment ${field('$.detail.status')}: ${field('$.detail.gitsha')}`,
    text: `gehen deployed ${field('$.detail.gitsha')}: ${field('$.detail.status')}. Execution ${field('$.detail.execution')}`,
    tags: ['source:gehen', `gehen_status:${field('$.detail.status')}`, `git.commit.sha:${field('$.detail.gitsha')}`],
    aggregation_key: field('$.detail.execution'),
    source_type_name: 'amazon step functions',
  });
}

/** `arn:PARTITION:states:REGION:ACCOUNT:execution:NAME:`: what every execution ARN of the state machine starts with. */
export function executionArnPrefix(scope: Construct, stateMachineName: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachineName}:`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
