import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  HISTORY_LIMIT_CAUSE,
  jsonByteLength,
  MAX_CAUSE_CHARS,
  MAX_HISTORY_EVENTS,
} from '../../sandbox/stepfunctions/execution-limits';
import type { AslObject } from '../../sandbox/stepfunctions/local-workflow';
import { createStepFunctionsService, type StepFunctionsService } from '../../sandbox/stepfunctions/service';
import { type StepFunctionsEndpoint, serveStepFunctions } from '../fixtures/stepfunctions/http-adapter';
import { Functions } from '../fixtures/stepfunctions/workflows';

/** One small state machine on its own endpoint, driven by the real SDK. */
interface Machine {
  service: StepFunctionsService;
  sfn: SFNClient;
  /** Starts an execution and waits for its end. */
  run(input: object): Promise<{ executionArn: string; events: HistoryEvent[] }>;
}

const opened: Array<{ http: StepFunctionsEndpoint; service: StepFunctionsService; sfn: SFNClient }> = [];

afterAll(async () => {
  for (const { http, service, sfn } of opened) {
    sfn.destroy();
    await service.close();
    await http.close();
  }
});

async function machine(definition: AslObject): Promise<Machine> {
  const http = await serveStepFunctions();
  const workflow = { name: 'limits', definition, functions: [Functions.limits] };
  const service = createStepFunctionsService({ endpoint: http.endpoint, region: 'us-east-1', workflow });
  http.setHandler(service.handle);
  const sfn = new SFNClient({
    endpoint: http.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  opened.push({ http, service, sfn });
  let runs = 0;
  return {
    service,
    sfn,
    async run(input) {
      runs += 1;
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: service.stateMachineArn,
          name: `run-${runs}`,
          input: JSON.stringify(input),
        }),
      );
      if (!executionArn) throw new Error('no executionArn');
      await service.executionDone(executionArn);
      return { executionArn, events: await fullHistory(sfn, executionArn) };
    },
  };
}

async function fullHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

const entered = (events: HistoryEvent[]) => events.flatMap((e) => e.stateEnteredEventDetails?.name ?? []);
const catchAll = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Caught' }];
const caught = { Type: 'Pass', End: true };

describe('jsonByteLength', () => {
  it.each([
    ['ascii', { a: 'b', n: [1, 2.5, -3e-7, null, true, false] }],
    ['escapes', { 'q"k': 'line\nbreak\t"quoted"\\ \u0001 \u001f' }],
    ['multi-byte', { é: 'ü€😀', lone: '\ud800x', arr: [[], {}, ''] }],
  ])('counts %s exactly as UTF-8 JSON', (_name, value) => {
    expect(jsonByteLength(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
  });

  it('stops counting past its budget', () => {
    expect(jsonByteLength({ big: 'x'.repeat(1_000_000) }, 1000)).toBeLessThan(2000);
  });
});

describe('States.DataLimitExceeded', () => {
  const taskResult = {
    StartAt: 'Produce',
    States: {
      Produce: {
        Type: 'Task',
        Resource: Functions.limits.arn,
        Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, IntervalSeconds: 0 }],
        Catch: catchAll,
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      Caught: caught,
    },
  };

  it('fails the execution when a Task returns more than 256 KiB, past its Retry and Catch', async () => {
    const sfnMachine = await machine(taskResult);
    const { executionArn, events } = await sfnMachine.run({ bytes: 300_000 });

    const described = await sfnMachine.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const cause = `The state/task '${Functions.limits.arn}' returned a result with a size exceeding the maximum number of bytes service limit.`;
    expect(described).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded', cause });
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'States.DataLimitExceeded', cause },
    });
    expect(entered(events)).not.toContain('Caught');
    expect(events.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(1); // never retried
  });

  it('lets a result just under the limit through', async () => {
    const sfnMachine = await machine(taskResult);
    const { events } = await sfnMachine.run({ bytes: 200_000 });
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('fails the execution when a state in a Map iteration outputs more than 256 KiB, past the Map’s Catch', async () => {
    const sfnMachine = await machine({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemSelector: { 'blob.$': '$.blob' },
          ItemProcessor: {
            StartAt: 'Double',
            States: { Double: { Type: 'Pass', Parameters: { 'a.$': '$.blob', 'b.$': '$.blob' }, End: true } },
          },
          Catch: catchAll,
          End: true,
        },
        Caught: caught,
      },
    });
    const { executionArn, events } = await sfnMachine.run({ items: [1], blob: 'y'.repeat(150_000) });

    const described = await sfnMachine.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(described.cause).toContain("'Double'");
    expect(entered(events)).not.toContain('Caught');
  });
});

describe('cause truncation', () => {
  it('cuts a Lambda error’s cause to 32,768 characters in the history and DescribeExecution', async () => {
    const sfnMachine = await machine({
      StartAt: 'Fail Loudly',
      States: { 'Fail Loudly': { Type: 'Task', Resource: Functions.limits.arn, End: true } },
    });
    const { executionArn, events } = await sfnMachine.run({ message: 'z', times: 40_000 });

    const failed = events.find((e) => e.type === 'LambdaFunctionFailed')?.lambdaFunctionFailedEventDetails;
    expect(failed?.error).toBe('DeploymentFailedError');
    expect(failed?.cause).toHaveLength(MAX_CAUSE_CHARS);
    expect(failed?.cause?.startsWith('{"errorType":"DeploymentFailedError","errorMessage":"zzz')).toBe(true);
    // Cut mid-message, the JSON cause no longer parses: what a reader of causes must expect.
    expect(() => JSON.parse(failed?.cause ?? '')).toThrow();
    const described = await sfnMachine.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.cause).toHaveLength(MAX_CAUSE_CHARS);
    expect(events.at(-1)?.executionFailedEventDetails?.cause).toBe(described.cause);
  });
});

describe('the history limit', () => {
  it('fails an execution whose history reaches 25,000 events, the last being ExecutionFailed', async () => {
    const sfnMachine = await machine({
      StartAt: 'Count',
      States: {
        Count: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)' }, Next: 'Again?' },
        'Again?': {
          Type: 'Choice',
          // 4 events a round: 7,000 rounds pass 25,000 events, yet without the limit the execution
          // succeeds in seconds, so switching the model off fails this test at once.
          Choices: [{ Variable: '$.i', NumericLessThan: 7_000, Next: 'Count' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });
    const { executionArn, events } = await sfnMachine.run({ i: 0 });

    expect(events).toHaveLength(MAX_HISTORY_EVENTS);
    expect(events.at(-1)).toMatchObject({
      id: MAX_HISTORY_EVENTS,
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'States.Runtime', cause: HISTORY_LIMIT_CAUSE },
    });
    expect(events.at(-2)?.type).toMatch(/State(Entered|Exited)$/);
    const described = await sfnMachine.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: HISTORY_LIMIT_CAUSE });
  });
});
