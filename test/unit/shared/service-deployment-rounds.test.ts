import {
  type Deployment,
  type DeploymentConfiguration,
  DescribeServiceDeploymentsCommand,
  type DescribeServiceDeploymentsCommandInput,
  DescribeServicesCommand,
  ECSClient,
  type ServiceDeployment as EcsServiceDeployment,
  type Service,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { checkDrain } from '../../../lambdas/check-drain/core';
import { probe } from '../../../lambdas/probe/core';
import { rolledBackByEcs } from '../../../lambdas/shared/aws/service-deployments';
import type { PlannedService, RoundInput } from '../../../lambdas/shared/contracts/state';
import { closeAll, serverAnswering } from './http-fixtures';
import {
  deployment,
  describeServicesFrom,
  ecsService,
  GITSHA,
  makePlan,
  plannedService,
  REGION,
  roundInput,
  taskDefinitionArn,
} from './round-fixtures';

/**
 * Verify and drain rounds of BLUE_GREEN, LINEAR and CANARY services, judged by their service
 * deployment, and ECS's own rollbacks named from it.
 */

const ecs = mockClient(ECSClient);
const NOW = new Date('2030-01-01T00:00:00.000Z');
let fleet: Map<string, Service>;
let serviceDeployments: Map<string, EcsServiceDeployment>;

const clients = { ecs: (region: string) => new ECSClient({ region }) };
const drainDeps = (now = NOW) => ({ clients, now: () => now });
const probeDeps = (now = NOW) => ({ clients, fetch, now: () => now, probeTimeoutMs: 1000 });

const arnOf = (name: string) => `arn:aws:ecs:${REGION}:123456789012:service-deployment/prod/${name}/d-${name}`;
const CANARY: DeploymentConfiguration = {
  strategy: 'CANARY',
  bakeTimeInMinutes: 10,
  canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
};

function sd(name: string, overrides: Partial<EcsServiceDeployment> = {}): EcsServiceDeployment {
  return {
    serviceDeploymentArn: arnOf(name),
    status: 'IN_PROGRESS',
    lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
    deploymentConfiguration: CANARY,
    ...overrides,
  };
}

function canary(name: string, overrides: Partial<PlannedService> = {}): PlannedService {
  return plannedService(name, { strategy: 'CANARY', ...overrides });
}

/** Deploy Services' results, with the service deployment each UpdateService started. */
function withArns(input: RoundInput): RoundInput {
  return { ...input, deployed: input.deployed.map((d) => ({ ...d, serviceDeploymentArn: arnOf(d.name) })) };
}

function serveDeployments(input: DescribeServiceDeploymentsCommandInput) {
  const arns = input.serviceDeploymentArns ?? [];
  if (arns.length > 20) throw Object.assign(new Error('at most 20'), { name: 'InvalidParameterException' });
  return {
    serviceDeployments: arns.flatMap((arn) => serviceDeployments.get(arn) ?? []),
    failures: arns.filter((arn) => !serviceDeployments.has(arn)).map((arn) => ({ arn, reason: 'MISSING' })),
  };
}

beforeEach(() => {
  ecs.reset();
  fleet = new Map();
  serviceDeployments = new Map();
  ecs.on(DescribeServicesCommand).callsFake(describeServicesFrom(fleet));
  ecs.on(DescribeServiceDeploymentsCommand).callsFake(serveDeployments);
});
afterAll(closeAll);

describe('rolledBackByEcs', () => {
  test.each<[string, Partial<EcsServiceDeployment>, string | null]>([
    [
      'an alarm',
      { status: 'ROLLBACK_IN_PROGRESS', alarms: { status: 'TRIGGERED', triggeredAlarmNames: ['HighErrorRate'] } },
      'rolled back by ECS: alarm HighErrorRate',
    ],
    [
      'the circuit breaker',
      {
        status: 'ROLLBACK_SUCCESSFUL',
        deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
      },
      'rolled back by ECS: circuit breaker (3 of 3 tasks failed)',
    ],
    [
      'a hook that timed out',
      {
        status: 'ROLLBACK_IN_PROGRESS',
        lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
        lifecycleHookDetails: [{ hookId: 'h', targetType: 'PAUSE', status: 'TIMED_OUT', timeoutAction: 'ROLLBACK' }],
      },
      'rolled back by ECS: lifecycle hook at POST_TEST_TRAFFIC_SHIFT timed out',
    ],
    [
      'its own reason',
      { status: 'ROLLBACK_REQUESTED', rollback: { reason: 'Service deployment rolled back by user' } },
      'rolled back by ECS: Service deployment rolled back by user',
    ],
    ['no rollback', { status: 'IN_PROGRESS' }, null],
    ['a stop', { status: 'STOPPED' }, null],
  ])('names %s', (_, overrides, reason) => {
    expect(rolledBackByEcs(sd('api', overrides))).toBe(reason);
  });
});

describe('probe, a canary service', () => {
  it('waits while the canary takes its share of production traffic, even when the url answers the new SHA', async () => {
    const server = await serverAnswering('api', () => GITSHA);
    serviceDeployments.set(arnOf('api'), sd('api', { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' }));

    const state = await probe(withArns(roundInput(makePlan([canary('api', { url: server.url })]))), probeDeps());

    expect(state).toMatchObject({ status: 'waiting', done: 0, waiting: ['api'] });
  });

  it('is live once production traffic has shifted and the url answers the new SHA', async () => {
    const server = await serverAnswering('api', () => GITSHA);
    serviceDeployments.set(arnOf('api'), sd('api', { lifecycleStage: 'BAKE_TIME' }));

    const state = await probe(withArns(roundInput(makePlan([canary('api', { url: server.url })]))), probeDeps());

    expect(state).toMatchObject({ status: 'done', done: 1 });
    // The service deployment says all: no DescribeServices.
    expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 0);
  });

  it("fails the round with ECS's reason when an alarm rolled it back", async () => {
    serviceDeployments.set(
      arnOf('api'),
      sd('api', { status: 'ROLLBACK_IN_PROGRESS', alarms: { triggeredAlarmNames: ['HighErrorRate'] } }),
    );

    const state = await probe(withArns(roundInput(makePlan([canary('api')]))), probeDeps());

    expect(state.status).toBe('failed');
    expect(state.failures).toEqual([{ service: 'api', reason: 'rolled back by ECS: alarm HighErrorRate' }]);
  });
});

describe('checkDrain, blue/green, linear and canary services', () => {
  test.each<[string, Partial<EcsServiceDeployment>, 'waiting' | 'done' | 'failed']>([
    ['in its bake time', { status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' }, 'waiting'],
    ['finished, bake time included', { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' }, 'done'],
    ['stopped', { status: 'STOPPED', statusReason: 'stopped by user' }, 'failed'],
    ['rolled back', { status: 'ROLLBACK_SUCCESSFUL' }, 'failed'],
  ])('a deployment %s (%j): the round is %s', async (_, overrides, status) => {
    serviceDeployments.set(arnOf('api'), sd('api', overrides));

    const state = await checkDrain(withArns(roundInput(makePlan([canary('api')]))), drainDeps());

    expect(state.status).toBe(status);
  });

  it('reads 45 canary services with 3 calls, where DescribeServices would take 5', async () => {
    const services = Array.from({ length: 45 }, (_, i) => canary(`svc-${i}`));
    for (const s of services) serviceDeployments.set(arnOf(s.name), sd(s.name, { status: 'SUCCESSFUL' }));

    const state = await checkDrain(withArns(roundInput(makePlan(services))), drainDeps());

    expect(state).toMatchObject({ status: 'done', done: 45 });
    expect(ecs).toHaveReceivedCommandTimes(DescribeServiceDeploymentsCommand, 3);
    expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 0);
  });

  it('gives the drain its bake time: a 10-minute bake with a 5-minute timeout is not rolled back', async () => {
    serviceDeployments.set(arnOf('api'), sd('api', { lifecycleStage: 'BAKE_TIME' }));
    const input = withArns(roundInput(makePlan([canary('api')], { timeoutSeconds: 300 })));

    const first = await checkDrain(input, drainDeps());
    expect(first).toMatchObject({ deadline: '2030-01-01T00:15:00.000Z', bakeSeconds: 600 });

    const eightMinutesOn = new Date(NOW.getTime() + 8 * 60_000);
    const later = await checkDrain({ ...input, round: first }, drainDeps(eightMinutesOn));
    expect(later).toMatchObject({ status: 'waiting', deadline: first.deadline });
  });

  it('keeps a phase within 250 rounds however long the bake', async () => {
    const day: DeploymentConfiguration = { ...CANARY, bakeTimeInMinutes: 1440 };
    serviceDeployments.set(arnOf('api'), sd('api', { lifecycleStage: 'BAKE_TIME', deploymentConfiguration: day }));

    const first = await checkDrain(withArns(roundInput(makePlan([canary('api')]))), drainDeps());

    // 250 rounds × 15 s, less the 600 s timeout.
    expect(first.bakeSeconds).toBe(3150);
  });

  it("gives verify a canary's traffic-shift bake", async () => {
    serviceDeployments.set(arnOf('api'), sd('api'));

    const first = await probe(withArns(roundInput(makePlan([canary('api')]))), probeDeps());

    expect(first).toMatchObject({ status: 'waiting', bakeSeconds: 300, deadline: '2030-01-01T00:15:00.000Z' });
  });
});

describe('a rolling service ECS rolled back', () => {
  const NEW = taskDefinitionArn('api', 2);
  const OLD = taskDefinitionArn('api', 1);
  const rollingBack: Deployment[] = [
    deployment(OLD, { rolloutState: 'IN_PROGRESS', createdAt: new Date('2030-01-01T00:05:00.000Z') }),
    deployment(NEW, {
      status: 'ACTIVE',
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
    }),
  ];

  it('names the circuit breaker from its service deployment', async () => {
    const api = plannedService('api');
    fleet.set(api.name, ecsService(api, rollingBack));
    serviceDeployments.set(
      arnOf('api'),
      sd('api', {
        status: 'ROLLBACK_IN_PROGRESS',
        deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
        deploymentConfiguration: { strategy: 'ROLLING' },
      }),
    );

    const state = await checkDrain(withArns(roundInput(makePlan([api]))), drainDeps());

    expect(state.status).toBe('failed');
    expect(state.failures[0]?.reason).toMatch(
      /^rolled back by ECS: circuit breaker \(3 of 3 tasks failed\); ECS failed/,
    );
  });

  it('reads no service deployment while the rollout is healthy', async () => {
    const api = plannedService('api');
    fleet.set(api.name, ecsService(api, [deployment(NEW)]));

    const state = await checkDrain(withArns(roundInput(makePlan([api]))), drainDeps());

    expect(state.status).toBe('done');
    expect(ecs).toHaveReceivedCommandTimes(DescribeServiceDeploymentsCommand, 0);
    expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 1);
  });
});
