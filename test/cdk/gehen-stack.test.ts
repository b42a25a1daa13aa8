import { Match, Template } from 'aws-cdk-lib/assertions';
import { STATE_MACHINE_NAME } from '../../lib/state-names';
import { synthForTest } from './synth-once';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const ASSUMABLE = 'arn:aws:iam::111122223333:role/gehen-deployer';
let template: Template;

beforeAll(() => {
  template = Template.fromJSON(synthForTest({ 'gehen:assumeRoleArns': ASSUMABLE }).template);
});

/** The statements of the role of the function with the given `gehen:step` tag. */
function statementsOf(step: string): Statement[] {
  const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, resource]) =>
    resource.Properties.Tags.some((tag: { Key: string; Value: string }) => tag.Value === step),
  ) ?? [undefined, undefined];
  if (!fn) throw new Error(`no function for ${step}`);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}
/** What the Lambda runtime itself writes with the role (active tracing), not the step's code. */
const TRACING = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
const actionsOf = (step: string) =>
  statementsOf(step)
    .flatMap((statement) => [statement.Action].flat())
    .filter((action) => !TRACING.includes(action));

describe('the Lambda steps', () => {
  it('run on Node.js 22, arm64, with memory and timeouts sized per step', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(17);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(fn.Properties.Timeout).toBeLessThanOrEqual(90);
      expect([256, 512]).toContain(fn.Properties.MemorySize);
    }
  });

  it('are traced with X-Ray, as the state machine is', () => {
    template.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true } });
  });

  it('log to their own log groups, kept for a month', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('Logs') } },
    });
    // Seventeen steps, the state machine, and the dashboard's deployment event log.
    template.resourceCountIs('AWS::Logs::LogGroup', 19);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('log at INFO unless the stack says otherwise (gehen:logLevel)', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: { GEHEN_LOG_LEVEL: 'INFO' } },
    });
    const debug = Template.fromJSON(synthForTest({ 'gehen:logLevel': 'debug' }).template);
    debug.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: { GEHEN_LOG_LEVEL: 'DEBUG' } },
    });
    expect(() => synthForTest({ 'gehen:logLevel': 'verbose' })).toThrow(
      'logLevel must be one of DEBUG, INFO, WARN, ERROR, got VERBOSE',
    );
  });
});

describe('least privilege', () => {
  const writes =
    /^(ecs|events|iam|states):(Update|Register|Put|Create|Delete|Tag|Pass|Run|Start|Stop|Deregister|Remove)/;

  // Exactly the calls each step's core sends (lambdas/<step>/ and the lambdas/shared modules it uses).
  it.each([
    ['prepare', ['ecs:DescribeServices', 'ecs:DescribeTaskDefinition', 'events:ListTargetsByRule']],
    [
      'register-task-definition',
      [
        'ecs:DescribeTaskDefinition',
        'ecs:RegisterTaskDefinition',
        'ecs:TagResource',
        'iam:PassRole',
        'states:DescribeExecution',
        'states:GetExecutionHistory',
      ],
    ],
    ['update-service', ['ecs:UpdateService', 'states:DescribeExecution', 'states:GetExecutionHistory']],
    [
      'update-scheduled-task',
      [
        'events:ListTargetsByRule',
        'events:PutTargets',
        'ecs:DescribeTaskDefinition',
        'ecs:RegisterTaskDefinition',
        'ecs:TagResource',
        'iam:PassRole',
        'states:DescribeExecution',
        'states:GetExecutionHistory',
      ],
    ],
    ['probe', ['ecs:DescribeServices', 'ecs:DescribeServiceDeployments']],
    ['check-drain', ['ecs:DescribeServices', 'ecs:DescribeServiceDeployments', 'ecs:ListTasks', 'ecs:DescribeTasks']],
    [
      'roll-back',
      [
        'ecs:DescribeServices',
        'ecs:UpdateService',
        'ecs:ListServiceDeployments',
        'ecs:DescribeServiceDeployments',
        'ecs:StopServiceDeployment',
        'ecs:ContinueServiceDeployment',
        'states:DescribeExecution',
        'states:GetExecutionHistory',
      ],
    ],
    ['notify', ['events:PutEvents']],
    [
      'gate',
      [
        'ecs:ListServiceDeployments',
        'ecs:DescribeServiceDeployments',
        'ecs:ContinueServiceDeployment',
        // Release Rollback At Hooks: a paused rollback deployment's target revision, checked before it is continued.
        'ecs:DescribeServiceRevisions',
        'events:PutEvents',
        'states:DescribeExecution',
        'states:GetExecutionHistory',
      ],
    ],
    ['report', []],
    [
      'clean-up-revisions',
      [
        'ecs:ListServices',
        'ecs:DescribeServices',
        'events:ListTargetsByRule',
        'ecs:ListTaskDefinitions',
        'ecs:DeregisterTaskDefinition',
      ],
    ],
    ['release-lock', ['dynamodb:GetItem', 'dynamodb:DeleteItem']],
    ['park-wait', ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'states:SendTaskSuccess']],
    ['wake', ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'states:SendTaskSuccess']],
    ['check-target-roles', ['iam:SimulatePrincipalPolicy']],
    ['acquire-lock', ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem']],
    [
      'prepare-restore',
      [
        // The aborted execution's plan, and starting restore-<name>.
        'states:DescribeExecution',
        'states:GetExecutionHistory',
        'states:StartExecution',
        'dynamodb:PutItem',
        'dynamodb:GetItem',
        'dynamodb:DeleteItem',
      ],
    ],
  ])('%s may call exactly what its core sends', (step, calls) => {
    const granted = actionsOf(step).filter(
      (action) => !['logs:CreateLogStream', 'logs:PutLogEvents', 'sts:AssumeRole'].includes(action),
    );
    expect(granted.sort()).toEqual([...calls].sort());
  });

  it.each(['register-task-definition', 'update-service', 'update-scheduled-task', 'roll-back'])(
    '%s reads only this state machine’s executions, and knows its ARN without a Ref',
    (step) => {
      const read = statementsOf(step).find((s) => [s.Action].flat().includes('states:DescribeExecution'));
      expect(JSON.stringify(read?.Resource)).toMatch(/:execution:gehen-deploy:\*"/);
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).filter((resource) =>
        resource.Properties.Tags.some((tag: { Value: string }) => tag.Value === step),
      );
      const arn = JSON.stringify(fn?.Properties.Environment.Variables.GEHEN_STATE_MACHINE_ARN);
      expect(arn).toMatch(/:stateMachine:gehen-deploy"/);
      expect(arn).not.toContain('StateMachine');
    },
  );

  it.each(['probe', 'check-drain'])('%s writes nothing', (step) => {
    expect(actionsOf(step).filter((action) => writes.test(action))).toEqual([]);
  });

  it('check-target-roles simulates only the roles gehen may pass to EventBridge targets', () => {
    const simulate = statementsOf('check-target-roles').find((statement) =>
      [statement.Action].flat().includes('iam:SimulatePrincipalPolicy'),
    );
    expect(JSON.stringify(simulate?.Resource)).toMatch(/:role\/\*"/);
  });

  it('report calls no AWS API', () => {
    expect(actionsOf('report').sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it.each(['update-service', 'roll-back'])('%s updates ECS services only, long and short ARNs alike', (step) => {
    const update = statementsOf(step).find((statement) => [statement.Action].flat().includes('ecs:UpdateService'));
    // `service/*` matches `service/NAME` (pre-2021 short ARN) and `service/CLUSTER/NAME`; `service/*/*` misses the first.
    expect(JSON.stringify(update?.Resource)).toMatch(/:service\/\*"/);
  });

  it.each(['probe', 'check-drain', 'roll-back'])('%s reads and acts on service deployments by their ARNs', (step) => {
    const read = statementsOf(step).find((statement) =>
      [statement.Action].flat().includes('ecs:DescribeServiceDeployments'),
    );
    expect(JSON.stringify(read?.Resource)).toMatch(/:service-deployment\/\*"/);
  });

  it('grants * only to the actions that accept nothing else', () => {
    const starOnly = new Set([
      'ecs:DescribeTaskDefinition',
      'ecs:RegisterTaskDefinition',
      'ecs:ListTasks',
      'ecs:ListServices',
      'ecs:ListTaskDefinitions',
      'ecs:DeregisterTaskDefinition',
      ...TRACING,
    ]);
    for (const step of [
      'clean-up-revisions',
      'prepare',
      'register-task-definition',
      'update-service',
      'update-scheduled-task',
      'probe',
      'check-drain',
      'roll-back',
    ]) {
      for (const statement of statementsOf(step).filter((s) => s.Resource === '*')) {
        for (const action of [statement.Action].flat())
          expect(starOnly.has(action) ? action : `${step}: ${action}`).toBe(action);
      }
    }
  });

  it('passes roles only to ECS tasks and EventBridge', () => {
    const passRole = (step: string) => statementsOf(step).find((statement) => statement.Action === 'iam:PassRole');
    expect(passRole('register-task-definition')?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com'] },
    });
    expect(passRole('update-scheduled-task')?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'events.amazonaws.com'] },
    });
    for (const step of [
      'prepare',
      'update-service',
      'roll-back',
      'probe',
      'check-drain',
      'report',
      'clean-up-revisions',
    ]) {
      expect(passRole(step)).toBeUndefined();
    }
  });

  it('tags task definitions only while registering them', () => {
    const tag = statementsOf('register-task-definition').find((statement) => statement.Action === 'ecs:TagResource');
    expect(tag?.Condition).toEqual({ StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } });
  });

  it('assumes only the roles it was given', () => {
    for (const step of [
      'clean-up-revisions',
      'prepare',
      'register-task-definition',
      'update-service',
      'update-scheduled-task',
      'probe',
      'check-drain',
      'roll-back',
    ]) {
      const assume = statementsOf(step).filter((statement) => [statement.Action].flat().includes('sts:AssumeRole'));
      expect(assume.map((statement) => statement.Resource)).toEqual([ASSUMABLE]);
    }
    expect(actionsOf('report')).not.toContain('sts:AssumeRole');
  });

  it('assumes no role when none is given', () => {
    const bare = Template.fromJSON(synthForTest().template);
    const actions = Object.values(bare.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((statement) => [statement.Action].flat()),
    );
    expect(actions).not.toContain('sts:AssumeRole');
  });
});

describe('the state machine', () => {
  it('is the Standard workflow gehen-deploy, traced, logging every event without state data', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: STATE_MACHINE_NAME,
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
  });

  it('outputs its ARN and a console link', () => {
    template.hasOutput('StateMachineArn', { Value: { Ref: Match.stringLikeRegexp('StateMachine') } });
    template.hasOutput('ConsoleUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('console.aws.amazon.com/states')])] },
    });
  });
});

describe('the deployment lock table', () => {
  it('is on demand, with expiresAt as its TTL, point-in-time recovery and encryption', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it.each(['acquire-lock', 'prepare-restore'])(
    "gives %s the table and the execution's maximum duration as the lock's TTL",
    (step) => {
      const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
      // The state machine's default timeout, five days.
      const timeout = 5 * 24 * 3600;
      template.hasResourceProperties('AWS::Lambda::Function', {
        Tags: [{ Key: 'gehen:step', Value: step }],
        Environment: {
          Variables: Match.objectLike({ LOCK_TABLE_NAME: { Ref: tableId }, LOCK_TTL_SECONDS: String(timeout) }),
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Tags: [{ Key: 'gehen:step', Value: 'release-lock' }],
        Environment: { Variables: Match.objectLike({ LOCK_TABLE_NAME: { Ref: tableId } }) },
      });
    },
  );
});
