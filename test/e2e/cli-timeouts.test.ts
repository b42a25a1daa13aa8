import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { waitFor } from '../sandbox/helpers';
import { demoConfig, demoService, FAST, itOn, onProfile, PROFILES } from './fleets';
import { type E2e, startE2e } from './harness';

/** Exit 2, "the result is unknown": the watch gave up (--wait-timeout), or old tasks never drained. */

describe.each(PROFILES)('gehen deploy exits 2 when the result is unknown (%s)', (profile) => {
  const realisticFails = itOn(profile);
  let e2e: E2e;
  const running: string[] = [];
  beforeAll(async () => {
    e2e = await startE2e(
      onProfile(profile, {
        services: [demoService('slow', { listen: 0 }), demoService('sticky', { listen: 0, tag: 'aaaaaaa' })],
        timing: FAST,
        // New tasks of 5105105 take 50 minutes to start; old tasks of aaaaaaa take 100 hours to drain:
        // modelled durations, past every deadline here on both profiles (realistic scales them by 1/100).
        faults: { '5105105': { startSeconds: 3_000 }, aaaaaaa: { drainSeconds: 360_000 } },
      }),
    );
  });
  afterAll(async () => {
    for (const executionArn of running) await e2e.sfn.send(new StopExecutionCommand({ executionArn })).catch(() => {});
    await e2e.close();
  });

  function config(service: string, timeoutMinutes: number): string {
    return e2e.config(
      demoConfig({ services: { [service]: { url: `${e2e.sandbox.loadBalancers[service]}/` } }, timeoutMinutes }),
      `${service}.yml`,
    );
  }

  realisticFails(
    'stops watching after --wait-timeout, says how to resume, and leaves the deployment running',
    async () => {
      const run = await e2e.gehen([
        'deploy',
        '--gitsha',
        '5105105',
        '--path',
        config('slow', 1),
        '--json',
        '--wait-timeout',
        '0.02',
      ]);
      expect(run.code).toBe(2);
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ status: 'timed-out', exitCode: 2, error: null });
      running.push(report.execution);
      expect(run.stderr).toContain(`Resume with: gehen status ${report.execution} --watch`);
      const { status } = await e2e.sfn.send(new DescribeExecutionCommand({ executionArn: report.execution }));
      expect(status).toBe('RUNNING');
      // Running the deployment itself: the service goes onto the new revision (the watch may have
      // given up before Update Service ran), its tasks still starting.
      // Realistic: Prepare, the lock and a throttled RegisterTaskDefinition come first (seconds).
      await waitFor(
        'slow to be updated',
        async () => (await e2e.service('slow')).taskDefinition?.endsWith('slow:2'),
        60_000,
      );
    },
  );

  realisticFails(
    'fails with Gehen.DrainTimedOut when the old tasks never drain, leaving the new version live',
    async () => {
      const run = await e2e.gehen(['deploy', '--gitsha', 'bbbbbbb', '--path', config('sticky', 0.1), '--json']);
      expect(run.code).toBe(2);
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({
        status: 'timed-out',
        exitCode: 2,
        error: { code: 'Gehen.DrainTimedOut' },
        services: [{ name: 'sticky', outcome: 'timed-out', sha: 'bbbbbbb', previousSha: 'aaaaaaa' }],
      });
      expect(run.stderr).toMatch(/^Timed out: the result is unknown \(Gehen\.DrainTimedOut/m);
      expect((await e2e.service('sticky')).taskDefinition).toMatch(/sticky:2$/);
      const response = await fetch(`${e2e.sandbox.loadBalancers.sticky}/`);
      expect(response.headers.get('server')).toBe('sticky-bbbbbbb');
    },
  );
});
