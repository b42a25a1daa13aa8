import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type GehenSandbox, startGehenSandbox } from '../../sandbox/gehen-sandbox';
import { createStepFunctionsService, type StepFunctionsService } from '../../sandbox/stepfunctions/service';
import type { AwsEventEntry } from '../../sandbox/stepfunctions/status-events';
import { type StepFunctionsEndpoint, serveStepFunctions } from '../fixtures/stepfunctions/http-adapter';
import { deployWorkflow } from '../fixtures/stepfunctions/workflows';
import { waitFor } from './helpers';

const LAG_SECONDS = 2;
let http: StepFunctionsEndpoint;
let service: StepFunctionsService;
let sfn: SFNClient;
const emitted: AwsEventEntry[] = [];

beforeAll(async () => {
  http = await serveStepFunctions();
  service = createStepFunctionsService({
    endpoint: http.endpoint,
    region: 'us-east-1',
    workflow: deployWorkflow,
    onExecutionStatusChange: (event) => emitted.push(event),
    executionsLagSeconds: LAG_SECONDS,
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

async function listed(statusFilter?: 'RUNNING' | 'ABORTED') {
  const { executions = [] } = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn: service.stateMachineArn, statusFilter }),
  );
  return executions;
}

describe('Step Functions Execution Status Change events', () => {
  it('are emitted when an execution starts and when it ends, with the execution’s detail', async () => {
    const executionArn = await start('happy', { mode: 'deploy', services: ['api'] });
    await service.executionDone(executionArn);

    const mine = emitted.filter((event) => event.resources?.includes(executionArn));
    expect(mine.map((event) => [event.source, event.detailType])).toEqual([
      ['aws.states', 'Step Functions Execution Status Change'],
      ['aws.states', 'Step Functions Execution Status Change'],
    ]);
    const [running, succeeded] = mine.map((event) => event.detail as Record<string, unknown>);
    expect(running).toMatchObject({
      executionArn,
      stateMachineArn: service.stateMachineArn,
      name: 'happy',
      status: 'RUNNING',
      startDate: expect.any(Number),
      stopDate: null,
      input: '{"mode":"deploy","services":["api"]}',
      output: null,
    });
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(succeeded).toMatchObject({
      status: 'SUCCEEDED',
      startDate: described.startDate?.getTime(),
      stopDate: described.stopDate?.getTime(),
      output: described.output,
      outputDetails: { included: true },
    });
  });

  it('say FAILED with the error and cause, and ABORTED when stopped', async () => {
    const failedArn = await start('broken', { mode: 'deploy', services: ['broken'] });
    await service.executionDone(failedArn);
    const failed = emitted.filter((event) => event.resources?.includes(failedArn)).at(-1)?.detail;
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Gehen.RolledBack', cause: 'a service failed to deploy' });

    const stoppedArn = await start('stopped', { mode: 'wait' });
    await sfn.send(new StopExecutionCommand({ executionArn: stoppedArn, error: 'Manual', cause: 'by hand' }));
    const stopped = emitted.filter((event) => event.resources?.includes(stoppedArn)).at(-1)?.detail;
    expect(stopped).toMatchObject({
      status: 'ABORTED',
      error: 'Manual',
      cause: 'by hand',
      stopDate: expect.any(Number),
    });
  });
});

describe('ListExecutions, eventually consistent', () => {
  it('misses a just-started execution, then shows each status late', async () => {
    const executionArn = await start('lagging', { mode: 'wait' });
    // DescribeExecution answers at once; the listing does not have it yet.
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('RUNNING');
    expect((await listed()).map((item) => item.executionArn)).not.toContain(executionArn);

    const shown = await waitFor('the execution to be listed', async () =>
      (await listed('RUNNING')).find((item) => item.executionArn === executionArn),
    );
    expect(shown.status).toBe('RUNNING');

    await sfn.send(new StopExecutionCommand({ executionArn }));
    // Stopped, yet still RUNNING in the listing for a while.
    expect((await listed('RUNNING')).map((item) => item.executionArn)).toContain(executionArn);
    const aborted = await waitFor('the listing to say ABORTED', async () =>
      (await listed('ABORTED')).find((item) => item.executionArn === executionArn),
    );
    expect(aborted.stopDate).toEqual(expect.any(Date));
  });
});

describe('the gehen sandbox', () => {
  let sandbox: GehenSandbox;

  beforeAll(async () => {
    sandbox = await startGehenSandbox({
      fleet: { region: 'us-east-1', consistency: { executionsSeconds: 3600 } },
      port: 0,
    });
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it('puts the status changes on the default bus and lags ListExecutions by the fleet’s consistency', async () => {
    const client = new SFNClient({
      endpoint: sandbox.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    try {
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn: sandbox.stateMachineArn, name: 'not-a-deployment', input: '{}' }),
      );
      if (!executionArn) throw new Error('no executionArn');
      await sandbox.stepFunctions.executionDone(executionArn);

      const onBus = sandbox.events.events.filter(
        (event) => event.Source === 'aws.states' && event.Resources?.includes(executionArn),
      );
      expect(onBus.map((event) => [event.DetailType, JSON.parse(event.Detail ?? '{}').status])).toEqual([
        ['Step Functions Execution Status Change', 'RUNNING'],
        ['Step Functions Execution Status Change', 'FAILED'],
      ]);
      const { executions = [] } = await client.send(
        new ListExecutionsCommand({ stateMachineArn: sandbox.stateMachineArn }),
      );
      expect(executions.map((item) => item.executionArn)).not.toContain(executionArn);
    } finally {
      client.destroy();
    }
  });
});
