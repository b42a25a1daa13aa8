import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidOutput,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { checkWorkflow, UnsupportedDefinitionError } from '../../sandbox/stepfunctions/definition-check';
import type { AslObject, Json } from '../../sandbox/stepfunctions/local-workflow';
import { createStepFunctionsService, type StepFunctionsService } from '../../sandbox/stepfunctions/service';
import { type StepFunctionsEndpoint, serveStepFunctions } from '../fixtures/stepfunctions/http-adapter';
import { Functions } from '../fixtures/stepfunctions/workflows';

let http: StepFunctionsEndpoint;
let service: StepFunctionsService;
let sfn: SFNClient;
/** What the putEvents Task put, as PutEvents received it. */
const published: Json[] = [];

/** An approval gate: a Lambda is handed the token (and may answer it), or an event carries it. */
const definition: AslObject = {
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.via', IsPresent: true },
            { Variable: '$.via', StringEquals: 'event' },
          ],
          Next: 'Publish And Wait',
        },
      ],
      Default: 'Wait For Approval',
    },
    'Wait For Approval': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: Functions.callback.arn,
        Payload: { 'token.$': '$$.Task.Token', 'request.$': '$' },
      },
      ResultSelector: { 'approvedBy.$': '$.by' },
      ResultPath: '$.approval',
      Catch: [{ ErrorEquals: ['Gate.Rejected'], ResultPath: '$.rejection', Next: 'Rejected' }],
      Next: 'Approved',
    },
    'Publish And Wait': {
      Type: 'Task',
      Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
      Parameters: {
        Entries: [{ Source: 'gehen.test', DetailType: 'Approval Needed', Detail: { 'token.$': '$$.Task.Token' } }],
      },
      TimeoutSecondsPath: '$.timeout',
      HeartbeatSecondsPath: '$.heartbeat',
      ResultPath: '$.approval',
      Catch: [{ ErrorEquals: ['States.Timeout', 'States.HeartbeatTimeout'], ResultPath: '$.expired', Next: 'Expired' }],
      Next: 'Approved',
    },
    Approved: { Type: 'Succeed' },
    Rejected: { Type: 'Succeed' },
    Expired: { Type: 'Succeed' },
  },
};

beforeAll(async () => {
  http = await serveStepFunctions();
  const workflow = { name: 'callback', definition, functions: [Functions.callback] };
  service = createStepFunctionsService({
    endpoint: http.endpoint,
    region: 'us-east-1',
    workflow,
    putEvents: async (entries) => {
      published.push(...entries);
      return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `event-${published.length + i}` })) };
    },
  });
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

async function start(name: string, input: object): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: service.stateMachineArn, name, input: JSON.stringify(input) }),
  );
  if (!executionArn) throw new Error('no executionArn');
  return executionArn;
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  return (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

/**
 * The token of the Task waiting in the execution, read from its history as an operator's CLI
 * would: the newest TaskSubmitted (the call went out) and its TaskScheduled's parameters.
 */
async function waitingToken(executionArn: string): Promise<string> {
  for (;;) {
    const events = await history(executionArn);
    const scheduled = events.findLast((e) => e.type === 'TaskScheduled');
    if (events.some((e) => e.type === 'TaskSubmitted') && scheduled) {
      const parameters = JSON.parse(scheduled.taskScheduledEventDetails?.parameters ?? '{}');
      return parameters.Payload?.token ?? parameters.Entries?.[0]?.Detail?.token;
    }
    await sleep(20); // polling the API, as a CLI does: the sandbox offers no push for this
  }
}

async function finished(executionArn: string) {
  await service.executionDone(executionArn);
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

describe('a lambda:invoke.waitForTaskToken Task', () => {
  it('waits for SendTaskSuccess and continues with its output, the Invoke result ignored', async () => {
    const executionArn = await start('approved', { answer: 'operator' });
    const token = await waitingToken(executionArn);
    expect(token).toMatch(/^AQ[\w-]{40,}$/);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ by: 'alice' }) }));

    const execution = await finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}').approval).toEqual({ approvedBy: 'alice' });
  });

  it('records TaskScheduled with the token in its parameters, TaskSubmitted, then TaskSucceeded', async () => {
    const executionArn = await start('history', { answer: 'operator' });
    const token = await waitingToken(executionArn);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"by":"bob"}' }));
    await service.executionDone(executionArn);

    const events = await history(executionArn);
    const task = events.filter((e) => e.type?.startsWith('Task') && e.type !== 'TaskStateEntered');
    expect(task.map((e) => e.type)).toEqual([
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
    ]);
    const scheduled = task[0]?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken' });
    expect(JSON.parse(scheduled?.parameters ?? '{}')).toEqual({
      FunctionName: Functions.callback.arn,
      Payload: { token, request: { answer: 'operator' } },
    });
    expect(JSON.parse(task[2]?.taskSubmittedEventDetails?.output ?? '{}').Payload).toEqual({ ignored: true });
    expect(task[3]?.taskSucceededEventDetails?.output).toBe('{"by":"bob"}');
  });

  it('gives each execution its own token', async () => {
    const [first, second] = await Promise.all([start('token-a', {}), start('token-b', {})]);
    const [a, b] = await Promise.all([waitingToken(first), waitingToken(second)]);
    expect(a).not.toBe(b);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: a, output: '{}' }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: b, output: '{}' }));
    await Promise.all([service.executionDone(first), service.executionDone(second)]);
  });

  it('is answered by the invoked function itself, through the real SDK', async () => {
    const execution = await finished(await start('lambda-answers', { answer: 'lambda' }));
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}').approval).toEqual({ approvedBy: 'lambda' });
  });

  it('fails with SendTaskFailure’s error and cause, which a Catch matches by name', async () => {
    const executionArn = await start('rejected', { answer: 'operator' });
    const token = await waitingToken(executionArn);
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Gate.Rejected', cause: 'not today' }));

    const execution = await finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}').rejection).toEqual({ Error: 'Gate.Rejected', Cause: 'not today' });
    const failed = (await history(executionArn)).find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({ error: 'Gate.Rejected', cause: 'not today' });
  });

  it('answers TaskTimedOut once the token is answered, TaskDoesNotExist or InvalidToken for others', async () => {
    const executionArn = await start('answered-twice', {});
    const token = await waitingToken(executionArn);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await service.executionDone(executionArn);

    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
    // The same execution's token with another secret: well formed, but no task was given it.
    const claims = JSON.parse(Buffer.from(token.slice(2), 'base64url').toString('utf8'));
    const forged = `AQ${Buffer.from(JSON.stringify({ ...claims, secret: 'guessed' })).toString('base64url')}`;
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: forged }))).rejects.toBeInstanceOf(
      TaskDoesNotExist,
    );
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'not-a-token' }))).rejects.toBeInstanceOf(
      InvalidToken,
    );
  });

  it('refuses an output that is not JSON, and the Task keeps waiting', async () => {
    const executionArn = await start('bad-output', {});
    const token = await waitingToken(executionArn);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{nope' }))).rejects.toBeInstanceOf(
      InvalidOutput,
    );
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"by":"carol"}' }));
    expect((await finished(executionArn)).status).toBe('SUCCEEDED');
  });

  it('stops waiting when the execution is stopped: its token then answers TaskTimedOut', async () => {
    const executionArn = await start('stopped', {});
    const token = await waitingToken(executionArn);
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Cancelled' }));

    expect((await finished(executionArn)).status).toBe('ABORTED');
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });
});

describe('an events:putEvents.waitForTaskToken Task', () => {
  it('puts the event with the token in its Detail and waits for the answer', async () => {
    const executionArn = await start('event', { via: 'event', timeout: 60, heartbeat: 60 });
    const token = await waitingToken(executionArn);
    expect(published.at(-1)).toEqual({
      Source: 'gehen.test',
      DetailType: 'Approval Needed',
      Detail: JSON.stringify({ token }),
    });
    const scheduled = (await history(executionArn)).find((e) => e.type === 'TaskScheduled');
    expect(scheduled?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'events',
      resource: 'putEvents.waitForTaskToken',
      timeoutInSeconds: 60,
      heartbeatInSeconds: 60,
    });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '"go"' }));
    expect(JSON.parse((await finished(executionArn)).output ?? '{}').approval).toBe('go');
  });

  it('times out with States.Timeout after TimeoutSecondsPath, and the token goes stale', async () => {
    const executionArn = await start('timeout', { via: 'event', timeout: 1, heartbeat: 60 });
    const token = await waitingToken(executionArn);

    const execution = await finished(executionArn);
    expect(JSON.parse(execution.output ?? '{}').expired.Error).toBe('States.Timeout');
    const timedOut = (await history(executionArn)).find((e) => e.type === 'TaskTimedOut');
    expect(timedOut?.taskTimedOutEventDetails).toMatchObject({ resourceType: 'events', error: 'States.Timeout' });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });

  it('fails with States.HeartbeatTimeout when no heartbeat comes within HeartbeatSeconds', async () => {
    const execution = await finished(await start('silent', { via: 'event', timeout: 60, heartbeat: 1 }));
    expect(JSON.parse(execution.output ?? '{}').expired.Error).toBe('States.HeartbeatTimeout');
  });

  it('keeps waiting past HeartbeatSeconds while heartbeats arrive', async () => {
    const executionArn = await start('beating', { via: 'event', timeout: 60, heartbeat: 1 });
    const token = await waitingToken(executionArn);
    // Three heartbeats 600 ms apart: 1.8 s in all, past the 1 s heartbeat, never 1 s apart.
    for (let beat = 0; beat < 3; beat++) {
      await sleep(600);
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    }
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '"alive"' }));
    expect(JSON.parse((await finished(executionArn)).output ?? '{}').approval).toBe('alive');
  });
});

describe('the definition check', () => {
  const task = (resource: string): AslObject => ({
    StartAt: 'T',
    States: {
      T: {
        Type: 'Task',
        Resource: resource,
        Parameters: { FunctionName: Functions.callback.arn, Payload: { 'token.$': '$$.Task.Token' } },
        End: true,
      },
    },
  });
  const check = (definition: AslObject) => () =>
    checkWorkflow({ name: 'check', definition, functions: [Functions.callback] });

  it('lets a .waitForTaskToken Task read $$.Task.Token', () => {
    expect(check(task('arn:aws:states:::lambda:invoke.waitForTaskToken'))).not.toThrow();
  });

  it('refuses $$.Task.Token anywhere else, as AWS has no token there', () => {
    expect(check(task('arn:aws:states:::lambda:invoke'))).toThrow(UnsupportedDefinitionError);
  });
});
