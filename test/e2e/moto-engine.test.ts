import { StateNames } from '../../lib/state-names';
import { motoForTests } from '../moto-probe';
import { circuitBreaker, demoConfig, demoService, ECR, FAST, probedServices } from './fleets';
import { type E2e, enteredStates, startE2e } from './harness';

/**
 * The deploy, crash-rollback and drain-timeout scenarios with gehen-deploy run by moto's ASL
 * interpreter (LocalStack's) instead of aws-local-stepfunctions: two interpreters nobody here wrote
 * must agree with the product. Every Task goes through the sandbox's Lambda Invoke API.
 */
const moto = motoForTests();
if (!moto.ok) console.warn(`moto engine tests skipped: ${moto.reason}`);

(moto.ok ? describe : describe.skip)('gehen deploy on the moto engine', () => {
  let e2e: E2e;
  const served = (name: string, tag?: string) => demoService(name, { desiredCount: 2, listen: 0, circuitBreaker, tag });
  beforeAll(async () => {
    e2e = await startE2e(
      {
        // Its running tasks, once stopped, drain for an hour.
        services: [served('api'), served('web'), served('sticky', 'd0d0d0d')],
        timing: FAST,
        faults: { bad0000: 'crash', d0d0d0d: { drainSeconds: 3600 } },
      },
      { engine: 'moto' },
    );
  });
  afterAll(() => e2e?.close());

  const config = (services: string[], timeoutMinutes = 1) =>
    e2e.config(
      demoConfig({ services: probedServices(e2e, services), timeoutMinutes }),
      `${services.join('-')}-${timeoutMinutes}.yml`,
    );

  it('deploys two services and serves the new version', async () => {
    const { code, report } = await e2e.deploy('2222222', config(['api', 'web']));
    expect(code).toBe(0);
    expect(report.status).toBe('deployed');
    for (const name of ['api', 'web']) {
      expect((await e2e.service(name)).taskDefinition).toMatch(new RegExp(`task-definition/${name}:2$`));
    }
    const response = await fetch(`${e2e.sandbox.loadBalancers.api}/`);
    expect(response.headers.get('server')).toBe('api-2222222');
  });

  it('rolls both services back onto their exact previous revisions when the image crashes', async () => {
    const before = await Promise.all(['api', 'web'].map(async (name) => (await e2e.service(name)).taskDefinition));
    const { code, report } = await e2e.deploy('bad0000', config(['api', 'web']));
    expect(code).toBe(1);
    expect(report.status).toBe('rolled-back');
    const after = await Promise.all(['api', 'web'].map(async (name) => (await e2e.service(name)).taskDefinition));
    expect(after).toEqual(before);
  });

  it('exits 2 without rolling back when the old version never drains', async () => {
    const previous = (await e2e.service('sticky')).taskDefinition;
    const { code, report } = await e2e.deploy('c3c3c3c', config(['sticky'], 0.1));
    expect(code).toBe(2);
    expect(report).toMatchObject({ status: 'timed-out', error: { code: 'Gehen.DrainTimedOut' } });
    const service = await e2e.service('sticky');
    expect(service.deployments?.map((d) => [d.status, d.taskDefinition])).toEqual([
      ['PRIMARY', expect.stringMatching(/task-definition\/sticky:2$/)],
      ['ACTIVE', previous],
    ]);
    expect(await e2e.images(service.taskDefinition ?? '')).toEqual({ sticky: `${ECR}/sticky:c3c3c3c` });
    const states = enteredStates(await e2e.history(report.execution ?? ''));
    expect(states).toContain(StateNames.drainTimedOut);
    expect(states).not.toContain(StateNames.rollBackServices);
  });

  // moto writes ExecutionStarted from the execution's own thread, a moment after StartExecution
  // answers; AWS's reads are eventually consistent too (ListExecutions/DescribeExecution are "best
  // effort", /work/shared/AWS-FACTS.md). `gehen status` falls back to DescribeExecution's input.
  it('gehen status right after a --no-wait deploy names its SHA (from DescribeExecution when the history has no ExecutionStarted yet)', async () => {
    const started = await e2e.gehen([
      'deploy',
      '--gitsha',
      '4444444',
      '--path',
      config(['api']),
      '--no-wait',
      '--json',
    ]);
    const { execution } = JSON.parse(started.stdout);
    const early = await e2e.gehen(['status', execution, '--json']);
    expect(JSON.parse(early.stdout)).toMatchObject({ execution, gitsha: '4444444' });
    await e2e.sandbox.stepFunctions.executionDone(execution);
  });
});
