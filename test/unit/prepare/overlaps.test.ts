import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { prepare } from '../../../lambdas/prepare/core';
import {
  alreadyRuns,
  decideOverlap,
  goesFirst,
  type RunningDeployment,
  runningDeployments,
  serviceKey,
  stateMachineArnOf,
} from '../../../lambdas/prepare/overlaps';
import type { Plan } from '../../../lambdas/shared/contracts';
import type { DeployConfig } from '../../../lambdas/shared/deploy-config';
import { ConcurrentDeploymentError, InvalidDeploymentError } from '../../../lambdas/shared/errors';
import {
  ACCOUNT,
  awsError,
  CLUSTER_ARN,
  deployConfig,
  deployment,
  NEW_SHA,
  OLD_SHA,
  plannedRule,
  plannedService,
  serviceConfig,
  testClients,
} from '../shared/deploy-fixtures';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());
afterAll(() => sfn.restore());

const MACHINE = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:gehen-deploy`;
const execution = (name: string) => `arn:aws:states:eu-west-1:${ACCOUNT}:execution:gehen-deploy:${name}`;
const SELF = execution('self');
const AT = new Date('2026-01-01T12:00:00.000Z');
const later = (ms: number) => new Date(AT.getTime() + ms);

function plan(overrides: Partial<Plan> = {}): Plan {
  return {
    deployment: deployment({ executionArn: SELF }),
    services: [plannedService()],
    scheduledTasks: [plannedRule()],
    ...overrides,
  };
}

function running(name: string, overrides: Partial<RunningDeployment> = {}): RunningDeployment {
  return {
    executionArn: execution(name),
    startDate: AT,
    gitsha: OLD_SHA,
    // A bare cluster name in its input is the same cluster as the ARN Prepare resolved.
    services: [serviceKey('eu-west-1', 'prod', 'api')],
    rules: [],
    ...overrides,
  };
}

const self = (source: 'cli' | 'ecr' = 'cli', startDate = later(500)) => ({ executionArn: SELF, startDate, source });

describe('goesFirst (the tie-break)', () => {
  test.each([
    ['started a second earlier', AT, later(1000), 'b', 'a', true],
    ['started a millisecond later', later(1), AT, 'a', 'b', false],
    ['same instant, smaller ARN', AT, AT, 'a', 'b', true],
    ['same instant, larger ARN', AT, AT, 'b', 'a', false],
  ])('%s → %s', (_, otherStart, selfStart, otherName, selfName, expected) => {
    const other = { executionArn: execution(otherName), startDate: otherStart };
    const me = { executionArn: execution(selfName), startDate: selfStart };
    expect(goesFirst(other, me)).toBe(expected);
    // Total: of two different executions exactly one goes first.
    expect(goesFirst(me, other)).toBe(!expected);
  });
});

describe('decideOverlap', () => {
  it('proceeds when no running execution touches the same services or rules', () => {
    const others = [running('other', { services: [serviceKey('eu-west-1', 'prod', 'web')] })];
    expect(decideOverlap(plan(), self(), others)).toEqual({ kind: 'proceed' });
  });

  it('refuses a deployment overlapping an earlier execution on one service, naming it', () => {
    expect(() => decideOverlap(plan(), self(), [running('earlier')])).toThrow(
      new ConcurrentDeploymentError(
        `execution ${execution('earlier')} is already deploying ${OLD_SHA} to service prod/api; nothing was changed. ` +
          'Wait for it to finish, then deploy again; or stop it (StopExecution), which restores every service and ' +
          'scheduled task it planned to the revision it ran before, and deploy again once that restore ' +
          `(restore-earlier) has ended.`,
      ),
    );
  });

  it('refuses on a shared scheduled-task rule too', () => {
    const other = running('earlier', { services: [], rules: ['eu-west-1|nightly-report'] });
    expect(() => decideOverlap(plan(), self(), [other])).toThrow(/to scheduled task nightly-report/);
  });

  it('tells a service in another region apart', () => {
    const other = running('earlier', { services: [serviceKey('us-east-1', 'prod', 'api')] });
    expect(decideOverlap(plan(), self(), [other])).toEqual({ kind: 'proceed' });
  });

  it('leaves executions that started later to refuse themselves', () => {
    expect(decideOverlap(plan(), self('cli', AT), [running('later', { startDate: later(1) })])).toEqual({
      kind: 'proceed',
    });
  });

  it('breaks a tie of two starts in the same millisecond by the smaller execution ARN, from both sides', () => {
    const a = { executionArn: execution('a'), startDate: AT };
    const b = { executionArn: execution('b'), startDate: AT };
    const deploys = (executionArn: string) => running('x', { executionArn, startDate: AT });
    const planOf = (executionArn: string) => plan({ deployment: deployment({ executionArn }) });
    expect(decideOverlap(planOf(a.executionArn), { ...a, source: 'cli' }, [deploys(b.executionArn)])).toEqual({
      kind: 'proceed',
    });
    expect(() => decideOverlap(planOf(b.executionArn), { ...b, source: 'cli' }, [deploys(a.executionArn)])).toThrow(
      ConcurrentDeploymentError,
    );
  });

  it('skips a push whose SHA an earlier execution is already deploying to all of its services and rules', () => {
    const other = running('earlier', { gitsha: NEW_SHA, rules: ['eu-west-1|nightly-report'] });
    expect(decideOverlap(plan(), self('ecr'), [other])).toEqual({
      kind: 'skip',
      reason: `${NEW_SHA} is already being deployed to these services by earlier`,
    });
  });

  it('skips a push of the same commit when the earlier execution wrote its SHA in another case', () => {
    const other = running('earlier', { gitsha: NEW_SHA.toUpperCase(), rules: ['eu-west-1|nightly-report'] });
    expect(decideOverlap(plan(), self('ecr'), [other])).toMatchObject({ kind: 'skip' });
  });

  it('refuses a push of the same SHA when the earlier execution covers only some of its services', () => {
    const other = running('earlier', { gitsha: NEW_SHA });
    expect(() => decideOverlap(plan(), self('ecr'), [other])).toThrow(ConcurrentDeploymentError);
  });

  it('refuses a push of another SHA, and a CLI deploy of the same SHA', () => {
    const sameSha = running('earlier', { gitsha: NEW_SHA, rules: ['eu-west-1|nightly-report'] });
    expect(() =>
      decideOverlap(plan(), self('ecr'), [running('earlier', { rules: ['eu-west-1|nightly-report'] })]),
    ).toThrow(ConcurrentDeploymentError);
    expect(() => decideOverlap(plan(), self('cli'), [sameSha])).toThrow(ConcurrentDeploymentError);
  });
});

describe('alreadyRuns', () => {
  test.each([
    ['every service and target runs the SHA', NEW_SHA, NEW_SHA, true],
    ['a target runs another SHA', NEW_SHA, OLD_SHA, false],
    ['a service runs another SHA', OLD_SHA, NEW_SHA, false],
    ['a service runs an untagged image', null, NEW_SHA, false],
    ['the tags differ only in case (the same commit)', NEW_SHA.toUpperCase(), NEW_SHA, true],
  ])('%s → %s', (_, serviceSha, targetSha, expected) => {
    const rule = plannedRule();
    const p = plan({
      services: [plannedService({ previousSha: serviceSha })],
      scheduledTasks: [{ ...rule, targets: rule.targets.map((t) => ({ ...t, previousSha: targetSha })) }],
    });
    expect(alreadyRuns(p)).toBe(expected);
  });
});

describe('runningDeployments', () => {
  const input = (config: Partial<DeployConfig> & { gitsha?: string } = {}) =>
    JSON.stringify({
      gitsha: config.gitsha ?? OLD_SHA,
      source: 'cli',
      config: deployConfig({
        scheduledTasks: [{ rule: 'nightly-report', region: 'us-east-1', containers: null }],
        ...config,
      }),
    });

  it('lists every page, describes each other execution, and reads what its input deploys', async () => {
    sfn
      .on(ListExecutionsCommand)
      .resolvesOnce({
        executions: [{ executionArn: SELF, stateMachineArn: MACHINE, name: 'self', status: 'RUNNING', startDate: AT }],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        executions: [
          {
            executionArn: execution('other'),
            stateMachineArn: MACHINE,
            name: 'other',
            status: 'RUNNING',
            startDate: AT,
          },
          { executionArn: execution('junk'), stateMachineArn: MACHINE, name: 'junk', status: 'RUNNING', startDate: AT },
        ],
      });
    sfn
      .on(DescribeExecutionCommand, { executionArn: SELF })
      .resolves({ executionArn: SELF, status: 'RUNNING', startDate: later(1) })
      .on(DescribeExecutionCommand, { executionArn: execution('other') })
      .resolves({ executionArn: execution('other'), status: 'RUNNING', startDate: later(-5), input: input() })
      .on(DescribeExecutionCommand, { executionArn: execution('junk') })
      .resolves({ executionArn: execution('junk'), status: 'RUNNING', startDate: AT, input: '{"gitsha":"latest"}' });

    const found = await runningDeployments(new SFNClient({ region: 'eu-west-1' }), SELF, 'eu-west-1');

    // Its own start date from DescribeExecution, not from the (eventually consistent) listing.
    expect(found.self).toEqual({ executionArn: SELF, startDate: later(1) });
    expect(found.others).toEqual([
      {
        executionArn: execution('other'),
        startDate: later(-5),
        gitsha: OLD_SHA,
        services: ['eu-west-1|prod|api'],
        rules: ['us-east-1|nightly-report'],
      },
    ]);
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: MACHINE, nextToken: 'page-2' });
  });

  it('stops the deployment before it starts when it may not read the executions', async () => {
    sfn.on(ListExecutionsCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    await expect(runningDeployments(new SFNClient({ region: 'eu-west-1' }), SELF, 'eu-west-1')).rejects.toBeInstanceOf(
      InvalidDeploymentError,
    );
  });

  it('derives the state machine from the execution ARN', () => {
    expect(stateMachineArnOf(SELF)).toBe(MACHINE);
  });
});

describe('prepare: push-started executions', () => {
  const pushed = (gitsha: string, tagPattern = '^[0-9a-f]{7,40}$') => ({
    execution: {
      gitsha,
      source: 'ecr',
      tagPattern,
      config: deployConfig({ services: [serviceConfig('api', CLUSTER_ARN, { region: 'eu-west-1' })] }),
    },
    executionArn: SELF,
  });

  test.each([
    ['latest', undefined, "image tag latest does not match the trigger's tagPattern ^[0-9a-f]{7,40}$"],
    ['abc1234', '^[0-9a-f]{40}$', "image tag abc1234 does not match the trigger's tagPattern ^[0-9a-f]{40}$"],
    ['release-1', '^release-', 'image tag release-1 is not a git SHA (7 to 40 hexadecimal characters)'],
  ])('ends tag %s (pattern %s) as nothing to deploy, without an AWS call', async (tag, pattern, reason) => {
    const planned = await prepare(pushed(tag, pattern), testClients, {
      defaultRegion: 'eu-west-1',
      stepFunctions: new SFNClient({ region: 'eu-west-1' }),
    });
    expect(planned).toMatchObject({ skipped: reason, services: [], scheduledTasks: [], deployment: { gitsha: tag } });
    expect(sfn.calls()).toHaveLength(0);
  });
});
