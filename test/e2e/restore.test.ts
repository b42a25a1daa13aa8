import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { restoreArnOf } from '../../lambdas/shared/restore-name';
import type { StoredEvent } from '../../sandbox/events';
import { circuitBreaker, demoConfig, demoService, FAST, nightlyReport, probedServices } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * A stop (or any ending that reaches no Catch) leaves nothing half-deployed: Step Functions' status
 * change event starts restore-<name>, which puts every service and rule back and notifies.
 */

const STATUS_CHANGE = 'Step Functions Execution Status Change';

describe('an execution stopped mid-verify', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [
        demoService('alpha', { listen: 0, desiredCount: 2, circuitBreaker }),
        demoService('beta', { listen: 0, desiredCount: 2, circuitBreaker }),
      ],
      scheduledTasks: [nightlyReport],
      timing: FAST,
      // New tasks of 5105105 take a minute to start: the deploy sits in verify until it is stopped.
      faults: { '5105105': { startSeconds: 60 }, a1a1a1a: 'unhealthy' },
    });
  });
  afterAll(() => e2e.close());

  /** The first event on the bus (already put or still to come) that `match` accepts. */
  function event(match: (detailType: string, detail: Record<string, unknown>) => boolean): Promise<StoredEvent> {
    const test = (stored: StoredEvent) =>
      match(stored.DetailType ?? '', JSON.parse(stored.Detail ?? '{}') as Record<string, unknown>);
    const found = e2e.sandbox.events.events.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => e2e.sandbox.events.onEvent((stored) => test(stored) && resolve(stored)));
  }
  const ended = (executionArn: string) =>
    event((type, d) => type === STATUS_CHANGE && d.executionArn === executionArn && d.status !== 'RUNNING');
  const notifications = (match: Record<string, unknown>) =>
    e2e.sandbox.events.events
      .filter((stored) => stored.Source === 'gehen')
      .map((stored) => JSON.parse(stored.Detail ?? '{}') as Record<string, unknown>)
      .filter((detail) => Object.entries(match).every(([key, value]) => detail[key] === value));
  const restoreDeliveries = () =>
    e2e.sandbox.eventRouting.deliveries.filter((d) => /Restore/.test(d.rule) && d.executionArn !== undefined);

  async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    for (let attempt = 0; attempt < 500; attempt++) {
      const value = await check();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`never saw ${what}`);
  }

  let aborted: string;
  let before: { alpha?: string; beta?: string; targets: Array<{ id: string; taskDefinition: string }> };

  it('puts both services and the rule back on their exact previous revisions, and says so', async () => {
    const path = e2e.config(
      demoConfig({ services: probedServices(e2e, ['alpha', 'beta']), scheduledTasks: ['nightly-report'] }),
    );
    before = {
      alpha: (await e2e.service('alpha')).taskDefinition,
      beta: (await e2e.service('beta')).taskDefinition,
      targets: await e2e.targets('nightly-report'),
    };
    const started = await e2e.gehen(['deploy', '--gitsha', '5105105', '--path', path, '--no-wait', '--json']);
    aborted = JSON.parse(started.stdout).execution;
    // Mid-verify: the new revisions are rolling out, the rule already runs the new one.
    await until('Probe New Version', async () =>
      (await e2e.history(aborted)).some(
        (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'Probe New Version',
      )
        ? true
        : undefined,
    );
    expect((await e2e.targets('nightly-report'))[0]?.taskDefinition).not.toBe(before.targets[0]?.taskDefinition);
    await e2e.sfn.send(new StopExecutionCommand({ executionArn: aborted, cause: 'stopped by an operator' }));
    await ended(aborted);

    // Restoring: stopped, not yet restored.
    const during = await e2e.gehen(['status', aborted, '--json']);
    expect(during.code).toBe(2);
    expect(JSON.parse(during.stdout)).toMatchObject({ status: 'aborted', exitCode: 2 });

    const restore = restoreArnOf(aborted);
    const restoreEnd = JSON.parse((await ended(restore)).Detail ?? '{}');
    expect(restoreEnd).toMatchObject({ status: 'FAILED', error: 'Gehen.RolledBack' });

    for (const name of ['alpha', 'beta'] as const) {
      const service = await e2e.service(name);
      expect(service.deployments?.map((d) => [d.taskDefinition, d.rolloutState])).toEqual([
        [before[name], 'COMPLETED'],
      ]);
    }
    expect(await e2e.targets('nightly-report')).toEqual(before.targets);

    // One notification of the abort (the stopped execution's), one of the restore's end.
    expect(notifications({ execution: aborted })).toEqual([
      expect.objectContaining({ status: 'aborted', error: expect.objectContaining({ code: 'ABORTED' }) }),
    ]);
    expect(notifications({ execution: restore })).toEqual([
      expect.objectContaining({ status: 'rolled-back', restoreOf: aborted }),
    ]);

    const after = await e2e.gehen(['status', aborted, '--json']);
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({
      status: 'aborted',
      exitCode: 1,
      restore: { execution: restore, outcome: 'restored' },
    });
    expect((await e2e.gehen(['status', aborted])).stdout).toMatch(/Restored: every service and scheduled task/);
  });

  it('restores once when the same status change event is delivered twice', async () => {
    const again = JSON.parse((await ended(aborted)).Detail ?? '{}');
    expect(again.status).toBe('ABORTED');
    const deliveries = restoreDeliveries().length;
    e2e.sandbox.events.emit(e2e.sandbox.region, {
      source: 'aws.states',
      detailType: STATUS_CHANGE,
      detail: again,
      resources: [aborted],
    });
    const [second] = restoreDeliveries().slice(deliveries);
    expect(second?.executionArn).toMatch(/:execution:gehen-deploy:/);
    const secondEnd = JSON.parse((await ended(second?.executionArn as string)).Detail ?? '{}');
    // The second request finds restore-<name> taken and ends, changing nothing.
    expect(secondEnd.status).toBe('SUCCEEDED');
    expect(JSON.parse(secondEnd.output).reason).toMatch(/already restored/);
    expect(notifications({ restoreOf: aborted })).toHaveLength(1);
    const restore = await e2e.sfn.send(new DescribeExecutionCommand({ executionArn: restoreArnOf(aborted) }));
    expect(restore.status).toBe('FAILED');
  });

  it('starts no restore for an execution that ended in one of its own Fail states (rolled back)', async () => {
    const path = e2e.config(demoConfig({ services: probedServices(e2e, ['alpha']) }), 'alpha.yml');
    const deliveries = restoreDeliveries().length;
    const { code, report } = await e2e.deploy('a1a1a1a', path);
    expect(code).toBe(1);
    expect(report.error?.code).toBe('Gehen.RolledBack');
    await ended(report.execution as string);
    expect(restoreDeliveries().slice(deliveries)).toEqual([]);
    await expect(
      e2e.sfn.send(new DescribeExecutionCommand({ executionArn: restoreArnOf(report.execution as string) })),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
