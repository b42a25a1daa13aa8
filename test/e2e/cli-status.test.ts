import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { parseGehenYaml } from '../../lambdas/shared/config/yaml';
import type { ExecutionInput } from '../../lambdas/shared/contracts/execution-input';
import { circuitBreaker, demoConfig, demoService, FAST } from './fleets';
import { type E2e, startE2e } from './harness';

/** `gehen status` on executions started earlier: by `gehen deploy --no-wait`, and from the console. */

describe('gehen status on the sandbox', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [demoService('api', { listen: 0 }), demoService('worker', { circuitBreaker })],
      timing: FAST,
      faults: { bad0000: 'crash' },
    });
  });
  afterAll(() => e2e.close());

  function configText(): string {
    return demoConfig({
      services: { api: { url: `${e2e.sandbox.loadBalancers.api}/` }, worker: {} },
      timeoutMinutes: 0.5,
    });
  }

  /** What the console does: StartExecution with the input the CLI would build. */
  async function startFromConsole(gitsha: string): Promise<string> {
    const input: ExecutionInput = {
      gitsha,
      config: parseGehenYaml(configText(), 'gehen.yml').config,
      source: 'console',
    };
    const { executionArn } = await e2e.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: e2e.sandbox.stateMachineArn,
        name: `console-${gitsha}`,
        input: JSON.stringify(input),
      }),
    );
    if (!executionArn) throw new Error('StartExecution returned no executionArn');
    return executionArn;
  }

  it('reports on a deploy started with --no-wait: running (exit 2), then followed to the end with --watch', async () => {
    const started = await e2e.gehen([
      'deploy',
      '--gitsha',
      '2222222',
      '--path',
      e2e.config(configText()),
      '--no-wait',
      '--json',
    ]);
    expect(started.code).toBe(0);
    const { execution, status } = JSON.parse(started.stdout);
    expect(status).toBe('running');
    expect(started.stderr).toContain(`Follow it with: gehen status ${execution} --watch`);

    const early = await e2e.gehen(['status', execution, '--json']);
    expect(early.code).toBe(2);
    expect(JSON.parse(early.stdout)).toMatchObject({ execution, status: 'running', exitCode: 2, gitsha: '2222222' });
    expect(early.stderr).toContain(`Still running. Follow it with: gehen status ${execution} --watch`);

    const watched = await e2e.gehen(['status', execution, '--watch', '--json']);
    expect(watched.code).toBe(0);
    const report = JSON.parse(watched.stdout);
    expect(report).toMatchObject({
      execution,
      status: 'deployed',
      exitCode: 0,
      services: [
        {
          name: 'api',
          outcome: 'deployed',
          previousSha: '1111111',
          sha: '2222222',
          taskDefinition: expect.stringMatching(/api:2$/),
        },
        {
          name: 'worker',
          outcome: 'deployed',
          previousSha: '1111111',
          sha: '2222222',
          taskDefinition: expect.stringMatching(/worker:2$/),
        },
      ],
    });
    expect(watched.stderr).toMatch(/^\d\d:\d\d:\d\d api: verifying$/m);
    expect((await e2e.service('api')).taskDefinition).toMatch(/api:2$/);

    // Afterwards, from the history alone: the same report.
    const later = await e2e.gehen(['status', execution, '--json']);
    expect(later.code).toBe(0);
    expect(JSON.parse(later.stdout)).toEqual(report);
  });

  it('follows a deploy started from the console to the end, and prints the summary table', async () => {
    const execution = await startFromConsole('3333333');
    const watched = await e2e.gehen(['status', execution, '--watch']);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/^Deployed$/m);
    expect(watched.stdout).toMatch(/^api +api:2 → api:3 +deployed/m);
    expect(watched.stdout).toMatch(/^worker +worker:2 → worker:3 +deployed/m);
    expect(watched.stderr).toBe('');
  });

  it('exits 1 for a console deploy that rolled back, watching it and afterwards', async () => {
    const execution = await startFromConsole('bad0000');
    const watched = await e2e.gehen(['status', execution, '--watch', '--json']);
    expect(watched.code).toBe(1);
    const report = JSON.parse(watched.stdout);
    expect(report).toMatchObject({ status: 'rolled-back', exitCode: 1, error: { code: 'Gehen.RolledBack' } });
    expect((await e2e.service('worker')).taskDefinition).toMatch(/worker:3$/);

    const later = await e2e.gehen(['status', execution, '--json']);
    expect(later.code).toBe(1);
    expect(JSON.parse(later.stdout)).toEqual(report);
  });

  it('exits 1 with one line for an ARN that is not an execution, or an execution that does not exist', async () => {
    const malformed = await e2e.gehen(['status', 'gehen-deploy:nope']);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/^gehen: not an execution ARN: gehen-deploy:nope/);

    const missing = e2e.sandbox.stateMachineArn.replace(':stateMachine:', ':execution:').concat(':nope');
    const unknown = await e2e.gehen(['status', missing]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^gehen: failed to read the history of .*:nope: ExecutionDoesNotExist/);
  });
});
