import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseExecutionInput } from '../../lambdas/shared/contracts/execution-input';
import { transformInput } from '../../sandbox/event-pattern';
import { synthForTest } from './synth-once';

const dir = mkdtempSync(join(tmpdir(), 'gehen-triggers-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const API = file(
  'api.yml',
  `trigger:
  ecrRepository: team/api
services:
  api:
    cluster: prod
    url: https://api.example.com/ping
scheduledTasks:
  nightly:
`,
);
const NO_TRIGGER = file('web.yml', 'services:\n  web:\n    cluster: prod\n');
const CUSTOM = file(
  'jobs.yml',
  "trigger:\n  ecrRepository: jobs\n  tagPattern: '^[0-9a-f]{40}$'\nservices:\n  jobs:\n    cluster: prod\n",
);

let template: Template;
beforeAll(() => {
  template = Template.fromJSON(synthForTest({ 'gehen:configs': [API, NO_TRIGGER, CUSTOM].join(',') }).template);
});

type Resource = { Properties: Record<string, unknown> };
/** The ECR push rules (the dashboard's and notifications' rules match gehen's own events). */
const ecrRules = (t: Template) =>
  (Object.values(t.findResources('AWS::Events::Rule')) as Resource[]).filter((r) =>
    JSON.stringify(r.Properties.EventPattern).includes('"aws.ecr"'),
  );
const rules = () => ecrRules(template);
function ruleFor(repository: string): Resource {
  const rule = rules().find((r) => JSON.stringify(r.Properties.EventPattern).includes(`"${repository}"`));
  if (!rule) throw new Error(`no rule for ${repository}`);
  return rule;
}
type Target = {
  Arn: { Ref: string };
  InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
};
function targetOf(rule: Resource): Target {
  const [target] = rule.Properties.Targets as Target[];
  if (!target) throw new Error('the rule has no target');
  return target;
}

describe('ECR push triggers', () => {
  it('has one rule per gehen.yml with a trigger, on successful tagged pushes to its repository in this account', () => {
    expect(rules()).toHaveLength(2);
    expect(ruleFor('team/api').Properties.EventPattern).toEqual({
      source: ['aws.ecr'],
      'detail-type': ['ECR Image Action'],
      account: [{ Ref: 'AWS::AccountId' }],
      detail: {
        'action-type': ['PUSH'],
        result: ['SUCCESS'],
        'repository-name': ['team/api'],
        'image-tag': [{ exists: true }],
      },
    });
  });

  it('starts gehen-deploy with the image tag as the SHA and the normalized config', () => {
    const target = targetOf(ruleFor('team/api'));
    expect(target.Arn.Ref).toMatch(/StateMachine/);
    expect(target.InputTransformer.InputPathsMap).toEqual({ 'detail-image-tag': '$.detail.image-tag' });
    const event = {
      version: '0' as const,
      id: '1',
      'detail-type': 'ECR Image Action',
      source: 'aws.ecr',
      account: '111122223333',
      time: '2026-01-01T00:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { 'image-tag': 'abc1234' },
    };
    const input = JSON.parse(
      transformInput(target.InputTransformer, event, { ruleArn: 'r', ruleName: 'r', ingestionTime: 't' }),
    );
    expect(input).toEqual({
      gitsha: 'abc1234',
      source: 'ecr',
      tagPattern: '^[0-9a-f]{7,40}$',
      config: expect.objectContaining({
        services: [
          { name: 'api', cluster: 'prod', region: null, url: 'https://api.example.com/ping', containers: null },
        ],
        scheduledTasks: [{ rule: 'nightly', region: null, containers: null }],
      }),
    });
    expect(() => parseExecutionInput(input)).not.toThrow();
    expect(
      JSON.parse(
        transformInput(targetOf(ruleFor('jobs')).InputTransformer, event, {
          ruleArn: 'r',
          ruleName: 'r',
          ingestionTime: 't',
        }),
      ).tagPattern,
    ).toBe('^[0-9a-f]{40}$');
  });

  it('lets the rules start this state machine and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'states:StartExecution',
            Effect: 'Allow',
            Resource: { Ref: Match.stringLikeRegexp('StateMachine') },
          },
        ],
      },
    });
  });

  it('fails synth naming the file when a config is invalid, missing, or too large for the input template', () => {
    const bad = file('bad.yml', 'trigger:\n  ecrRepository: api\nservices:\n  api:\n    clustr: prod\n');
    expect(() => synthForTest({ 'gehen:configs': bad })).toThrow(`${bad} is not a valid gehen config`);
    expect(() => synthForTest({ 'gehen:configs': join(dir, 'nope.yml') })).toThrow(
      `gehen:configs names ${join(dir, 'nope.yml')}, which cannot be read`,
    );
    const services = Array.from({ length: 120 }, (_, i) => `  service-${i}:\n    cluster: prod\n`).join('');
    const huge = file('huge.yml', `trigger:\n  ecrRepository: api\nservices:\n${services}`);
    expect(() => synthForTest({ 'gehen:configs': huge })).toThrow(
      /huge\.yml: its config is \d+ characters as the trigger's input template, more than EventBridge's 8192/,
    );
  });

  it('has no rule without gehen:configs', () => {
    expect(ecrRules(Template.fromJSON(synthForTest().template))).toEqual([]);
  });
});

describe('notifications and alarms', () => {
  it('alarms on any failed, timed-out or stopped execution', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'failed + timedOut + aborted' }),
        Match.objectLike({
          Id: 'failed',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' }),
          }),
        }),
        Match.objectLike({
          Id: 'timedOut',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsTimedOut' }) }),
        }),
        Match.objectLike({
          Id: 'aborted',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsAborted' }) }),
        }),
      ]),
    });
  });

  it('lets Notify and the gate put events on the default bus only, and only Acquire Lock, Prepare Restore and Release Lock touch lock items', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
    type Statement = { Action: unknown; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
    const statements = policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const allows = (s: Statement, action: string) => [s.Action].flat().includes(action);
    const keysOf = (s: Statement) => s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
    // Unconditioned grants: those can touch a lock item.
    const grants = (action: string) =>
      statements.filter((s) => allows(s, action) && keysOf(s) === undefined).map((s) => JSON.stringify(s.Resource));
    // Notify's notification and the gate's approval request: both on the default bus, nowhere else.
    expect(grants('events:PutEvents')).toEqual([
      expect.stringMatching(/:events:.*:event-bus\/default"/),
      expect.stringMatching(/:events:.*:event-bus\/default"/),
    ]);
    const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    const lockTable = JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] });
    expect(grants('dynamodb:PutItem')).toEqual([lockTable, lockTable]);
    expect(grants('dynamodb:DeleteItem')).toEqual([lockTable, lockTable, lockTable]);
    // Park Wait and Wake write the event wait's items only, never a lock's (docs/design.md).
    const keyed = (action: string) =>
      statements.filter((s) => allows(s, action) && keysOf(s) !== undefined).map(keysOf);
    expect(keyed('dynamodb:PutItem')).toEqual([['wake#*']]);
    expect(keyed('dynamodb:UpdateItem')).toEqual([['wait#*'], ['wait#*']]);
    // UpdateItem creates an item that does not exist: no step may UpdateItem a lock item.
    expect(grants('dynamodb:UpdateItem')).toEqual([]);
    expect(grants('states:ListExecutions')).toEqual([]);
    // Prepare Restore (it reads the stopped execution), and the five write steps (Continue Gate's
    // among them) proving their payload is a running execution's plan.
    expect(grants('states:DescribeExecution')).toEqual(
      Array(6).fill(expect.stringMatching(/:execution:gehen-deploy:\*"/)),
    );
  });
});
