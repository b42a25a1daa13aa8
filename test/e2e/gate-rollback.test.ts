import { ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { restoreArnOf } from '../../lambdas/shared/contracts/restore-name';
import { StateNames as S } from '../../lib/state-names';
import type { FleetInput } from '../../sandbox';
import { demoService, onProfile, PROFILES, type Profile } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * Rolling back gated services whose deployments had already finished: both passed the gate and
 * went to production, then one failed verify. Roll Back Service puts a finished deployment back
 * with UpdateService, and that new deployment pauses at the service's PAUSE hook like the gated
 * one did; Release Rollback At Hooks continues it (it is gehen's own, to the previous revision),
 * so the rollback reaches production. Without it, nobody answers the hook: the rollback stays
 * paused until the hook's timeout rolls the rollback itself back, and the failed SHA stays live.
 */

/** BLUE_GREEN with a PAUSE hook at the gate's stage and no bake: a deployment finishes right after its traffic shift. */
const GATED_BLUE_GREEN = {
  strategy: 'BLUE_GREEN',
  bakeTimeInMinutes: 0,
  lifecycleHooks: [
    {
      targetType: 'PAUSE',
      lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
      timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' },
    },
  ],
};
const GATED = ['api', 'web'];

function fleet(profile: Profile): FleetInput {
  return onProfile(profile, {
    // ECS's minutes at a hundredth: the hooks time out after 36 s, longer than any run here.
    timing: { scale: 0.01, taskStartSeconds: 50, drainSeconds: 100 },
    services: [
      ...GATED.map((name) =>
        demoService(name, {
          desiredCount: 2,
          listen: 0,
          testListen: 0,
          deploymentConfiguration: GATED_BLUE_GREEN,
        } as never),
      ),
      // Not deployed: web's url points here by mistake, so web never reports the new SHA.
      demoService('legacy', { desiredCount: 1, listen: 0 } as never),
    ],
  } as unknown as FleetInput);
}

describe.each(PROFILES)('rolling back gated services that already finished (%s profile)', (profile) => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(fleet(profile));
  });
  afterAll(() => e2e?.close());

  /** Both services held at the gate; web's url is legacy's listener, so web's verify never passes. */
  const config = (name: string, timeoutMinutes: number) =>
    e2e.config(
      [
        'gate:',
        '  stage: POST_TEST_TRAFFIC_SHIFT',
        'services:',
        ...GATED.flatMap((service) => [
          `  ${service}:`,
          '    cluster: demo',
          `    url: ${e2e.sandbox.loadBalancers[service === 'web' ? 'legacy' : service]}/`,
          `    testUrl: ${e2e.sandbox.testLoadBalancers[service]}/`,
        ]),
        `timeoutMinutes: ${timeoutMinutes}`,
        'pollIntervalSeconds: 1',
        'requiredMatches: 2',
        '',
      ].join('\n'),
      name,
    );

  /** The status of the service's newest service deployment, as ECS lists them. */
  const newestDeployment = async (name: string) => {
    const { serviceDeployments = [] } = await e2e.ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'demo', service: name }),
    );
    return [...serviceDeployments].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
  };

  const servedByApi = async () => (await fetch(`${e2e.sandbox.loadBalancers.api}/`)).headers.get('server');

  it('continues its own rollback deployments at their PAUSE hooks and restores both services', async () => {
    const before = await Promise.all(GATED.map(async (n) => (await e2e.service(n)).taskDefinition));
    // Long enough for both deployments to finish before web's verify expires.
    const path = config('finished.yml', profile === 'ideal' ? 0.2 : 0.3);

    const { code, report } = await e2e.deploy('f1f1f1f', path);

    expect({ exit: code, error: report.error?.code, message: report.error?.message }).toMatchObject({
      exit: 1,
      error: 'Gehen.RolledBack',
    });
    expect(await Promise.all(GATED.map(async (n) => (await e2e.service(n)).taskDefinition))).toEqual(before);
    const history = await e2e.history(report.execution ?? '');
    const entered = (name: string) =>
      history.filter((e) => e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name === name).length;
    expect(entered(S.releaseRollback)).toBeGreaterThan(0);
    // Each service's newest deployment is gehen's rollback, continued past its hook and finished; the
    // production listener serves the previous SHA again.
    for (const name of GATED) {
      expect({ name, status: (await newestDeployment(name))?.status }).toEqual({ name, status: 'SUCCESSFUL' });
    }
    expect(await servedByApi()).toContain('1111111');
  });

  it('restores an execution stopped after the gate the same way, through restore-<name>', async () => {
    const before = await Promise.all(GATED.map(async (n) => (await e2e.service(n)).taskDefinition));
    const started = await e2e.gehen([
      'deploy',
      '--gitsha',
      'f2f2f2f',
      '--path',
      config('stopped.yml', 1),
      '--no-wait',
      '--json',
    ]);
    const aborted = JSON.parse(started.stdout).execution as string;
    // Both went through the gate to production and finished; web's verify waits on.
    await until('both deployments of f2f2f2f finished', async () => {
      const statuses = await Promise.all(GATED.map(async (n) => (await newestDeployment(n))?.status));
      const served = await servedByApi();
      return statuses.every((s) => s === 'SUCCESSFUL') && served?.includes('f2f2f2f') ? true : undefined;
    });
    await e2e.sfn.send(new StopExecutionCommand({ executionArn: aborted, cause: 'stopped by an operator' }));

    const restore = restoreArnOf(aborted);
    const ended = await until('restore-<name> ended', async () => {
      const described = await e2e.sfn.send(new DescribeExecutionCommand({ executionArn: restore })).catch(() => null);
      return described && described.status !== 'RUNNING' ? described : undefined;
    });

    expect({ status: ended.status, error: ended.error }).toEqual({ status: 'FAILED', error: 'Gehen.RolledBack' });
    expect(await Promise.all(GATED.map(async (n) => (await e2e.service(n)).taskDefinition))).toEqual(before);
    const history = await e2e.history(restore);
    expect(history.some((e) => e.stateEnteredEventDetails?.name === S.releaseRollback)).toBe(true);
    expect(await servedByApi()).toContain('1111111');
  });
});

/** `check`'s first value other than undefined, polled every 50 ms for at most a minute. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never saw ${what}`);
}
