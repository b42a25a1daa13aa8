import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { APPROVAL_DETAIL_TYPE } from '../../lambdas/gate/approval';
import { APPROVAL_REJECTED_ERROR, AWAIT_APPROVAL_STATE_NAME } from '../../lambdas/shared/contracts/state-names';
import { StateNames as S } from '../../lib/state-names';
import type { FleetInput } from '../../sandbox';
import type { StoredEvent } from '../../sandbox/events';
import { callbackOutcomes } from './callback-outcomes';
import { demoService, GATED_CANARY, GATED_NAMES, nightlyReport } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * The gate: three CANARY services held at POST_TEST_TRAFFIC_SHIFT by their PAUSE hooks, probed
 * behind their test listeners, then continued together — or all rolled back, before any production
 * listener served the new SHA (the sandbox's traffic log proves it). With `approval: manual` an
 * operator's SendTaskSuccess (the token from Await Approval's TaskScheduled event) continues it and
 * SendTaskFailure rolls it back.
 */

const NAMES = GATED_NAMES;
const CANARY = GATED_CANARY;

function fleet(): FleetInput {
  return {
    // ECS's minutes at a hundredth: a bake minute lasts 0.6 s, the hooks time out after 36 s.
    timing: { scale: 0.01, taskStartSeconds: 50, drainSeconds: 100 },
    services: NAMES.map((name) =>
      demoService(name, { desiredCount: 2, listen: 0, testListen: 0, deploymentConfiguration: CANARY } as never),
    ),
    scheduledTasks: [nightlyReport],
  } as unknown as FleetInput;
}

describe('the gate', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(fleet());
  });
  afterAll(() => e2e?.close());

  /** A gehen.yml holding every service at the gate; `testUrl` picks each service's test URL. */
  const config = (
    name: string,
    gate: string,
    testUrl: (service: string) => string = (service) => `${e2e.sandbox.testLoadBalancers[service]}/`,
  ) => {
    const services = NAMES.flatMap((service) => [
      `  ${service}:`,
      '    cluster: demo',
      `    url: ${e2e.sandbox.loadBalancers[service]}/`,
      `    testUrl: ${testUrl(service)}`,
    ]);
    return e2e.config(
      [
        'gate:',
        '  stage: POST_TEST_TRAFFIC_SHIFT',
        ...gate
          .split('\n')
          .filter(Boolean)
          .map((line) => `  ${line}`),
        'services:',
        ...services,
        'scheduledTasks:',
        '  nightly-report:',
        'timeoutMinutes: 1',
        'pollIntervalSeconds: 1',
        'requiredMatches: 2',
        '',
      ].join('\n'),
      name,
    );
  };

  /** Which tags each production listener ever served. */
  const servedInProduction = () =>
    Object.fromEntries(NAMES.map((name) => [name, Object.keys(e2e.sandbox.traffic()[name]?.production ?? {})]));

  /** The approval request Await Approval's Lambda puts on the default bus, once it is put. */
  const approvalRequested = () =>
    new Promise<StoredEvent>((resolve) =>
      e2e.sandbox.onEvent((event) => {
        if (event.DetailType === APPROVAL_DETAIL_TYPE) resolve(event);
      }),
    );

  /** Await Approval's task token, from its TaskScheduled event, as `gehen approve` finds it. */
  const tokenOf = async (executionArn: string) => {
    const events = await e2e.history(executionArn);
    const entered = events.findIndex((e) => e.stateEnteredEventDetails?.name === AWAIT_APPROVAL_STATE_NAME);
    const scheduled = events.slice(entered).find((e) => e.type === 'TaskScheduled');
    const parameters = JSON.parse(scheduled?.taskScheduledEventDetails?.parameters ?? '{}');
    return String(parameters.Payload?.taskToken);
  };

  it('rolls all three back when one fails its testUrl, before any production listener serves the new SHA', async () => {
    const before = await Promise.all(NAMES.map(async (n) => (await e2e.service(n)).taskDefinition));
    const targetsBefore = await e2e.targets('nightly-report');
    // checkout's testUrl is (wrongly) its production listener: it answers the old version at the gate.
    const path = config('one-fails.yml', '', (service) =>
      service === 'checkout' ? `${e2e.sandbox.loadBalancers[service]}/` : `${e2e.sandbox.testLoadBalancers[service]}/`,
    );

    const { code, report } = await e2e.deploy('c0ffee1', path);

    expect({ exit: code, error: report.error?.code }).toEqual({ exit: 1, error: 'Gehen.RolledBack' });
    // The round's failure names the service and why (the rollback keeps it as the deploy's failure).
    const history = JSON.stringify(await e2e.history(report.execution ?? ''));
    expect(history).toContain(`testUrl ${e2e.sandbox.loadBalancers.checkout}/ reports 1111111, expected c0ffee1`);
    expect(await Promise.all(NAMES.map(async (n) => (await e2e.service(n)).taskDefinition))).toEqual(before);
    expect(await e2e.targets('nightly-report')).toEqual(targetsBefore);
    expect(servedInProduction()).toEqual({ api: ['1111111'], web: ['1111111'], checkout: ['1111111'] });
  });

  it('lets a good SHA through the gate to production on all three', async () => {
    const { code, report } = await e2e.deploy('2222222', config('good.yml', ''));

    expect({ exit: code, status: report.status }).toEqual({ exit: 0, status: 'deployed' });
    // The gate's wait for the hooks is Wake's (HOOK_AWAITING_ACTION) or, when the hook's event
    // came before the loop's first park (docs/design.md, Waiting on ECS events: that gap is known),
    // the safety net's: which one depends on timing, so only that every wait ended is checked here;
    // test/unit/wake and test/unit/park-wait prove the gate's wake.
    const waits = callbackOutcomes(await e2e.history(report.execution ?? ''), S.waitGateHooks);
    for (const wait of waits) expect(['succeeded', 'timed-out']).toContain(wait.kind);
    for (const name of NAMES) {
      expect(e2e.sandbox.traffic()[name]?.test['2222222']).toBeGreaterThan(0);
      expect(await e2e.images((await e2e.service(name)).taskDefinition ?? '')).toEqual({
        [name]: expect.stringMatching(/:2222222$/),
      });
    }
  });

  it('with approval manual, continues once an operator approves', async () => {
    const requested = approvalRequested();
    const deploying = e2e.deploy('3333333', config('approve.yml', 'approval: manual'));
    const request = await requested;
    const executionArn = JSON.parse(request.Detail ?? '{}').execution as string;
    // Nothing reached production while it waited.
    expect(servedInProduction().api).not.toContain('3333333');

    await e2e.sfn.send(
      new SendTaskSuccessCommand({ taskToken: await tokenOf(executionArn), output: '{"approvedBy":"e2e"}' }),
    );

    const { code, report } = await deploying;
    expect({ exit: code, status: report.status }).toEqual({ exit: 0, status: 'deployed' });
  });

  it('with approval manual, rolls all three back when an operator rejects, with the reason', async () => {
    const before = await Promise.all(NAMES.map(async (n) => (await e2e.service(n)).taskDefinition));
    const requested = approvalRequested();
    const deploying = e2e.deploy('4444444', config('reject.yml', 'approval: manual\nbakeMinutes: 1'));
    const executionArn = JSON.parse((await requested).Detail ?? '{}').execution as string;

    await e2e.sfn.send(
      new SendTaskFailureCommand({
        taskToken: await tokenOf(executionArn),
        error: APPROVAL_REJECTED_ERROR,
        cause: 'checkout looks slow on test',
      }),
    );

    const { code, report } = await deploying;
    expect({ exit: code, error: report.error?.code }).toEqual({ exit: 1, error: 'Gehen.RolledBack' });
    expect(JSON.stringify(await e2e.history(executionArn))).toMatch(/checkout looks slow on test/);
    expect(await Promise.all(NAMES.map(async (n) => (await e2e.service(n)).taskDefinition))).toEqual(before);
    for (const name of NAMES) expect(servedInProduction()[name]).not.toContain('4444444');
  });
});
