import type { Context } from 'aws-lambda';
import type { ServiceStepInput } from '../../../lambdas/shared/contracts/state';
import { type Sandbox, startSandbox } from '../../../sandbox';

/**
 * A step's log lines, from its real handler: the steps' logger, the SDK call log, real SDK calls
 * to the sandbox's ECS. What matters to an operator is in them; what must never leave the task
 * definition or the function's environment is not.
 */

const ACCOUNT = '000000000000';
const ECR = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
// Values that must never appear in a log line.
const ENV_VALUE = 'postgres://admin:p4ssw0rd-never-logged@db.internal:5432/app';
const SECRET_REF = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/api-key-never-logged`;
const FUNCTION_SECRET = 'sk_live_51FUNCTIONSECRETneverlogged';

const STATE_MACHINE = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:gehen-deploy`;

/**
 * The write steps prove they act for a running execution's plan (lambdas/shared/execution-guard.ts):
 * the sandbox answers as Step Functions would for execution run-1, RUNNING, whose Prepare planned
 * exactly the service of the event being invoked. Its input is the gehen.yml it was started with.
 */
let planned: ServiceStepInput | undefined;
function runningExecution() {
  const config = {
    roleArn: null,
    updateStrategy: 'current',
    timeoutMinutes: 1,
    pollIntervalSeconds: 1,
    requiredMatches: 1,
    region: null,
    services: [{ name: 'api', cluster: 'demo', region: 'us-east-1', url: null, containers: null }],
    scheduledTasks: [],
  };
  const at = new Date();
  return {
    close: async () => {},
    handle: async (operation: string) => {
      const { service, deployment } = planned ?? input();
      const plan = { deployment, services: [service], scheduledTasks: [] };
      if (operation === 'DescribeExecution') {
        return {
          executionArn: deployment.executionArn,
          stateMachineArn: STATE_MACHINE,
          status: 'RUNNING',
          startDate: at.getTime() / 1000,
          input: JSON.stringify({ gitsha: deployment.gitsha, config, source: 'cli' }),
        };
      }
      if (operation === 'GetExecutionHistory') {
        return {
          events: [
            { id: 1, type: 'ExecutionStarted', timestamp: at.getTime() / 1000 },
            {
              id: 2,
              type: 'TaskStateEntered',
              timestamp: at.getTime() / 1000,
              stateEnteredEventDetails: { name: 'Prepare Deployment' },
            },
            {
              id: 3,
              type: 'LambdaFunctionSucceeded',
              timestamp: at.getTime() / 1000,
              lambdaFunctionSucceededEventDetails: { output: JSON.stringify(plan) },
            },
          ],
        };
      }
      throw new Error(`not served here: ${operation}`);
    },
  };
}

let sandbox: Sandbox;
let registered: string;
beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    stepFunctions: async () => runningExecution(),
    fleet: {
      services: [
        {
          name: 'api',
          cluster: 'demo',
          taskDefinition: {
            family: 'api',
            containerDefinitions: [
              {
                name: 'api',
                image: `${ECR}/api:1111111`,
                environment: [{ name: 'DATABASE_URL', value: ENV_VALUE }],
                secrets: [{ name: 'API_KEY', valueFrom: SECRET_REF }],
              },
            ],
          },
        },
      ],
    },
  });
  registered = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api:1`;
});
afterAll(() => sandbox.close());

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  jest.restoreAllMocks();
});

function input(overrides: Partial<ServiceStepInput['service']> = {}): ServiceStepInput {
  return {
    service: {
      name: 'api',
      cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/demo`,
      region: 'us-east-1',
      url: null,
      containers: null,
      previousTaskDefinition: registered,
      previousSha: '1111111',
      ...overrides,
    },
    deployment: {
      gitsha: '2222222',
      updateStrategy: 'current',
      roleArn: null,
      timeoutSeconds: 60,
      pollIntervalSeconds: 1,
      requiredMatches: 1,
      executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:gehen-deploy:run-1`,
    },
  };
}

const context = {
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  functionName: 'gehen-register-task-definition',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:gehen-register-task-definition`,
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

type Line = Record<string, unknown>;

/**
 * Loads the register-task-definition handler afresh with `env` (handlers read it at cold start),
 * invokes it with `event`, and returns what it wrote to stdout and stderr, line by line.
 */
async function invoke(
  env: Record<string, string>,
  event: unknown,
): Promise<{ raw: string; lines: Line[]; error?: Error }> {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sandbox.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
    AWS_SECRET_ACCESS_KEY: FUNCTION_SECRET,
    GEHEN_STATE_MACHINE_ARN: STATE_MACHINE,
    ...env,
  });
  planned = event as ServiceStepInput;
  const chunks: string[] = [];
  // Lambda sends both streams to the function's log group: the steps write to stdout, but a line on
  // stderr would reach it too.
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
  }
  let error: Error | undefined;
  await jest.isolateModulesAsync(async () => {
    const { handler } = await import('../../../lambdas/register-task-definition/handler');
    try {
      await handler(event as ServiceStepInput, context);
    } catch (caught) {
      error = caught as Error;
    }
  });
  jest.restoreAllMocks();
  const raw = chunks.join('');
  const lines = raw
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Line);
  return { raw, lines, error };
}

describe('a step’s log lines', () => {
  it('say which execution, SHA and service, and how long each AWS call took, at DEBUG', async () => {
    const { lines, error } = await invoke({ GEHEN_LOG_LEVEL: 'DEBUG' }, input());

    expect(error).toBeUndefined();
    const keys = {
      level: 'INFO',
      service: 'gehen',
      step: 'register-task-definition',
      executionArn: input().deployment.executionArn,
      gitsha: '2222222',
      ecsService: 'api',
      function_request_id: context.awsRequestId,
    };
    expect(lines[0]).toMatchObject({ ...keys, message: 'Step started' });
    expect(lines.at(-1)).toMatchObject({ ...keys, message: 'Step finished', durationMs: expect.any(Number) });
    const calls = lines.filter((line) => line.message === 'AWS call');
    // The running revision, then the family's newest (a retry reuses an identical one), then the registration.
    expect(calls.map((line) => line.operation)).toEqual([
      'DescribeTaskDefinition',
      'DescribeTaskDefinition',
      'RegisterTaskDefinition',
    ]);
    for (const call of calls) {
      expect(call).toMatchObject({
        ...keys,
        level: 'DEBUG',
        awsService: 'ECS',
        durationMs: expect.any(Number),
        attempts: 1,
      });
    }
  });

  it('log no AWS call at INFO, and a failed one with its error', async () => {
    const ok = await invoke({ GEHEN_LOG_LEVEL: 'INFO' }, input());
    expect(ok.lines.map((line) => line.message)).toEqual(['Step started', 'Step finished']);

    const missing = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api:99`;
    const failed = await invoke({}, input({ previousTaskDefinition: missing }));
    expect(failed.error).toBeDefined();
    expect(failed.lines.map((line) => [line.level, line.message])).toEqual([
      ['INFO', 'Step started'],
      ['INFO', 'AWS call failed'],
      ['ERROR', 'Step failed'],
    ]);
    expect(failed.lines[1]).toMatchObject({ operation: 'DescribeTaskDefinition', error: 'ClientException' });
    expect(failed.lines[2]).toMatchObject({
      ecsService: 'api',
      error: { name: failed.error?.name, message: failed.error?.message },
    });
  });

  it('never hold an environment value, a secret reference or the function’s credentials', async () => {
    // Even with a task definition in the event, that a step would never be sent.
    const event = {
      ...input(),
      taskDefinition: {
        containerDefinitions: [
          {
            name: 'api',
            environment: [{ name: 'DATABASE_URL', value: ENV_VALUE }],
            secrets: [{ name: 'API_KEY', valueFrom: SECRET_REF }],
          },
        ],
      },
    };
    const env = {
      GEHEN_LOG_LEVEL: 'DEBUG',
      DATABASE_URL: ENV_VALUE,
      API_TOKEN: FUNCTION_SECRET,
    };

    const ok = await invoke(env, event);
    const failed = await invoke(env, { ...event, service: { ...event.service, previousTaskDefinition: 'api:99' } });

    expect(ok.lines.length).toBeGreaterThan(2);
    for (const raw of [ok.raw, failed.raw]) {
      for (const value of [ENV_VALUE, 'p4ssw0rd', SECRET_REF, 'api-key-never-logged', FUNCTION_SECRET]) {
        expect(raw).not.toContain(value);
      }
    }
  });
});
