import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { abortedExecution, MAX_RESTORE_DEPTH, prepareRestore } from '../../../lambdas/prepare-restore/restore';
import { InvalidDeploymentError } from '../../../lambdas/shared/contracts/errors';
import { restoreArnOf, restoreNameOf } from '../../../lambdas/shared/contracts/restore-name';
import type { Plan } from '../../../lambdas/shared/contracts/state';
import { StateNames } from '../../../lib/state-names';
import {
  ACCOUNT,
  awsError,
  deployConfig,
  deployment,
  NEW_SHA,
  plannedRule,
  plannedService,
  serviceConfig,
} from '../shared/deploy-fixtures';

const sfn = mockClient(SFNClient);
const client = new SFNClient({ region: 'eu-west-1' });
beforeEach(() => sfn.reset());
afterAll(() => sfn.restore());

const execution = (name: string) => `arn:aws:states:eu-west-1:${ACCOUNT}:execution:gehen-deploy:${name}`;
const ABORTED = execution('abcdef1-20260101T120000Z');
const RESTORE = restoreArnOf(ABORTED);
const REQUEST = execution('0f3a2b4c-event-started');
const START = new Date('2026-01-01T12:00:00.000Z');
const deployed = { gitsha: NEW_SHA, config: deployConfig({ services: [serviceConfig('api')] }), source: 'cli' };

function planned(overrides: Partial<Plan> = {}): Plan {
  return {
    deployment: deployment({ executionArn: ABORTED }),
    services: [plannedService()],
    scheduledTasks: [plannedRule()],
    ...overrides,
  };
}

/** The aborted execution: DescribeExecution and a history whose Prepare exited with `plan`. */
function abortedWith(described: Record<string, unknown>, plan: Plan | null = planned()) {
  sfn.on(DescribeExecutionCommand, { executionArn: ABORTED }).resolves({
    status: 'ABORTED',
    input: JSON.stringify(deployed),
    startDate: START,
    ...described,
  });
  const exited =
    plan === null
      ? []
      : [
          {
            id: 7,
            timestamp: START,
            type: 'TaskStateExited' as const,
            stateExitedEventDetails: {
              name: StateNames.prepare,
              output: JSON.stringify({ plan, deployed: [], scheduled: [] }),
            },
          },
        ];
  sfn.on(GetExecutionHistoryCommand, { executionArn: ABORTED }).resolves({
    events: [{ id: 1, timestamp: START, type: 'ExecutionStarted' }, ...exited],
  });
}

describe('restoreNameOf', () => {
  it('is restore-<name>, the same every time', () => {
    expect(restoreNameOf(ABORTED)).toBe('restore-abcdef1-20260101T120000Z');
  });

  it('stays within 80 characters, unique by a hash of the ARN, however long the name', () => {
    const long = execution('x'.repeat(80));
    const other = execution(`${'x'.repeat(79)}y`);
    expect(restoreNameOf(long)).toHaveLength(80);
    expect(restoreNameOf(long)).not.toBe(restoreNameOf(other));
    expect(restoreNameOf(restoreArnOf(long))).toHaveLength(80);
  });
});

describe('abortedExecution', () => {
  test.each<[string, string | undefined, string]>([
    ['ABORTED', undefined, 'ABORTED'],
    ['TIMED_OUT', 'States.Timeout', 'States.Timeout'],
    ['FAILED', 'States.DataLimitExceeded', 'States.DataLimitExceeded'],
    ['FAILED', 'States.Runtime', 'States.Runtime'],
  ])('restores an execution %s with %s', (status, error, named) => {
    expect(abortedExecution(ABORTED, { status: status as 'FAILED', error })).toMatchObject({
      executionArn: ABORTED,
      status,
      error: named,
    });
  });

  test.each<[string, string | undefined]>([
    ['FAILED', 'Gehen.RolledBack'],
    ['FAILED', 'Gehen.RollbackFailed'],
    ['SUCCEEDED', undefined],
    ['RUNNING', undefined],
  ])('restores nothing of an execution %s with %s', (status, error) => {
    expect(abortedExecution(ABORTED, { status: status as 'FAILED', error })).toEqual(
      expect.stringContaining('nothing to restore'),
    );
  });
});

describe('prepareRestore, started by the rule', () => {
  it('starts restore-<name> with the deployment it restores, and ends as nothing to deploy', async () => {
    abortedWith({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: RESTORE, startDate: START });
    const plan = await prepareRestore({ restoreOf: ABORTED }, REQUEST, client);
    expect(plan.skipped).toMatch(/restore-abcdef1-20260101T120000Z restores what/);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:gehen-deploy`,
      name: restoreNameOf(ABORTED),
      input: JSON.stringify({ restoreOf: ABORTED, restoreDepth: 1, gitsha: deployed.gitsha, config: deployed.config }),
    });
  });

  it('a second delivery finds the name taken: one restore', async () => {
    abortedWith({});
    sfn.on(StartExecutionCommand).rejects(awsError('ExecutionAlreadyExists'));
    const plan = await prepareRestore({ restoreOf: ABORTED }, REQUEST, client);
    expect(plan.skipped).toMatch(/already restored/);
  });

  it(`stops after ${MAX_RESTORE_DEPTH} restores of restores`, async () => {
    abortedWith({ input: JSON.stringify({ restoreOf: execution('older'), restoreDepth: MAX_RESTORE_DEPTH }) });
    const plan = await prepareRestore({ restoreOf: ABORTED }, REQUEST, client);
    expect(plan.skipped).toMatch(/not restoring again/);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('refuses an execution of another state machine', async () => {
    const other = `arn:aws:states:eu-west-1:${ACCOUNT}:execution:someone-else:x`;
    await expect(prepareRestore({ restoreOf: other }, REQUEST, client)).rejects.toThrow(InvalidDeploymentError);
  });
});

describe('prepareRestore, as restore-<name>', () => {
  it("returns the aborted execution's plan, with restoreOf, as this execution's", async () => {
    abortedWith({ cause: 'stopped by ops' });
    const plan = await prepareRestore({ restoreOf: ABORTED }, RESTORE, client);
    expect(plan).toEqual({
      ...planned(),
      deployment: deployment({ executionArn: RESTORE }),
      restoreOf: {
        executionArn: ABORTED,
        status: 'ABORTED',
        error: 'ABORTED',
        cause: expect.stringContaining('abcdef1-20260101T120000Z was stopped: stopped by ops.'),
      },
    });
  });

  it('restores nothing when the execution stopped before Prepare planned anything', async () => {
    abortedWith({}, null);
    const plan = await prepareRestore({ restoreOf: ABORTED }, RESTORE, client);
    expect(plan.skipped).toMatch(/ended before it changed anything/);
  });
});
