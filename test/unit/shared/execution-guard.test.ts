import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TransientAwsError, UnauthorizedInvocationError } from '../../../lambdas/shared/contracts/errors';
import type { Plan } from '../../../lambdas/shared/contracts/state';
import { authorizeClaim, preparedPlan, type StepClaim } from '../../../lambdas/shared/execution-guard';
import { StateNames } from '../../../lib/state-names';
import { ACCOUNT, deployConfig, deployment, plannedService, serviceConfig, taskDefinitionArn } from './deploy-fixtures';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

const STATE_MACHINE = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:gehen-deploy`;
const EXECUTION = deployment().executionArn;
const PLAN: Plan = { deployment: deployment(), services: [plannedService()], scheduledTasks: [] };
const INPUT = { gitsha: deployment().gitsha, config: deployConfig({ region: 'eu-west-1' }), source: 'cli' };

function history(plan: unknown = PLAN): HistoryEvent[] {
  const at = new Date();
  return [
    { type: 'ExecutionStarted', id: 1, timestamp: at },
    { type: 'TaskStateEntered', id: 2, timestamp: at, stateEnteredEventDetails: { name: StateNames.prepare } },
    { type: 'LambdaFunctionFailed', id: 3, timestamp: at },
    {
      type: 'LambdaFunctionSucceeded',
      id: 4,
      timestamp: at,
      lambdaFunctionSucceededEventDetails: { output: JSON.stringify(plan) },
    },
    { type: 'TaskStateExited', id: 5, timestamp: at, stateExitedEventDetails: { name: StateNames.prepare } },
  ];
}

function described(overrides: Partial<DescribeExecutionCommandOutput> = {}): DescribeExecutionCommandOutput {
  return {
    $metadata: {},
    executionArn: EXECUTION,
    stateMachineArn: STATE_MACHINE,
    status: 'RUNNING',
    input: JSON.stringify(INPUT),
    startDate: new Date(),
    ...overrides,
  };
}

function running(overrides: Partial<DescribeExecutionCommandOutput> = {}) {
  sfn.on(DescribeExecutionCommand).resolves(described(overrides));
  sfn.on(GetExecutionHistoryCommand).resolves({ events: history() });
}

const sleeps: number[] = [];
const options = () => ({
  stepFunctions: new SFNClient({ region: 'eu-west-1' }),
  stateMachineArn: STATE_MACHINE,
  defaultRegion: 'eu-west-1',
  sleep: async (ms: number) => {
    sleeps.push(ms);
  },
});
beforeEach(() => {
  sleeps.length = 0;
});

const claim = (overrides: Partial<StepClaim> = {}): StepClaim => ({
  deployment: deployment(),
  service: plannedService(),
  ...overrides,
});

describe('authorizeClaim', () => {
  it('lets a running execution’s planned service through', async () => {
    running();
    await expect(authorizeClaim(claim(), options())).resolves.toBeUndefined();
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION });
  });

  test.each<[string, () => void, StepClaim, RegExp]>([
    [
      'an execution of another state machine (by its ARN)',
      () => running(),
      claim({ deployment: deployment({ executionArn: EXECUTION.replace('gehen-deploy', 'other') }) }),
      /is not an execution of/,
    ],
    [
      'an execution that reports another state machine',
      () => running({ stateMachineArn: `${STATE_MACHINE}-2` }),
      claim(),
      /is an execution of .*gehen-deploy-2/,
    ],
    ['a finished execution', () => running({ status: 'SUCCEEDED' }), claim(), /is SUCCEEDED, not RUNNING/],
    ['an input that is no deployment', () => running({ input: '{"hello":1}' }), claim(), /no valid deployment input/],
    [
      'a service not in the config',
      () => running(),
      claim({ service: plannedService({ name: 'billing' }) }),
      /service billing in cluster prod \(eu-west-1\) is not in execution/,
    ],
    [
      'a service of the config in another cluster',
      () => running(),
      claim({ service: plannedService({ cluster: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/staging` }) }),
      /not in execution/,
    ],
    [
      'another role than the config’s',
      () => running(),
      claim({ deployment: deployment({ roleArn: `arn:aws:iam::${ACCOUNT}:role/admin` }) }),
      /role .*admin is not execution/,
    ],
    [
      'another external id than the config’s',
      () => running(),
      claim({ deployment: deployment({ roleExternalId: 'guessed' }) }),
      /role .* is not execution/,
    ],
    [
      'a previous revision Prepare did not record',
      () => running(),
      claim({ service: plannedService({ previousTaskDefinition: taskDefinitionArn('api', 3) }) }),
      /not as execution .* plan recorded it/,
    ],
    [
      'a task definition of another family',
      () => running(),
      claim({ taskDefinition: taskDefinitionArn('billing', 7) }),
      /is not of family api/,
    ],
    [
      'a rule not in the config',
      () => running(),
      claim({
        service: undefined,
        rule: { rule: 'nightly', region: 'eu-west-1', eventBusName: 'default', containers: null, targets: [] },
      }),
      /scheduled task rule nightly \(eu-west-1\) is not in execution/,
    ],
    [
      'Continue Gate acting on one planned service and one that is not',
      () => running(),
      claim({ service: undefined, services: [plannedService(), plannedService({ name: 'billing' })] }),
      /service billing in cluster prod \(eu-west-1\) is not in execution/,
    ],
    [
      'Continue Gate at a gate the plan does not have',
      () => running(),
      claim({ service: undefined, gate: { stage: 'POST_SCALE_UP', approval: 'none', bakeMinutes: 0, bakeSeconds: 0 } }),
      /the gate is not execution .* plan's/,
    ],
  ])('refuses %s, typed', async (_name, arrange, given, reason) => {
    arrange();
    const refusal = authorizeClaim(given, options());
    await expect(refusal).rejects.toThrow(UnauthorizedInvocationError);
    await expect(refusal).rejects.toThrow(reason);
  });

  it('looks again for an execution not visible yet, then lets it through', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejectsOnce(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }))
      .resolves(described());
    sfn.on(GetExecutionHistoryCommand).resolves({ events: history() });
    await expect(authorizeClaim(claim(), options())).resolves.toBeUndefined();
    expect(sleeps).toEqual([250]);
  });

  it('refuses an execution still not found after a few looks', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }));
    await expect(authorizeClaim(claim(), options())).rejects.toThrow(/no execution .* was found/);
    expect(sleeps).toEqual([250, 500, 1000, 2000]);
  });

  it('waits for Prepare’s plan to show in the history', async () => {
    sfn.on(DescribeExecutionCommand).resolves(described());
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: history().slice(0, 2) })
      .resolves({ events: history() });
    await expect(authorizeClaim(claim(), options())).resolves.toBeUndefined();
    expect(sleeps).toEqual([250]);
  });

  it('leaves throttling to the workflow’s retry', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(authorizeClaim(claim(), options())).rejects.toThrow(TransientAwsError);
  });

  it('refuses a payload without an execution', async () => {
    await expect(authorizeClaim({} as StepClaim, options())).rejects.toThrow(/names no execution/);
    expect(sfn).not.toHaveReceivedAnyCommand();
  });
});

describe('preparedPlan', () => {
  it('reads the output of the attempt that succeeded', () => {
    expect(preparedPlan(history())).toEqual(PLAN);
  });

  it('reads nothing once Prepare failed and another state ran', () => {
    const events = history().filter((e) => e.type !== 'LambdaFunctionSucceeded');
    const report: HistoryEvent = {
      type: 'LambdaFunctionSucceeded',
      id: 9,
      timestamp: new Date(),
      lambdaFunctionSucceededEventDetails: { output: JSON.stringify(PLAN) },
    };
    expect(preparedPlan([...events, report])).toBeNull();
  });

  it('reads nothing that is not a plan', () => {
    expect(preparedPlan(history({ errorType: 'x' }))).toBeNull();
  });
});

// The config's cluster may be a name or an ARN; the plan's is always the ARN.
it('matches a config cluster given as a name to the plan’s cluster ARN', async () => {
  running({ input: JSON.stringify({ ...INPUT, config: deployConfig({ services: [serviceConfig('api', 'prod')] }) }) });
  await expect(authorizeClaim(claim(), options())).resolves.toBeUndefined();
});
