import { Match, Template } from 'aws-cdk-lib/assertions';
import { OUTCOMES } from '../../lib/dashboard';
import { synthForTest } from './synth-once';

const SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:datadog-api-key-AbCdEf';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:deployments';

/** The rules whose pattern is gehen's own notification events. */
function notificationRules(template: Template) {
  return Object.values(template.findResources('AWS::Events::Rule')).filter(
    (rule) => rule.Properties.EventPattern?.source?.[0] === 'gehen',
  );
}

describe('deployment notifications', () => {
  it('are off by default: no topic, no Datadog, only the dashboard log rule', () => {
    const template = Template.fromJSON(synthForTest().template);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::Events::ApiDestination', 0);
    const rules = notificationRules(template);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties.EventPattern).toEqual({
      source: ['gehen'],
      'detail-type': ['Gehen Deployment State Change'],
      resources: [
        {
          prefix: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':states:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':execution:gehen-deploy:',
              ],
            ],
          },
        },
      ],
    });
  });

  it('publish to a new SNS topic in the format Amazon Q Developer in chat applications renders', () => {
    const template = Template.fromJSON(synthForTest({ 'gehen:notifySnsTopicArn': 'create' }).template);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const rule = notificationRules(template).find((r) => r.Properties.Targets?.[0]?.InputTransformer);
    const transformer = rule?.Properties.Targets[0].InputTransformer;
    expect(transformer.InputPathsMap).toMatchObject({
      'detail-status': '$.detail.status',
      'detail-gitsha': '$.detail.gitsha',
      'detail-execution': '$.detail.execution',
    });
    const message = String(transformer.InputTemplate);
    expect(message).toContain('"textType":"client-markdown"');
    expect(message).toContain('"source":"custom"');
    expect(message).toContain('gehen: <detail-status> <detail-gitsha>');
    // The topic lets EventBridge publish, and only over TLS.
    for (const statement of [
      { Action: 'sns:Publish', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } },
      { Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(statement)]) },
      });
    }
  });

  it('publish to an existing topic when given its ARN', () => {
    const template = Template.fromJSON(synthForTest({ 'gehen:notifySnsTopicArn': TOPIC }).template);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    const targets = notificationRules(template).flatMap((r) => r.Properties.Targets ?? []);
    expect(targets.map((t: { Arn: unknown }) => t.Arn)).toContain(TOPIC);
  });

  it("post to Datadog's events API with the key read from Secrets Manager, never in the template", () => {
    const template = Template.fromJSON(
      synthForTest({ 'gehen:datadogApiKeySecretArn': SECRET, 'gehen:datadogSite': 'datadoghq.eu' }).template,
    );
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: {
          ApiKeyName: 'DD-API-KEY',
          ApiKeyValue: `{{resolve:secretsmanager:${SECRET}:SecretString:::}}`,
        },
      },
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: 'https://api.datadoghq.eu/api/v1/events',
      HttpMethod: 'POST',
    });
    const target = notificationRules(template)
      .flatMap((r) => r.Properties.Targets ?? [])
      .find((t: { HttpParameters?: unknown; InputTransformer?: unknown }) => t.InputTransformer);
    expect(String(target.InputTransformer.InputTemplate)).toContain('"source_type_name":"amazon step functions"');
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"ApiKeyValue":"[^{]/);
  });
});

describe('the dashboard', () => {
  const template = Template.fromJSON(synthForTest().template);

  it('counts each outcome from gehen events written to a log group', () => {
    for (const outcome of OUTCOMES) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterPattern: `{ $.detail.status = "${outcome}" }`,
        MetricTransformations: [
          Match.objectLike({
            MetricNamespace: 'gehen',
            MetricName: 'Deployments',
            Dimensions: [{ Key: 'Outcome', Value: '$.detail.status' }],
          }),
        ],
      });
    }
  });

  it("shows executions, outcomes, durations and the failure alarm from Step Functions' own metrics", () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of [
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'ExecutionsAborted',
      'ExecutionTime',
    ]) {
      expect(body).toContain(metric);
    }
    expect(body).toContain('rolled back');
    expect(body).toContain('DeployerFailedDeployments');
  });
});
