import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type EventRouting, routeEvents } from '../../sandbox/event-routing';
import { Events } from '../../sandbox/events';
import { LambdaInvokeApi } from '../../sandbox/lambda/invoke-api';
import type { Json } from '../../sandbox/stepfunctions/local-workflow';
import { createStepFunctionsService, type StepFunctionsService } from '../../sandbox/stepfunctions/service';
import { type StepFunctionsEndpoint, serveStepFunctions } from '../fixtures/stepfunctions/http-adapter';
import { Functions } from '../fixtures/stepfunctions/workflows';

const region = 'us-east-1';
/** The template's function, as workflowFromTemplate names it. */
const wake = { ...Functions.callback, logicalId: 'WakeFunction' };

let http: StepFunctionsEndpoint;
let service: StepFunctionsService;
let invokeApi: LambdaInvokeApi;
let routing: EventRouting;
let sfn: SFNClient;

/**
 * The event-driven wait: a Task publishes an event carrying its token and waits; a rule of the
 * template matches the event and invokes a function of the template, which answers the token.
 */
beforeAll(async () => {
  http = await serveStepFunctions();
  const events = new Events();
  service = createStepFunctionsService({
    endpoint: http.endpoint,
    region,
    workflow: {
      name: 'event-driven',
      functions: [],
      definition: {
        StartAt: 'Publish And Wait',
        States: {
          'Publish And Wait': {
            Type: 'Task',
            Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
            Parameters: {
              Entries: [
                { Source: 'gehen.test', DetailType: 'Approval Needed', Detail: { 'token.$': '$$.Task.Token' } },
              ],
            },
            TimeoutSeconds: 60,
            End: true,
          },
        },
      },
    },
    putEvents: async (entries) => (await events.handle('PutEvents', { Entries: entries }, region)) as Json,
  });
  http.setHandler(service.handle);
  invokeApi = new LambdaInvokeApi();
  invokeApi.bind([wake], { endpoint: http.endpoint, region });
  routing = await routeEvents({
    events,
    region,
    stackName: 'Test',
    template: {
      Resources: {
        WakeFunction: { Type: 'AWS::Lambda::Function', Properties: {} },
        WakeRule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            EventPattern: { source: ['gehen.test'], 'detail-type': ['Approval Needed'] },
            Targets: [{ Id: 'Wake', Arn: { 'Fn::GetAtt': ['WakeFunction', 'Arn'] } }],
          },
        },
      },
    },
    stateMachineArn: service.stateMachineArn,
    startExecution: (request) => service.startExecution(request),
    functions: [wake],
    invokeFunction: (functionArn, event) => invokeApi.invokeAsync(functionArn, event),
  });
  sfn = new SFNClient({ endpoint: http.endpoint, region, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
});

afterAll(async () => {
  sfn.destroy();
  await service.close();
  await invokeApi.close();
  await http.close();
});

describe("a rule whose target is one of the template's Lambda functions", () => {
  it('invokes it with the event as EventBridge delivers it, which wakes the waiting execution', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: service.stateMachineArn }));
    if (!executionArn) throw new Error('no executionArn');
    await service.executionDone(executionArn);

    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}')).toEqual({
      by: 'rule',
      detailType: 'Approval Needed',
      source: 'gehen.test',
    });
    const delivery = routing.deliveries.find((d) => d.targetId === 'Wake');
    expect(delivery).toMatchObject({ rule: 'Test-WakeRule', targetArn: wake.arn, invoked: true });
    expect(JSON.parse(delivery?.input ?? '{}')).toMatchObject({ version: '0', account: '000000000000', region });
  });
});
