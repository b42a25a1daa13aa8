import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { createStepFunctionsService, type StepFunctionsService } from '../../sandbox/stepfunctions/service';
import { type StepFunctionsEndpoint, serveStepFunctions } from '../fixtures/stepfunctions/http-adapter';
import { deployWorkflow, Functions } from '../fixtures/stepfunctions/workflows';

let http: StepFunctionsEndpoint;
let service: StepFunctionsService;
let sfn: SFNClient;

beforeAll(async () => {
  http = await serveStepFunctions();
  service = createStepFunctionsService({ endpoint: http.endpoint, region: 'us-east-1', workflow: deployWorkflow });
  http.setHandler(service.handle);
  sfn = new SFNClient({
    endpoint: http.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  sfn.destroy();
  await service.close();
  await http.close();
});

async function run(name: string, input: object): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: service.stateMachineArn, name, input: JSON.stringify(input) }),
  );
  if (!executionArn) throw new Error('no executionArn');
  await service.executionDone(executionArn);
  return executionArn;
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events;
}

describe('the Step Functions sandbox', () => {
  it('lists the one state machine, by ARN', async () => {
    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines).toEqual([
      expect.objectContaining({
        name: 'gehen-deploy',
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:gehen-deploy',
        type: 'STANDARD',
        creationDate: expect.any(Date),
      }),
    ]);
  });

  it('runs a Task as a real Lambda that calls the sandbox back', async () => {
    const callsBefore = http.calls.filter((call) => call === 'ListStateMachines').length;
    const executionArn = await run('happy', { mode: 'deploy', services: ['api', 'web'] });

    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({ status: 'SUCCEEDED', name: 'happy', stopDate: expect.any(Date) });
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:gehen-deploy:happy');
    const output = JSON.parse(execution.output ?? 'null');
    expect(output.prepared).toMatchObject({
      execution: executionArn,
      seen: {
        functionName: 'gehen-observe',
        stage: 'sandbox-test',
        region: 'us-east-1',
        stateMachines: ['gehen-deploy'],
      },
    });
    expect(output.prepared.seen.remainingMs).toBeGreaterThan(0);
    expect(output.prepared.seen.remainingMs).toBeLessThanOrEqual(30_000);
    expect(output.deployed).toEqual([
      { name: 'api', updated: true },
      { name: 'web', updated: true },
    ]);
    // The side effect: the bundle's own SDK client reached the sandbox.
    expect(http.calls.filter((call) => call === 'ListStateMachines').length).toBe(callsBefore + 1);
  });

  it('records the history in AWS event types and shapes', async () => {
    const events = await history('arn:aws:states:us-east-1:000000000000:execution:gehen-deploy:happy');
    const types = events.map((event) => event.type);
    expect(types.slice(0, 9)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'MapStateEntered',
    ]);
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    const scheduled = events.find((event) => event.type === 'LambdaFunctionScheduled');
    expect(scheduled?.lambdaFunctionScheduledEventDetails).toMatchObject({ resource: Functions.observe.arn });
    expect(events.find((event) => event.type === 'TaskStateEntered')?.stateEnteredEventDetails).toMatchObject({
      name: 'Prepare Deployment',
    });
    const iterations = events.filter((event) => event.type === 'MapIterationStarted');
    expect(iterations.map((event) => event.mapIterationStartedEventDetails)).toEqual(
      expect.arrayContaining([
        { name: 'Deploy Services', index: 0 },
        { name: 'Deploy Services', index: 1 },
      ]),
    );
    expect(events.find((event) => event.type === 'MapStateStarted')?.mapStateStartedEventDetails).toEqual({
      length: 2,
    });
    expect(service.stats()['arn:aws:states:us-east-1:000000000000:execution:gehen-deploy:happy']).toEqual({
      events: events.length,
    });
  });

  it('catches a thrown DeploymentFailedError by its name, with Lambda’s cause', async () => {
    const executionArn = await run('broken', { mode: 'deploy', services: ['api', 'broken'] });

    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'Gehen.RolledBack',
      cause: 'a service failed to deploy',
    });
    const events = await history(executionArn);
    const failed = events.find((event) => event.type === 'LambdaFunctionFailed');
    expect(failed?.lambdaFunctionFailedEventDetails?.error).toBe('DeploymentFailedError');
    const rollBack = events.find((event) => event.stateEnteredEventDetails?.name === 'Roll Back');
    const { failure } = JSON.parse(rollBack?.stateEnteredEventDetails?.input ?? '{}');
    expect(failure.Error).toBe('DeploymentFailedError');
    expect(JSON.parse(failure.Cause)).toMatchObject({
      errorType: 'DeploymentFailedError',
      errorMessage: 'service broken never became healthy',
    });
    const types = events.map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['MapIterationFailed', 'MapStateFailed', 'ExecutionFailed']));
    expect(types).not.toContain('MapStateSucceeded');
  });

  it('times a Lambda out at its own Timeout, as Sandbox.Timedout', async () => {
    const executionArn = await run('slow', { mode: 'slow' });

    const events = await history(executionArn);
    const failed = events.find((event) => event.type === 'LambdaFunctionFailed');
    expect(failed?.lambdaFunctionFailedEventDetails?.error).toBe('Sandbox.Timedout');
    expect(events.at(-1)?.executionFailedEventDetails?.error).toBe('Gehen.TimedOut');
  });

  it('starts the same execution again for the same name and input, and refuses other input', async () => {
    const request = { stateMachineArn: service.stateMachineArn, name: 'twice', input: '{"mode":"wait"}' };
    const first = await sfn.send(new StartExecutionCommand(request));
    const second = await sfn.send(new StartExecutionCommand(request));
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate).toEqual(first.startDate);

    await expect(sfn.send(new StartExecutionCommand({ ...request, input: '{"mode":"other"}' }))).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
  });

  it('names an execution with a uuid when no name is given', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: service.stateMachineArn, input: '{"mode":"wait"}' }),
    );
    expect(executionArn).toMatch(/:execution:gehen-deploy:[0-9a-f-]{36}$/);
    await sfn.send(new StopExecutionCommand({ executionArn }));
  });

  it('stops a running execution: ABORTED, with the given error and cause', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: service.stateMachineArn,
        name: 'stopped',
        input: '{"mode":"wait"}',
      }),
    );
    const running = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: service.stateMachineArn, statusFilter: 'RUNNING' }),
    );
    expect(running.executions?.map((execution) => execution.executionArn)).toContain(executionArn);

    const { stopDate } = await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Operator.Stop', cause: 'by hand' }),
    );
    expect(stopDate).toBeInstanceOf(Date);

    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'Operator.Stop', cause: 'by hand' });
    const events = await history(executionArn as string);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Operator.Stop', cause: 'by hand' },
    });
  });

  it('pages the history forward and in reverse', async () => {
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:gehen-deploy:happy';
    const all = await history(executionArn);
    const paged: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 4, nextToken }));
      expect(page.events?.length).toBeLessThanOrEqual(4);
      paged.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(paged).toEqual(all);

    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }),
    );
    expect(reversed.events?.map((event) => event.type)).toEqual(['ExecutionSucceeded', all.at(-2)?.type]);

    await expect(
      sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken: 'not-a-token' })),
    ).rejects.toBeInstanceOf(InvalidToken);
  });

  it('lists executions newest first, filtered and paged', async () => {
    const succeeded = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: service.stateMachineArn, statusFilter: 'SUCCEEDED' }),
    );
    expect(succeeded.executions?.map((execution) => execution.name)).toEqual(['happy']);

    const first = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: service.stateMachineArn, maxResults: 2 }),
    );
    expect(first.executions).toHaveLength(2);
    const rest = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: service.stateMachineArn, nextToken: first.nextToken }),
    );
    const names = [...(first.executions ?? []), ...(rest.executions ?? [])].map((execution) => execution.name);
    expect(names.slice(0, 1)).toEqual(['stopped']);
    expect(names).toEqual(expect.arrayContaining(['happy', 'broken', 'slow', 'twice']));
  });
});
