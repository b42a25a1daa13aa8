import { checkRolledBackServices, summariseRollbackState } from '../../../lambdas/report/rollback';
import type { RollbackResult } from '../../../lambdas/shared/contracts/state';
import {
  MAX_MESSAGE_CHARS,
  notRestoredServices,
  REASONS_BUDGET_CHARS,
  rollbackFailedMessage,
} from '../../../lambdas/shared/report/rollback-summary';

const failed = (count: number, reasonLength: number): RollbackResult[] =>
  Array.from({ length: count }, (_, i) => ({
    name: `svc-${i}`,
    taskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/svc-${i}:2`,
    rolledBack: false,
    restored: false,
    reason: 'r'.repeat(reasonLength),
  }));

describe('notRestoredServices', () => {
  test.each([
    [1, 300, 300],
    [10, 300, 300],
    [100, 300, 122],
    [300, 300, 40],
    [300, 20, 20],
  ])('%i services not restored, reasons of %i characters: each keeps %i', (count, length, kept) => {
    const left = notRestoredServices(failed(count, length));

    expect(left).toHaveLength(count);
    expect(left.every((t) => t.reason.length === kept)).toBe(true);
  });

  it('keeps the reasons of many services within the shared budget', () => {
    const total = notRestoredServices(failed(250, 300)).reduce((sum, t) => sum + t.reason.length, 0);
    expect(total).toBeLessThanOrEqual(REASONS_BUDGET_CHARS);
  });
});

describe('rollbackFailedMessage', () => {
  it('is cut, since every target left behind is named at notRestored too', () => {
    const message = rollbackFailedMessage(notRestoredServices(failed(300, 300)), null);

    expect(message).toHaveLength(MAX_MESSAGE_CHARS);
    expect(message).toMatch(/^Rolling back failed: 300 not restored: service svc-0 .*…$/);
  });
});

describe('Summarise Rollback', () => {
  it('moves the services not restored into its result, not copying them', () => {
    const notRestored = notRestoredServices(failed(2, 50));
    const state = {
      plan: { services: [], scheduledTasks: [] },
      notRestored,
      deployed: [],
      rollbackOutcome: 'failed' as const,
    };

    const next = summariseRollbackState(state);

    expect(next).not.toHaveProperty('notRestored');
    expect(next.deployed).toEqual([]);
    expect(next.rollbackResult).toMatchObject({ outcome: 'failed', notRestored });
  });
});

describe('checkRolledBackServices', () => {
  const planned = (name: string) => ({ name }) as never;
  const result = (name: string, fields: Partial<RollbackResult>): RollbackResult => ({
    name,
    taskDefinition: null,
    rolledBack: true,
    restored: true,
    ...fields,
  });
  const state = (gate: boolean) => ({
    plan: {
      services: [planned('api'), planned('web'), planned('checkout')],
      scheduledTasks: [],
      ...(gate && { gate: { stage: 'POST_TEST_TRAFFIC_SHIFT' } }),
    },
    rollback: [
      result('api', { serviceDeploymentArn: 'arn:sd/api' }),
      result('web', { restored: false, reason: 'refused', serviceDeploymentArn: 'arn:sd/web' }),
      result('checkout', {}),
    ],
  });

  it("lists a gated deployment's rollback deployments of restored services at heldRollbacks, for Release Rollback At Hooks", () => {
    const checked = checkRolledBackServices(state(true));

    expect(checked.heldRollbacks).toEqual([{ name: 'api', serviceDeploymentArn: 'arn:sd/api' }]);
    expect(checked.plan.services.map((s) => s.name)).toEqual(['api', 'checkout']);
    expect(checked.rollback).toBeUndefined();
  });

  it('lists none without a gate: no deployment of the rollback pauses', () => {
    expect(checkRolledBackServices(state(false))).not.toHaveProperty('heldRollbacks');
  });
});
