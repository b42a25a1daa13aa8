import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { restoreArnOf } from '../../lambdas/shared/contracts/restore-name';
import type { StoredEvent } from '../../sandbox/events';
import { type SandboxAssembly, sandboxAssembly } from '../../sandbox/gehen-sandbox';
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

/**
 * The synthesized assembly with Start Verifying New Version's output padded past 256 KiB: a stand-in
 * for any state data that outgrows the limit mid-deploy. Step Functions fails the execution with
 * States.DataLimitExceeded, which no Catch matches
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */
function withOversizedVerifyStart(assembly: SandboxAssembly): SandboxAssembly {
  const template = structuredClone(assembly.template);
  const marker = '"Start Verifying New Version":{';
  let found = false;
  const pad = (part: unknown): unknown => {
    if (typeof part !== 'string' || !part.includes(marker)) return part;
    const at = part.indexOf('"Parameters":{', part.indexOf(marker));
    found = at !== -1;
    const insertAt = at + '"Parameters":{'.length;
    return `${part.slice(0, insertAt)}"padding":"${'x'.repeat(270_000)}",${part.slice(insertAt)}`;
  };
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const props = resource.Properties as { DefinitionString: { 'Fn::Join': [string, unknown[]] } };
    const [separator, parts] = props.DefinitionString['Fn::Join'];
    props.DefinitionString = { 'Fn::Join': [separator, parts.map(pad)] };
  }
  if (!found) throw new Error('no Start Verifying New Version Pass with Parameters in the template');
  return { ...assembly, template };
}

describe('an execution that fails uncatchably mid-deploy (States.DataLimitExceeded)', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(
      {
        services: [demoService('alpha', { listen: 0, desiredCount: 2, circuitBreaker })],
        scheduledTasks: [nightlyReport],
        timing: FAST,
      },
      { assembly: withOversizedVerifyStart(sandboxAssembly({})) },
    );
  });
  afterAll(() => e2e.close());

  it('is restored too: the service and the rule back on their previous revisions', async () => {
    const path = e2e.config(
      demoConfig({ services: probedServices(e2e, ['alpha']), scheduledTasks: ['nightly-report'] }),
    );
    const before = { alpha: (await e2e.service('alpha')).taskDefinition, targets: await e2e.targets('nightly-report') };
    const { code, report } = await e2e.deploy('5105105', path);
    const failed = report.execution as string;
    expect(report).toMatchObject({ status: 'failed', error: { code: 'States.DataLimitExceeded' } });
    expect(code).toBe(2);
    // It had changed them: a new revision of alpha was registered and rolled out.
    expect(await e2e.revisions('alpha')).toHaveLength(2);

    const restore = restoreArnOf(failed);
    const end = await new Promise<Record<string, unknown>>((resolve) => {
      const check = (stored: StoredEvent) => {
        const detail = JSON.parse(stored.Detail ?? '{}') as Record<string, unknown>;
        if (detail.executionArn === restore && detail.status !== 'RUNNING' && stored.Source === 'aws.states') {
          resolve(detail);
        }
      };
      e2e.sandbox.events.events.forEach(check);
      e2e.sandbox.events.onEvent(check);
    });
    expect(end).toMatchObject({ status: 'FAILED', error: 'Gehen.RolledBack' });
    const alpha = await e2e.service('alpha');
    expect(alpha.deployments?.map((d) => [d.taskDefinition, d.rolloutState])).toEqual([[before.alpha, 'COMPLETED']]);
    expect(await e2e.targets('nightly-report')).toEqual(before.targets);

    const after = await e2e.gehen(['status', failed, '--json']);
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ status: 'failed', restore: { outcome: 'restored' } });
  });
});
