import { demoConfig, demoService, ECR, FAST, nightlyReport } from './fleets';
import { type E2e, startE2e, taskDefinition } from './harness';

/**
 * What the Lambda steps write to their log groups during a real deployment on the sandbox (the
 * lines `gehen sandbox --lambda-logs` prints), with the stack's logLevel at DEBUG.
 */

const ENV_VALUE = 'postgres://admin:p4ssw0rd-never-logged@db.internal/app';
const SECRET_REF = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/api-key-never-logged';

describe('the steps’ logs during a deployment', () => {
  let e2e: E2e;
  const lines: Array<{ functionName: string; line: string }> = [];
  beforeAll(async () => {
    const definition = taskDefinition('api', ['api', `${ECR}/api:1111111`]);
    e2e = await startE2e(
      {
        timing: FAST,
        services: [
          demoService('api', {
            desiredCount: 1,
            listen: 0,
            taskDefinition: {
              ...definition,
              containerDefinitions: definition.containerDefinitions.map((c) => ({
                ...c,
                environment: [{ name: 'DATABASE_URL', value: ENV_VALUE }],
                secrets: [{ name: 'API_KEY', valueFrom: SECRET_REF }],
              })),
            },
          }),
        ],
        scheduledTasks: [nightlyReport],
      },
      {
        context: { 'gehen:logLevel': 'DEBUG' },
        onLambdaLog: (functionName, line) => lines.push({ functionName, line }),
      },
    );
  });
  afterAll(() => e2e.close());

  it('are JSON lines naming the execution, SHA, service or rule, with every AWS call timed, and no secret', async () => {
    const config = demoConfig({
      services: { api: { url: `${e2e.sandbox.loadBalancers.api}/` } },
      scheduledTasks: ['nightly-report'],
    });
    const { code, report } = await e2e.deploy('2222222', e2e.config(`${config}cleanupRevisions:\n  keep: 1\n`));
    expect(code).toBe(0);

    // Node's own process warnings are not the steps' lines (the SDK warns of Node 20, which the
    // sandbox runs; Lambda runs 22): every line a step writes is one JSON object.
    const json = lines.filter(({ line }) => line.startsWith('{'));
    const others = lines.filter(({ line }) => !line.startsWith('{')).map(({ line }) => line);
    expect(others.filter((line) => line.includes(report.execution ?? 'no execution'))).toEqual([]);
    const parsed = json.map(({ line }) => JSON.parse(line) as Record<string, unknown>);
    const mine = parsed.filter((line) => line.executionArn === report.execution);
    const started = mine.filter((line) => line.message === 'Step started');
    expect(new Set(started.map((line) => line.step))).toEqual(
      new Set([
        'prepare',
        'check-target-roles',
        'acquire-lock',
        'update-scheduled-task',
        'register-task-definition',
        'update-service',
        'probe',
        'check-drain',
        'clean-up-revisions',
        'report',
        'notify',
      ]),
    );
    for (const line of started) expect(line).toMatchObject({ level: 'INFO', service: 'gehen', gitsha: '2222222' });
    expect(started.find((line) => line.step === 'update-service')).toMatchObject({ ecsService: 'api' });
    expect(started.find((line) => line.step === 'update-scheduled-task')).toMatchObject({ rule: 'nightly-report' });

    const calls = mine.filter((line) => line.message === 'AWS call');
    expect(calls).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          step: 'register-task-definition',
          awsService: 'ECS',
          operation: 'RegisterTaskDefinition',
          durationMs: expect.any(Number),
          attempts: 1,
        }),
        expect.objectContaining({ step: 'clean-up-revisions', operation: 'DeregisterTaskDefinition' }),
        expect.objectContaining({ step: 'notify', awsService: 'EventBridge', operation: 'PutEvents' }),
      ]),
    );
    expect(mine).toContainEqual(
      expect.objectContaining({ message: 'Revisions cleaned up', deregistered: expect.arrayContaining(['api:1']) }),
    );

    const text = lines.map(({ line }) => line).join('\n');
    for (const value of [ENV_VALUE, 'p4ssw0rd', SECRET_REF, 'api-key-never-logged']) expect(text).not.toContain(value);
  });
});
