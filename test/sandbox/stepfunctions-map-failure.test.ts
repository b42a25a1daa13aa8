import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { AslObject } from '../../sandbox/stepfunctions/local-workflow';
import { createStepFunctionsService, type StepFunctionsService } from '../../sandbox/stepfunctions/service';
import { type StepFunctionsEndpoint, serveStepFunctions } from '../fixtures/stepfunctions/http-adapter';
import { Functions } from '../fixtures/stepfunctions/workflows';

let http: StepFunctionsEndpoint;
let service: StepFunctionsService;
let sfn: SFNClient;

/**
 * A Map of Tasks whose failure is caught; then a Wait (a timer, so every iteration the runner would
 * still start has started) and a Task that reports how many times the function has been invoked.
 */
const definition: AslObject = {
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrencyPath: '$.concurrency',
      ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: Functions.limits.arn, End: true } } },
      Catch: [{ ErrorEquals: ['DeploymentFailedError'], ResultPath: '$.failure', Next: 'Settle' }],
      Next: 'Settle',
    },
    Settle: { Type: 'Wait', Seconds: 0, Next: 'Count' },
    Count: { Type: 'Task', Resource: Functions.limits.arn, Parameters: { name: 'count' }, End: true },
  },
};

beforeAll(async () => {
  http = await serveStepFunctions();
  const workflow = { name: 'map-failure', definition, functions: [Functions.limits] };
  service = createStepFunctionsService({ endpoint: http.endpoint, region: 'us-east-1', workflow });
  http.setHandler(service.handle);
  sfn = new SFNClient({
    endpoint: http.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
});

afterAll(async () => {
  sfn.destroy();
  await service.close();
  await http.close();
});

async function run(name: string, input: object): Promise<HistoryEvent[]> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: service.stateMachineArn, name, input: JSON.stringify(input) }),
  );
  if (!executionArn) throw new Error('no executionArn');
  await service.executionDone(executionArn);
  return (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

/** The function's invocation count as the last Task saw it (the worker keeps it, as a warm Lambda does). */
function invocationsSoFar(events: HistoryEvent[]): number {
  const output = events.find((e) => e.type === 'ExecutionSucceeded')?.executionSucceededEventDetails?.output;
  return JSON.parse(output ?? '{}').invocations;
}

describe('an inline Map whose iteration fails', () => {
  it('starts no further iteration: the queued items are never invoked', async () => {
    const before = invocationsSoFar(await run('warm-up', { items: [], concurrency: 1 }));
    const items = [{ name: 'a', fail: true }, { name: 'b' }, { name: 'c' }, { name: 'd' }];
    const events = await run('first-fails', { items, concurrency: 1 });

    // The failed item and the counting Task: b, c and d never ran.
    expect(invocationsSoFar(events) - before).toBe(2);
    const started = events.filter((e) => e.type === 'MapIterationStarted');
    expect(started.map((e) => e.mapIterationStartedEventDetails?.index)).toEqual([0]);
    const types = events.map((e) => e.type);
    expect(types.indexOf('MapIterationFailed')).toBeLessThan(types.indexOf('MapStateFailed'));
    expect(types).not.toContain('MapStateSucceeded');
  });

  it('aborts the iterations still running, before the Map state fails', async () => {
    const items = [
      { name: 'slow', ms: 300 },
      { name: 'bad', fail: true },
    ];
    const events = await run('one-of-two-fails', { items, concurrency: 2 });

    const types = events.map((e) => e.type);
    const aborted = events.filter((e) => e.type === 'MapIterationAborted');
    expect(aborted.map((e) => e.mapIterationAbortedEventDetails)).toEqual([{ name: 'Each', index: 0 }]);
    const failed = events.find((e) => e.type === 'MapIterationFailed');
    expect(failed?.mapIterationFailedEventDetails).toEqual({ name: 'Each', index: 1 });
    expect(types.indexOf('MapIterationFailed')).toBeLessThan(types.indexOf('MapIterationAborted'));
    expect(types.indexOf('MapIterationAborted')).toBeLessThan(types.indexOf('MapStateFailed'));
    // Only the counting Task's function success is history: the aborted one's is not.
    expect(types.filter((type) => type === 'LambdaFunctionSucceeded')).toHaveLength(1);
  });

  it('runs every item when none fails', async () => {
    const before = invocationsSoFar(await run('warm-up-2', { items: [], concurrency: 1 }));
    const events = await run('all-pass', { items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], concurrency: 1 });
    expect(invocationsSoFar(events) - before).toBe(4);
    expect(events.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(3);
  });
});
