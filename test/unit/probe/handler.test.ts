import { DescribeServicesCommand, ECSClient, type Service } from '@aws-sdk/client-ecs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/probe/handler';
import { closeAll, serverAnswering } from '../shared/http-fixtures';
import {
  deployment,
  describeServicesFrom,
  ecsService,
  GITSHA,
  makePlan,
  plannedService,
  roundInput,
  taskDefinitionArn,
} from '../shared/round-fixtures';

const ecs = mockClient(ECSClient);
const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs }) as Context;

afterAll(closeAll);

describe('probe handler', () => {
  it('runs a round through middy with real HTTP probes and the SDK client', async () => {
    const server = await serverAnswering('api', () => GITSHA);
    const api = plannedService('api', { url: `${server.url}/ping` });
    const worker = plannedService('worker');
    const fleet = new Map<string, Service>([
      [api.name, ecsService(api, [deployment(taskDefinitionArn('api', 2), { rolloutState: 'IN_PROGRESS' })])],
      [worker.name, ecsService(worker, [deployment(taskDefinitionArn('worker', 2))])],
    ]);
    ecs.on(DescribeServicesCommand).callsFake(describeServicesFrom(fleet));

    const state = await handler(roundInput(makePlan([api, worker])), lambdaContext(60_000));

    expect(state).toMatchObject({ status: 'done', round: 1, done: 2, total: 2, failures: [] });
    expect(Date.parse(state.deadline ?? '')).toBeGreaterThan(Date.now());
    expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: api.cluster,
      services: [api.name, worker.name],
    });
    expect(server.requests).toBe(3);
  });

  it("starts no probe when the Lambda's remaining time cannot fit one, and keeps the service waiting", async () => {
    const server = await serverAnswering('api', () => GITSHA);
    const api = plannedService('api', { url: server.url });
    const fleet = new Map<string, Service>([[api.name, ecsService(api, [deployment(taskDefinitionArn('api', 2))])]]);
    ecs.on(DescribeServicesCommand).callsFake(describeServicesFrom(fleet));

    // Less than one 5 s probe plus the time kept to return.
    const state = await handler(roundInput(makePlan([api])), lambdaContext(6_000));

    expect(state).toMatchObject({ status: 'waiting', done: 0, waiting: ['api'], failures: [] });
    expect(server.requests).toBe(0);
  });
});
