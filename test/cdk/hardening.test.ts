import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthForTest } from './synth-once';

/**
 * Template hardening (issue 14 item 4): confused-deputy conditions on the roles AWS services
 * assume, the ECR trigger's retry policy and dead-letter queue, and the optional customer-managed key.
 */

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const dir = mkdtempSync(join(tmpdir(), 'gehen-hardening-'));
const config = join(dir, 'gehen.yml');
writeFileSync(config, 'trigger:\n  ecrRepository: api\nservices:\n  api:\n    cluster: prod\n');

type Resource = { Properties: Record<string, unknown> };
const trustOf = (template: Template, service: string) =>
  (Object.values(template.findResources('AWS::IAM::Role')) as Resource[])
    .map((role) => role.Properties.AssumeRolePolicyDocument as { Statement: Array<Record<string, unknown>> })
    .flatMap((document) => document.Statement)
    .filter((statement) => JSON.stringify(statement.Principal).includes(service));

describe('with an ECR trigger and default encryption', () => {
  const template = Template.fromJSON(synthForTest({ 'gehen:configs': config }).template);

  it('lets Step Functions assume the state machine role for this state machine of this account only', () => {
    const [trust, ...others] = trustOf(template, 'states.amazonaws.com');
    expect(others).toEqual([]);
    expect(trust?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', expect.arrayContaining([':stateMachine:gehen-deploy'])] } },
    });
  });

  it('lets EventBridge assume the start roles (ECR pushes, restores) for this stack’s rules of this account only', () => {
    const trusts = trustOf(template, 'events.amazonaws.com');
    expect(trusts).toHaveLength(2);
    for (const trust of trusts) {
      expect(JSON.stringify(trust?.Condition)).toMatch(/"aws:SourceAccount".*"aws:SourceArn".*:rule\/Gehen-\*/);
    }
  });

  it('retries a failed StartExecution for two hours, then keeps the push in an encrypted, TLS-only queue', () => {
    const [rule] = (Object.values(template.findResources('AWS::Events::Rule')) as Resource[]).filter((r) =>
      JSON.stringify(r.Properties.EventPattern).includes('aws.ecr'),
    );
    const [target] = (rule?.Properties.Targets ?? []) as Array<Record<string, unknown>>;
    expect(target).toMatchObject({
      RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 20 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/UndeliveredPushes/), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });
});

describe('without a trigger', () => {
  it('creates no queue, and no EventBridge role but the restores’ (guarded the same way)', () => {
    const template = Template.fromJSON(synthForTest().template);
    template.resourceCountIs('AWS::SQS::Queue', 0);
    const trusts = trustOf(template, 'events.amazonaws.com');
    expect(trusts).toHaveLength(1);
    expect(JSON.stringify(trusts[0]?.Condition)).toMatch(/"aws:SourceAccount".*"aws:SourceArn".*:rule\/Gehen-\*/);
  });
});

describe('with gehen:kmsKeyArn', () => {
  const template = Template.fromJSON(synthForTest({ 'gehen:configs': config, 'gehen:kmsKeyArn': KEY }).template);

  it('encrypts every log group, the state machine and the dead-letter queue with the key', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: KEY });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      EncryptionConfiguration: { Type: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyId: KEY },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: KEY });
  });
});

describe('with allowlists', () => {
  const template = Template.fromJSON(
    synthForTest({
      'gehen:allowedClusters': `staging-*,arn:aws:ecs:eu-west-1:111122223333:cluster/qa`,
      'gehen:allowedRepositories': 'team/*',
      'gehen:allowedRoleArns': 'arn:aws:iam::444455556666:role/gehen-deploy',
      'gehen:assumeRoleArns': 'arn:aws:iam::999999999999:role/anything',
    }).template,
  );
  const policies = () =>
    (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[]).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }).Statement,
    );
  const grants = (action: string) =>
    policies()
      .filter((s) => [s.Action].flat().includes(action))
      .map((s) => JSON.stringify(s.Resource));

  it('grants ECS service actions on the services of the allowed clusters only', () => {
    for (const action of ['ecs:UpdateService', 'ecs:DescribeServices']) {
      for (const resource of grants(action)) {
        expect(resource).toContain(':service/staging-*/*');
        expect(resource).toContain('"arn:aws:ecs:eu-west-1:111122223333:service/qa/*"');
        expect(resource).not.toContain(':service/*/*');
      }
    }
  });

  it('lets the steps assume the allowed roles only', () => {
    expect(new Set(grants('sts:AssumeRole'))).toEqual(new Set(['"arn:aws:iam::444455556666:role/gehen-deploy"']));
  });

  it('tells Prepare the allowlists', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          GEHEN_ALLOWED_CLUSTERS: 'staging-*,arn:aws:ecs:eu-west-1:111122223333:cluster/qa',
          GEHEN_ALLOWED_REPOSITORIES: 'team/*',
          GEHEN_ALLOWED_ROLE_ARNS: 'arn:aws:iam::444455556666:role/gehen-deploy',
        }),
      },
    });
  });
});
