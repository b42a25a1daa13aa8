import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { prepare } from '../../../lambdas/prepare/core';
import { ConcurrentDeploymentError } from '../../../lambdas/shared/contracts/errors';
import type { Plan } from '../../../lambdas/shared/contracts/state';
import type { LockHolder } from '../../../lambdas/shared/deploy-lock';
import { lockTargets } from '../../../lambdas/shared/deploy-lock';
import { alreadyRuns, decideOverlap } from '../../../lambdas/shared/overlaps';
import {
  ACCOUNT,
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

const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => dynamodb.reset());
afterAll(() => dynamodb.restore());

const execution = (name: string) => `arn:aws:states:eu-west-1:${ACCOUNT}:execution:gehen-deploy:${name}`;
const SELF = execution('self');

function plan(overrides: Partial<Plan> = {}): Plan {
  return {
    deployment: deployment({ executionArn: SELF }),
    services: [plannedService()],
    scheduledTasks: [plannedRule()],
    ...overrides,
  };
}

const holder = (name: string, label: string, gitsha = OLD_SHA): LockHolder => ({
  executionArn: execution(name),
  label,
  gitsha,
});

describe('lockTargets', () => {
  test.each([
    [
      'a service by its account, region, cluster name and name',
      plan({ scheduledTasks: [] }),
      [`service#${ACCOUNT}#eu-west-1#prod#api`],
    ],
    [
      'a rule by the account of role.arn, region, bus and name',
      plan({
        services: [],
        deployment: deployment({ executionArn: SELF, roleArn: 'arn:aws:iam::444455556666:role/gehen' }),
      }),
      ['rule#444455556666#eu-west-1#default#nightly-report'],
    ],
    [
      'the same service in two regions as two targets, sorted',
      plan({
        scheduledTasks: [],
        services: [
          plannedService({ region: 'us-east-1', cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod` }),
          plannedService(),
        ],
      }),
      [`service#${ACCOUNT}#eu-west-1#prod#api`, `service#${ACCOUNT}#us-east-1#prod#api`],
    ],
  ])('names %s', (_, p, keys) => {
    expect(lockTargets(p).map((t) => t.key)).toEqual(keys);
  });

  it('labels targets as messages name them', () => {
    expect(lockTargets(plan()).map((t) => t.label)).toEqual(['scheduled task nightly-report', 'service prod/api']);
  });
});

describe('decideOverlap', () => {
  it('proceeds once the lock is taken', () => {
    expect(decideOverlap(plan(), 'cli', { kind: 'acquired' })).toEqual({ kind: 'proceed' });
  });

  it('refuses a deployment whose target another execution holds, naming it, the target and what stopping does', () => {
    const outcome = { kind: 'held' as const, holders: [holder('other', 'service prod/api')], everyTargetHeld: false };
    expect(() => decideOverlap(plan(), 'cli', outcome)).toThrow(ConcurrentDeploymentError);
    expect(() => decideOverlap(plan(), 'cli', outcome)).toThrow(
      `execution ${execution('other')} is already deploying ${OLD_SHA} to service prod/api; nothing was changed. ` +
        'Wait for it to finish, or stop it (StopExecution: a follow-up execution, restore-other, then puts every ' +
        'service and scheduled task it planned back on the revision it ran before), then deploy again once that has ended.',
    );
  });

  it('names the first holder and counts the others', () => {
    const outcome = {
      kind: 'held' as const,
      holders: [holder('a', 'service prod/api'), holder('b', 'scheduled task nightly-report')],
      everyTargetHeld: true,
    };
    expect(() => decideOverlap(plan(), 'cli', outcome)).toThrow(
      /service prod\/api \(and 1 other running execution\(s\)\)/,
    );
  });

  test.each([
    ['a push of the SHA the holders deploy to every target', 'ecr', NEW_SHA, true, 'skip'],
    ['the same commit written in another case', 'ecr', NEW_SHA.toUpperCase(), true, 'skip'],
    ['a push of the same SHA when only some targets are held', 'ecr', NEW_SHA, false, 'refuse'],
    ['a push of another SHA', 'ecr', OLD_SHA, true, 'refuse'],
    ['a CLI deploy of the same SHA', 'cli', NEW_SHA, true, 'refuse'],
  ] as const)('%s → %s', (_, source, heldSha, everyTargetHeld, expected) => {
    const outcome = {
      kind: 'held' as const,
      holders: [
        holder('first', 'service prod/api', heldSha),
        holder('first', 'scheduled task nightly-report', heldSha),
      ],
      everyTargetHeld,
    };
    const p = plan({ deployment: deployment({ executionArn: SELF, gitsha: NEW_SHA }) });
    if (expected === 'skip') {
      expect(decideOverlap(p, source, outcome)).toEqual({
        kind: 'skip',
        reason: `${NEW_SHA} is already being deployed to these services by first`,
      });
    } else {
      expect(() => decideOverlap(p, source, outcome)).toThrow(ConcurrentDeploymentError);
    }
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
    });
    expect(planned).toMatchObject({ skipped: reason, services: [], scheduledTasks: [], deployment: { gitsha: tag } });
    expect(dynamodb.calls()).toHaveLength(0);
  });
});
