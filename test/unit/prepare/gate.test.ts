import {
  type DeploymentConfiguration,
  type DeploymentLifecycleHook,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { prepare } from '../../../lambdas/prepare/core';
import type { GateConfig } from '../../../lambdas/shared/config/gate';
import { InvalidDeploymentError } from '../../../lambdas/shared/contracts/errors';
import {
  ACCOUNT,
  deployConfig,
  describedTaskDefinition,
  serviceConfig,
  taskDefinitionArn,
  testClients,
} from '../shared/deploy-fixtures';

const ecs = mockClient(ECSClient);
beforeEach(() => ecs.reset());
afterAll(() => ecs.restore());

const GATE: GateConfig = { stage: 'POST_TEST_TRAFFIC_SHIFT', approval: 'none', bakeMinutes: 0 };
const PAUSE: DeploymentLifecycleHook = { targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] };
const CANARY_PAUSED: DeploymentConfiguration = { strategy: 'CANARY', lifecycleHooks: [PAUSE] };

/** DescribeServices answers each service with its deploymentConfiguration. */
function ecsKnows(configurations: Record<string, DeploymentConfiguration>) {
  ecs.on(DescribeServicesCommand).callsFake(({ services }: { services: string[] }) => ({
    services: services.map((name) => ({
      serviceName: name,
      clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/prod`,
      status: 'ACTIVE',
      taskDefinition: taskDefinitionArn(name, 1),
      deploymentConfiguration: configurations[name],
    })),
  }));
  ecs.on(DescribeTaskDefinitionCommand).callsFake(({ taskDefinition }: { taskDefinition: string }) => {
    const [family = ''] = taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1).split(':');
    return { taskDefinition: describedTaskDefinition(family, 1) };
  });
}

function run(gate: GateConfig, names = ['api', 'web'], timeoutMinutes = 10) {
  const config = deployConfig({
    region: 'eu-west-1',
    timeoutMinutes,
    gate,
    services: names.map((name) => ({ ...serviceConfig(name), testUrl: `https://test.${name}.example.com/ping` })),
  });
  const input = {
    execution: { gitsha: 'abcdef1', config },
    executionArn: 'arn:aws:states:eu-west-1:123:execution:x:y',
  };
  return prepare(input, testClients, { defaultRegion: 'eu-west-1' });
}

async function problemsOf(promise: Promise<unknown>): Promise<readonly string[]> {
  const error = await promise.then(
    () => new Error('expected an InvalidDeploymentError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidDeploymentError);
  return (error as InvalidDeploymentError).problems;
}

describe('prepare with a gate', () => {
  it("plans the gate, each service's strategy and its testUrl", async () => {
    ecsKnows({ api: CANARY_PAUSED, web: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5, lifecycleHooks: [PAUSE] } });
    const plan = await run({ ...GATE, approval: 'manual', bakeMinutes: 5 });
    expect(plan.gate).toEqual({
      stage: 'POST_TEST_TRAFFIC_SHIFT',
      approval: 'manual',
      bakeMinutes: 5,
      bakeSeconds: 300,
    });
    expect(plan.services.map((s) => [s.name, s.strategy, s.testUrl])).toEqual([
      ['api', 'CANARY', 'https://test.api.example.com/ping'],
      ['web', 'BLUE_GREEN', 'https://test.web.example.com/ping'],
    ]);
  });

  it('refuses a service with no PAUSE hook at the stage, naming it and the exact hook to add', async () => {
    ecsKnows({
      api: CANARY_PAUSED,
      web: { strategy: 'CANARY', lifecycleHooks: [{ ...PAUSE, lifecycleStages: ['POST_SCALE_UP'] }] },
    });
    const [problem, ...others] = await problemsOf(run(GATE));
    expect(others).toEqual([]);
    expect(problem).toMatch(
      /^services\.web: has no PAUSE hook at POST_TEST_TRAFFIC_SHIFT; add this hook to its deploymentConfiguration\.lifecycleHooks: /,
    );
    const hook = JSON.parse(problem?.slice(problem.indexOf('{')) ?? 'null');
    expect(hook).toEqual({
      targetType: 'PAUSE',
      lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
      timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' },
    });
    // Nothing was written: Prepare only read.
    expect(
      ecs
        .calls()
        .map((c) => c.args[0].constructor.name)
        .filter((n) => !n.startsWith('Describe')),
    ).toEqual([]);
  });

  it('refuses a ROLLING service, which has no stage to pause at', async () => {
    ecsKnows({ api: CANARY_PAUSED, web: {} });
    expect(await problemsOf(run(GATE))).toEqual([
      expect.stringMatching(
        /^services\.web: deploys with the ROLLING strategy.*"lifecycleStages":\["POST_TEST_TRAFFIC_SHIFT"\]/,
      ),
    ]);
  });

  it('refuses PRE_PRODUCTION_TRAFFIC_SHIFT for canary and linear services, which reach it at every step', async () => {
    const pre: DeploymentLifecycleHook = { targetType: 'PAUSE', lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'] };
    ecsKnows({
      api: { strategy: 'BLUE_GREEN', lifecycleHooks: [pre] },
      web: { strategy: 'LINEAR', lifecycleHooks: [pre] },
    });
    expect(await problemsOf(run({ ...GATE, stage: 'PRE_PRODUCTION_TRAFFIC_SHIFT' }))).toEqual([
      expect.stringMatching(
        /^services\.web: deploys with LINEAR, which reaches PRE_PRODUCTION_TRAFFIC_SHIFT before every traffic shift step/,
      ),
    ]);
  });

  it('refuses a PAUSE hook that would time out before the gate decides, or that continues on its own', async () => {
    ecsKnows({
      api: { strategy: 'CANARY', lifecycleHooks: [{ ...PAUSE, timeoutConfiguration: { timeoutInMinutes: 15 } }] },
      web: { strategy: 'CANARY', lifecycleHooks: [{ ...PAUSE, timeoutConfiguration: { action: 'CONTINUE' } }] },
    });
    expect(await problemsOf(run({ ...GATE, approval: 'manual', bakeMinutes: 5 }))).toEqual([
      expect.stringMatching(
        /^services\.api: its PAUSE hook at POST_TEST_TRAFFIC_SHIFT times out after 15 minutes, but the gate may hold it 26 .*at least 26$/,
      ),
      expect.stringMatching(
        /^services\.web: its PAUSE hook at POST_TEST_TRAFFIC_SHIFT continues the deployment when it times out/,
      ),
    ]);
  });
});
