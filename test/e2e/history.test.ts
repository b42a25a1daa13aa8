import type { HistoryEntry } from '../../cli/history';
import { circuitBreaker, demoConfig, demoService, FAST } from './fleets';
import { type E2e, startE2e } from './harness';

/** `gehen history` and `gehen rollback` read what happened from Step Functions itself. */
describe('gehen history and gehen rollback on the sandbox', () => {
  let e2e: E2e;
  let path: string;
  let other: string;

  beforeAll(async () => {
    e2e = await startE2e({
      services: [demoService('api', { listen: 0, circuitBreaker }), demoService('worker', { circuitBreaker })],
      timing: FAST,
      faults: { bad0000: 'crash' },
    });
    path = e2e.config(
      demoConfig({ services: { api: { url: `${e2e.sandbox.loadBalancers.api}/` } }, timeoutMinutes: 0.5 }),
    );
    other = e2e.config(demoConfig({ services: { worker: {} }, timeoutMinutes: 0.5 }), 'worker.yml');
  });
  afterAll(() => e2e.close());

  async function history(...args: string[]): Promise<HistoryEntry[]> {
    const run = await e2e.gehen(['history', '--path', path, '--json', ...args]);
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout);
  }

  it('refuses to roll back before there is anything to go back to', async () => {
    expect((await e2e.deploy('2222222', path)).code).toBe(0);
    const run = await e2e.gehen(['rollback', '--path', path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot tell what to roll back to');
    expect(run.stderr).toContain('gehen rollback --to SHA');
  });

  it('lists the deployments of this file, newest first, with outcome and who started them', async () => {
    expect((await e2e.deploy('3333333', path)).code).toBe(0);
    expect((await e2e.deploy('bad0000', path)).code).toBe(1);
    expect((await e2e.deploy('4444444', other)).code).toBe(0);

    const entries = await history();
    expect(entries.map((e) => [e.gitsha, e.status, e.startedBy])).toEqual([
      ['bad0000', 'rolled-back', 'cli'],
      ['3333333', 'deployed', 'cli'],
      ['2222222', 'deployed', 'cli'],
    ]);
    expect(entries[0]?.durationSeconds).toEqual(expect.any(Number));
    expect((await history('--all')).map((e) => e.gitsha)).toEqual(['4444444', 'bad0000', '3333333', '2222222']);
    expect((await history('--limit', '1')).map((e) => e.gitsha)).toEqual(['bad0000']);

    const table = await e2e.gehen(['history', '--path', path]);
    expect(table.stdout).toMatch(/^SHA\s+OUTCOME\s+STARTED\s+TOOK\s+BY\s+EXECUTION/);
    expect(table.stdout).toMatch(/bad0000\s+rolled back/);
  });

  it('rolls back to the last successful deployment before the current one, through the same workflow', async () => {
    // Running now: 3333333 (bad0000 was rolled back). The one before it: 2222222.
    const run = await e2e.gehen(['rollback', '--path', path, '--json']);
    expect(run.stderr).toContain('Rolling back from 3333333');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'deployed', gitsha: '2222222' });
    const api = await e2e.service('api');
    expect(Object.values(await e2e.images(api.taskDefinition ?? ''))[0]).toMatch(/:2222222$/);
  });

  it('deploys --to SHA as given, and refuses one that is not a SHA', async () => {
    expect((await e2e.gehen(['rollback', '--path', path, '--to', 'not-a-sha'])).code).toBe(1);
    const run = await e2e.gehen(['rollback', '--path', path, '--to', '3333333', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'deployed', gitsha: '3333333' });
  });
});
