import { Match, Template } from 'aws-cdk-lib/assertions';
import { StateMachine } from 'aws-local-stepfunctions';
import { resolveDefinition, type TemplateFunction, templateFunctions } from '../../lib/resolve-definition';
import { StateNames as S, STATE_MACHINE_NAME } from '../../lib/state-names';
import { synthForTest } from './synth-once';

interface AslState {
  Type: string;
  Resource?: string;
  Next?: string;
  Default?: string;
  Parameters?: Record<string, unknown>;
  TimeoutSecondsPath?: string;
  SecondsPath?: string;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
}

let template: Template;
let states: Record<string, AslState>;
let functions: TemplateFunction[];

beforeAll(() => {
  const synthesized = synthForTest();
  template = Template.fromJSON(synthesized.template);
  states = (resolveDefinition(synthesized.template) as unknown as { States: Record<string, AslState> }).States;
  functions = templateFunctions(synthesized.template);
});

const functionArnOf = (step: string) =>
  `arn:aws:lambda:us-east-1:000000000000:function:${functions.find((fn) => fn.step === step)?.logicalId}`;

describe.each([
  {
    loop: 'deploy',
    start: S.startDrain,
    wait: S.waitDrain,
    poll: S.pollDrain,
    check: S.checkDrain,
    choice: S.drainChoice,
  },
  {
    loop: 'rollback',
    start: S.startDrainRollback,
    wait: S.waitDrainRollback,
    poll: S.pollDrainRollback,
    check: S.checkDrainRollback,
    choice: S.drainRollbackChoice,
  },
])('the $loop drain loop', ({ start, wait, poll, check, choice }) => {
  it('waits on ECS events: a waitForTaskToken Task of Park Wait, bounded by the safety-net poll', () => {
    // The first round checks at once: ECS may have finished during the verify phase.
    expect(states[start]?.Next).toBe(check);
    expect(states[wait]).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: functionArnOf('park-wait'),
        // The round it follows: Park Wait parks that round's pending services alone.
        Payload: { 'taskToken.$': '$$.Task.Token', 'executionArn.$': '$$.Execution.Id', 'round.$': '$.round' },
      },
      TimeoutSecondsPath: '$.eventWaitSeconds',
      Next: check,
    });
    // Not yet drained: back to the event wait, as it went back to the Wait.
    expect(states[choice]?.Default).toBe(wait);
  });

  it('goes on to the next check round when the wait times out, and polls when it cannot park', () => {
    expect(states[wait]?.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['States.Timeout'], Next: check }),
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: poll }),
    ]);
    expect(states[poll]).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.plan.deployment.pollIntervalSeconds',
      Next: check,
    });
  });

  it('waits at most four poll intervals: the start Pass computes the timeout as Step Functions would', async () => {
    const { Next: _next, ...pass } = states[start] ?? { Type: 'Pass' };
    const machine = new StateMachine({ StartAt: 'Start', States: { Start: { ...pass, End: true } } } as never);
    const input = {
      plan: { deployment: { pollIntervalSeconds: 15 } },
      deployed: [],
      scheduled: [],
      // What the rollback's loops carry.
      deployFailure: {},
      notRestored: [],
      leftServices: [],
    };
    const output = (await machine.run(input).result) as { eventWaitSeconds: number; round: null };
    expect(output).toMatchObject({ eventWaitSeconds: 60, round: null });
  });
});

describe('the verify loops', () => {
  it.each([S.waitVerify, S.waitVerifyRollback])('%s still polls: a probe waits on HTTP, not on ECS', (name) => {
    expect(states[name]).toMatchObject({ Type: 'Wait', SecondsPath: '$.plan.deployment.pollIntervalSeconds' });
  });
});

describe("ECS's events", () => {
  it('reach Wake: deployment, service-action and hook events of the default bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Deployment State Change', 'ECS Service Action', 'ECS Hook State Change'],
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functions.find((fn) => fn.step === 'wake')?.logicalId, 'Arn'] },
          Id: Match.anyValue(),
          RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 },
        }),
      ],
    });
  });
});

describe("the event wait's permissions", () => {
  const statementsOf = (step: string) => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((resource) =>
      resource.Properties.Tags.some((tag: { Value: string }) => tag.Value === step),
    );
    const roleId = fn?.Properties.Role['Fn::GetAtt'][0];
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
  };

  it.each([
    ['park-wait', 'dynamodb:PutItem', ['wake#*']],
    ['park-wait', 'dynamodb:UpdateItem', ['wait#*']],
    ['wake', 'dynamodb:GetItem', ['wake#*']],
    ['wake', 'dynamodb:UpdateItem', ['wait#*']],
  ])('%s may %s only items keyed %j, never a lock item', (step, action, keys) => {
    const statement = statementsOf(step).find((s) => [s.Action].flat().includes(action));
    expect(statement?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keys } });
  });

  it.each(['park-wait', 'wake'])('%s may end the waits of the gehen-deploy state machine only', (step) => {
    const statement = statementsOf(step).find((s) => [s.Action].flat().includes('states:SendTaskSuccess'));
    expect(JSON.stringify(statement?.Resource)).toMatch(new RegExp(`:stateMachine:${STATE_MACHINE_NAME}"`));
  });
});
