import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { circuitBreaker, demoConfig, demoService, FAST, nightlyReport } from './fleets';
import { type E2e, startE2e } from './harness';

/** `gehen deploy` and `gehen validate` end to end: every exit code but 2 (see cli-timeouts), --json, plain output. */

const ESC = '\u001b';

describe('gehen deploy and validate on the sandbox', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [
        demoService('api', { desiredCount: 2, listen: 0 }),
        demoService('worker', { desiredCount: 1, circuitBreaker }),
      ],
      scheduledTasks: [nightlyReport],
      timing: FAST,
      faults: { bad0000: 'crash' },
    });
  });
  afterAll(() => e2e.close());

  function goodConfig(): string {
    return e2e.config(
      demoConfig({
        services: { api: { url: `${e2e.sandbox.loadBalancers.api}/ping` }, worker: {} },
        scheduledTasks: ['nightly-report'],
        timeoutMinutes: 0.5,
      }),
    );
  }

  const BAD_CONFIG = `services:
  api:
    cluster: demo
    url: ftp://example.com/
    containres: [api]
  worker:
timeoutMinutes: -1
updateStrategy: sideways
`;

  async function executionCount(): Promise<number> {
    const { executions = [] } = await e2e.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: e2e.sandbox.stateMachineArn }),
    );
    return executions.length;
  }

  async function revisions(): Promise<Array<string | undefined>> {
    const services = await Promise.all(['api', 'worker'].map((name) => e2e.service(name)));
    return services.map((s) => s.taskDefinition);
  }

  describe('exit 1, nothing started', () => {
    it('prints every problem of an invalid gehen.yml with its path, and starts no execution', async () => {
      const run = await e2e.gehen(['deploy', '--gitsha', '2222222', '--path', e2e.config(BAD_CONFIG, 'bad.yml')]);
      expect(run.code).toBe(1);
      for (const path of [
        'services.api.url:',
        'services.api: unknown key "containres"',
        'services.worker.cluster:',
        'timeoutMinutes:',
        'updateStrategy:',
      ]) {
        expect(run.stderr).toContain(path);
      }
      expect(await executionCount()).toBe(0);
    });

    it('rejects a SHA that is not 7 to 40 hex characters, and starts no execution', async () => {
      const run = await e2e.gehen(['deploy', '--gitsha', 'main', '--path', goodConfig(), '--json']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('gitsha: must be 7 to 40 hexadecimal characters');
      expect(JSON.parse(run.stdout)).toMatchObject({ execution: null, status: 'failed', exitCode: 1 });
      expect(await executionCount()).toBe(0);
    });
  });

  describe('validate', () => {
    it('summarizes what a deploy would touch and exits 0', async () => {
      const run = await e2e.gehen(['validate', '--path', goodConfig()]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('is valid');
      expect(run.stdout).toMatch(/^ {4}api {2}cluster demo/m);
      expect(run.stdout).toMatch(/^ {4}worker {2}cluster demo .*url none \(no probe\)/m);
      expect(run.stdout).toMatch(/^ {4}nightly-report /m);
    });

    it('prints every problem with its path and exits 1', async () => {
      const run = await e2e.gehen(['validate', '--path', e2e.config(BAD_CONFIG, 'bad.yml')]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^ {2}services\.api\.url: /m);
      expect(run.stderr).toMatch(/^ {2}services\.worker\.cluster: /m);
      expect(run.stderr).toMatch(/^ {2}timeoutMinutes: /m);
      expect(run.stdout).toBe('');
    });
  });

  describe('exit 0', () => {
    it('deploys, and --json prints exactly one report on stdout with progress on stderr', async () => {
      const before = await e2e.targets('nightly-report');
      const run = await e2e.gehen(['deploy', '--gitsha', '2222222', '--path', goodConfig(), '--json']);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report).toEqual({
        execution: expect.stringMatching(
          /^arn:aws:states:us-east-1:\d{12}:execution:gehen-deploy:2222222-\d{8}T\d{6}Z-[0-9a-f]{4}$/,
        ),
        status: 'deployed',
        exitCode: 0,
        gitsha: '2222222',
        error: null,
        services: ['api', 'worker'].map((name) => ({
          name,
          cluster: expect.stringMatching(/:cluster\/demo$/),
          previousTaskDefinition: expect.stringMatching(new RegExp(`task-definition/${name}:1$`)),
          taskDefinition: expect.stringMatching(new RegExp(`task-definition/${name}:2$`)),
          previousSha: '1111111',
          sha: '2222222',
          outcome: 'deployed',
          reason: null,
          seconds: expect.any(Number),
        })),
        scheduledTasks: [
          {
            rule: 'nightly-report',
            targets: [
              {
                id: 'report',
                previousTaskDefinition: before[0]?.taskDefinition,
                taskDefinition: expect.stringMatching(/task-definition\/report:2$/),
              },
            ],
            outcome: 'deployed',
            seconds: expect.any(Number),
          },
        ],
      });
      expect(await revisions()).toEqual([expect.stringMatching(/api:2$/), expect.stringMatching(/worker:2$/)]);
      expect(run.stderr).toContain('Deploying 2222222 to 2 services and 1 scheduled task');
      expect(run.stderr).toMatch(/^Deployed$/m);
      expect(run.stderr).toMatch(/^api +api:1 → api:2 +deployed +\d+s$/m);
    });
  });

  describe('exit 1 after starting', () => {
    it('rolls back when the image crashes and the circuit breaker trips', async () => {
      const before = await revisions();
      const run = await e2e.gehen(['deploy', '--gitsha', 'bad0000', '--path', goodConfig(), '--json']);
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ status: 'rolled-back', exitCode: 1, error: { code: 'Gehen.RolledBack' } });
      expect(report.services.map((s: { outcome: string }) => s.outcome)).toEqual(['rolled-back', 'rolled-back']);
      expect(await revisions()).toEqual(before);
      expect(run.stderr).toMatch(/^Rolled back \(Gehen\.RolledBack/m);
    });

    it('fails with Gehen.InvalidDeployment, changing nothing, when a service does not exist', async () => {
      const before = await revisions();
      const targets = await e2e.targets('nightly-report');
      const path = e2e.config(
        demoConfig({ services: { api: {}, ghost: {} }, scheduledTasks: ['nightly-report'], timeoutMinutes: 0.5 }),
        'ghost.yml',
      );
      const run = await e2e.gehen(['deploy', '--gitsha', '3333333', '--path', path, '--json']);
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ status: 'failed', exitCode: 1, error: { code: 'Gehen.InvalidDeployment' } });
      expect(report.error.message).toContain('ghost');
      expect(await revisions()).toEqual(before);
      expect(await e2e.targets('nightly-report')).toEqual(targets);
    });
  });

  describe('output in CI', () => {
    it('writes one plain line per change, never redrawing, even on a terminal', async () => {
      const run = await e2e.gehen(['deploy', '--gitsha', '4444444', '--path', goodConfig()], {}, { tty: true });
      expect(run.code).toBe(0);
      // Colors are NO_COLOR's business; live lines (cursor up, erase) are what CI turns off.
      expect(run.stdout).not.toMatch(new RegExp(`${ESC}\\[(\\d+A|0J)`));
      const lines = plain(run.stdout).split('\n');
      const changes = lines.filter((line) => /^\d\d:\d\d:\d\d (api|worker|nightly-report)/.test(line));
      expect(changes).toEqual(expect.arrayContaining([expect.stringMatching(/ api: deployed/)]));
      expect(new Set(changes.map((line) => line.slice(9))).size).toBe(changes.length);
    });

    it('has no ANSI escapes at all with NO_COLOR', async () => {
      const run = await e2e.gehen(
        ['deploy', '--gitsha', '5555555', '--path', goodConfig(), '--json'],
        { NO_COLOR: '1' },
        { tty: true },
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('api: deployed');
      expect(run.stderr).not.toContain(ESC);
      expect(run.stdout).not.toContain(ESC);
    });
  });
});

/** Without color codes. */
function plain(text: string): string {
  return text.replace(new RegExp(`${ESC}\\[\\d+m`, 'g'), '');
}
