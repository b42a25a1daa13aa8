import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  ECSClient,
  type ServiceDeployment as EcsServiceDeployment,
  ListServiceDeploymentsCommand,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { requestApproval } from '../../../lambdas/gate/approval';
import { continueGate } from '../../../lambdas/gate/continue';
import { gateRound } from '../../../lambdas/gate/round';
import { DeploymentFailedError } from '../../../lambdas/shared/contracts/errors';
import type { Plan, ServiceDeployment } from '../../../lambdas/shared/contracts/state';
import type { FetchLike } from '../../../lambdas/shared/verify/probe';
import { GITSHA, makePlan, plannedService, REGION, taskDefinitionArn } from '../shared/round-fixtures';

const ecs = mockClient(ECSClient);
beforeEach(() => ecs.reset());
afterAll(() => ecs.restore());
const clients = { ecs: () => new ECSClient({ region: REGION }) };
const STAGE = 'POST_TEST_TRAFFIC_SHIFT';
const NOW = new Date('2026-11-30T10:00:00Z');

const arnOf = (name: string) => `arn:aws:ecs:${REGION}:123456789012:service-deployment/prod/${name}/d-${name}`;

function gatedPlan(names: string[], withTestUrl = true): Plan {
  const services = names.map((name) =>
    plannedService(name, { strategy: 'CANARY', ...(withTestUrl ? { testUrl: `http://test.${name}/ping` } : {}) }),
  );
  return { ...makePlan(services), gate: { stage: STAGE, approval: 'none', bakeMinutes: 0, bakeSeconds: 0 } };
}

function deployedOf(plan: Plan): ServiceDeployment[] {
  return plan.services.map((s) => ({
    name: s.name,
    taskDefinition: taskDefinitionArn(s.name, 2),
    updated: true,
    serviceDeploymentArn: arnOf(s.name),
  }));
}

const paused = (name: string): EcsServiceDeployment => ({
  serviceDeploymentArn: arnOf(name),
  status: 'IN_PROGRESS',
  lifecycleStage: STAGE,
  lifecycleHookDetails: [{ hookId: `hook-${name}`, targetType: 'PAUSE', status: 'AWAITING_ACTION' }],
});

/** ECS answers each ARN with `states[name]`, found by the service name in the ARN. */
function ecsReports(states: Record<string, EcsServiceDeployment>) {
  ecs
    .on(DescribeServiceDeploymentsCommand)
    .callsFake(({ serviceDeploymentArns }: { serviceDeploymentArns: string[] }) => ({
      serviceDeployments: serviceDeploymentArns.flatMap((arn) => {
        const name = arn.split('/')[2] ?? '';
        const state = states[name];
        return state ? [{ ...state, serviceDeploymentArn: arn }] : [];
      }),
    }));
}

/** Every testUrl answers `shas[host]` in its Server header. */
function answering(shas: Record<string, string>): FetchLike {
  return async (url) =>
    new Response('', { status: 200, headers: { server: `app-${shas[new URL(url).hostname] ?? ''}` } });
}

describe('Check Gate', () => {
  it('waits while a service is not paused at the stage yet, naming it and where it is', async () => {
    const plan = gatedPlan(['api', 'web']);
    ecsReports({ api: paused('api'), web: { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' } });
    const round = await gateRound(
      { plan, deployed: deployedOf(plan), round: null },
      { clients, fetch: answering({ 'test.api': GITSHA }), now: () => NOW },
    );
    expect(round).toMatchObject({ status: 'waiting', done: 1, total: 2, waiting: ['web'], confirmed: [0] });
    // Only web waits on ECS: the loop parks it alone, for its hook's event.
    expect(round.pending).toEqual([1]);
  });

  it('names no service pending once every one is paused and only testUrls are waited for: the loop then polls', async () => {
    const plan = gatedPlan(['api', 'web']);
    ecsReports({ api: paused('api'), web: paused('web') });
    const round = await gateRound(
      { plan, deployed: deployedOf(plan), round: null },
      {
        clients,
        // web's test listener does not answer yet.
        fetch: async (url, init) => {
          if (new URL(url).hostname === 'test.web') throw new Error('connect ECONNREFUSED');
          return answering({ 'test.api': GITSHA })(url, init);
        },
        now: () => NOW,
      },
    );
    expect(round).toMatchObject({ status: 'waiting', waiting: ['web'] });
    expect(round).not.toHaveProperty('pending');
  });

  it('is done once every service is paused and its testUrl serves the new SHA requiredMatches times', async () => {
    const plan = gatedPlan(['api', 'web']);
    ecsReports({ api: paused('api'), web: paused('web') });
    const round = await gateRound(
      { plan, deployed: deployedOf(plan), round: null },
      { clients, fetch: answering({ 'test.api': GITSHA, 'test.web': GITSHA }), now: () => NOW },
    );
    expect(round).toMatchObject({ status: 'done', done: 2, failures: [], confirmed: [0, 1] });
    expect(round).not.toHaveProperty('pending');
    expect(ecs).toHaveReceivedCommandTimes(DescribeServiceDeploymentsCommand, 1);
  });

  it('fails at once when a paused service serves another version behind its test listener', async () => {
    const plan = gatedPlan(['api', 'web']);
    ecsReports({ api: paused('api'), web: paused('web') });
    const round = await gateRound(
      { plan, deployed: deployedOf(plan), round: null },
      { clients, fetch: answering({ 'test.api': GITSHA, 'test.web': 'bad0000' }), now: () => NOW },
    );
    expect(round.status).toBe('failed');
    expect(round.failures).toEqual([
      { service: 'web', reason: `testUrl http://test.web/ping reports bad0000, expected ${GITSHA}` },
    ]);
  });

  it.each([
    [
      { status: 'ROLLBACK_IN_PROGRESS', rollback: { reason: 'alarm HighErrorRate' } },
      'rolled back by ECS (ROLLBACK_IN_PROGRESS): alarm HighErrorRate',
    ],
    [
      { status: 'STOPPED', statusReason: 'stopped by a user' },
      'its deployment was stopped (STOPPED): stopped by a user',
    ],
    [
      {
        status: 'IN_PROGRESS',
        lifecycleStage: STAGE,
        lifecycleHookDetails: [{ targetType: 'PAUSE', status: 'TIMED_OUT', timeoutAction: 'ROLLBACK' }],
      },
      `its PAUSE hook at ${STAGE} timed out (ECS then ROLLBACKs)`,
    ],
    [{ status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' }, `went past ${STAGE} without pausing`],
    [{ status: 'SUCCESSFUL' }, `went past ${STAGE} without pausing`],
  ] as Array<[EcsServiceDeployment, string]>)('fails the round when a deployment is %j', async (web, reason) => {
    const plan = gatedPlan(['api', 'web'], false);
    ecsReports({ api: paused('api'), web });
    const round = await gateRound(
      { plan, deployed: deployedOf(plan), round: null },
      { clients, fetch: answering({}), now: () => NOW },
    );
    expect(round.status).toBe('failed');
    expect(round.failures).toEqual([{ service: 'web', reason: expect.stringContaining(reason) }]);
  });

  it('expires at the deadline, saying why each service never got there', async () => {
    const plan = gatedPlan(['api']);
    ecsReports({ api: paused('api') });
    const fetch: FetchLike = async () => new Response('', { status: 503 });
    const round = await gateRound(
      {
        plan,
        deployed: deployedOf(plan),
        round: {
          status: 'waiting',
          round: 3,
          deadline: '2026-11-30T09:59:00Z',
          done: 0,
          total: 1,
          waiting: ['api'],
          failures: [],
        },
      },
      { clients, fetch, now: () => NOW },
    );
    expect(round).toMatchObject({
      status: 'expired',
      failures: [{ service: 'api', reason: 'testUrl http://test.api/ping: HTTP 503' }],
    });
  });

  it('after the bake, fails a service still waiting rather than polling again', async () => {
    const plan = gatedPlan(['api']);
    ecsReports({ api: paused('api') });
    const fetch: FetchLike = async () => new Response('', { status: 502 });
    const round = await gateRound(
      { plan, deployed: deployedOf(plan), final: true },
      { clients, fetch, now: () => NOW },
    );
    expect(round).toMatchObject({
      status: 'failed',
      failures: [{ service: 'api', reason: 'testUrl http://test.api/ping: HTTP 502' }],
    });
  });

  it("finds a service's newest deployment when Update Service recorded none", async () => {
    const plan = gatedPlan(['api'], false);
    ecs.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        {
          serviceDeploymentArn: 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/old/d-1',
          createdAt: new Date('2026-11-29'),
        },
        { serviceDeploymentArn: arnOf('api'), createdAt: new Date('2026-11-30T09:58:00Z') },
      ],
    });
    ecsReports({ api: paused('api') });
    const deployed = deployedOf(plan).map(({ serviceDeploymentArn: _, ...rest }) => rest);
    const round = await gateRound({ plan, deployed, round: null }, { clients, fetch: answering({}), now: () => NOW });
    expect(round.status).toBe('done');
    expect(ecs).toHaveReceivedCommandWith(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [arnOf('api')] });
  });
});

describe('Continue Gate', () => {
  it('continues every paused deployment with its hookId', async () => {
    const plan = gatedPlan(['api', 'web']);
    ecsReports({ api: paused('api'), web: paused('web') });
    ecs.on(ContinueServiceDeploymentCommand).resolves({});
    expect(await continueGate({ plan, deployed: deployedOf(plan) }, clients)).toEqual({ continued: 2 });
    for (const name of ['api', 'web']) {
      expect(ecs).toHaveReceivedCommandWith(ContinueServiceDeploymentCommand, {
        serviceDeploymentArn: arnOf(name),
        hookId: `hook-${name}`,
        action: 'CONTINUE',
      });
    }
  });

  it('continues none when any one no longer holds at the gate', async () => {
    const plan = gatedPlan(['api', 'web']);
    ecsReports({ api: paused('api'), web: { status: 'ROLLBACK_SUCCESSFUL', rollback: { reason: 'hook timed out' } } });
    await expect(continueGate({ plan, deployed: deployedOf(plan) }, clients)).rejects.toThrow(DeploymentFailedError);
    expect(ecs).not.toHaveReceivedCommand(ContinueServiceDeploymentCommand);
  });

  it('run again after a throttled call, leaves the ones already past the gate alone', async () => {
    const plan = gatedPlan(['api', 'web']);
    ecsReports({ api: { status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' }, web: paused('web') });
    ecs.on(ContinueServiceDeploymentCommand).resolves({});
    expect(await continueGate({ plan, deployed: deployedOf(plan) }, clients)).toEqual({ continued: 1 });
    expect(ecs).toHaveReceivedCommandTimes(ContinueServiceDeploymentCommand, 1);
  });
});

describe('Await Approval', () => {
  const events = mockClient(EventBridgeClient);
  beforeEach(() => events.reset());
  afterAll(() => events.restore());
  const client = new EventBridgeClient({ region: REGION });

  it('asks for approval on the default bus with the commands to run, never the task token', async () => {
    events.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'e-1' }], FailedEntryCount: 0 });
    const plan = gatedPlan(['api', 'web']);
    const result = await requestApproval({ plan, taskToken: 'SECRET-TOKEN' }, client, () => undefined);
    expect(result).toEqual({ eventId: 'e-1' });
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ Source: 'gehen', DetailType: 'Gehen Approval Requested' });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({
      stage: STAGE,
      services: ['api', 'web'],
      approve: `gehen approve ${plan.deployment.executionArn}`,
    });
    expect(JSON.stringify(entry)).not.toContain('SECRET-TOKEN');
  });

  it('still waits when the request cannot be put: a lost event is only logged', async () => {
    events.on(PutEventsCommand).rejects(new Error('AccessDenied'));
    const warnings: string[] = [];
    const result = await requestApproval({ plan: gatedPlan(['api']), taskToken: 't' }, client, (m) => warnings.push(m));
    expect(result).toEqual({ eventId: null });
    expect(warnings).toEqual(['the approval request event was not put']);
  });
});
