import { ContinueServiceDeploymentCommand, DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { type Sandbox, startSandbox } from '../../sandbox';
import { clients, waitFor } from './helpers';
import { deployTag, describeDeployment, finished, headers, pauseAt, pausedHook, stagedService } from './staged-helpers';

// BLUE_GREEN, CANARY and LINEAR deployments through the real SDK, watched through the production
// and test listeners. Modelled minutes run at timing.scale 0.01: a bake minute lasts 0.6 s.

let sandbox: Sandbox;
let ecs: ECSClient;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    fleet: {
      region: 'us-east-1',
      timing: { scale: 0.01, taskStartSeconds: 5, drainSeconds: 10 },
      services: [
        stagedService('bluegreen', {
          strategy: 'BLUE_GREEN',
          bakeTimeInMinutes: 1,
          lifecycleHooks: [pauseAt('POST_TEST_TRAFFIC_SHIFT')],
        }),
        stagedService('canary', {
          strategy: 'CANARY',
          canaryConfiguration: { canaryPercent: 50, canaryBakeTimeInMinutes: 1 },
          lifecycleHooks: [pauseAt('PRE_PRODUCTION_TRAFFIC_SHIFT')],
        }),
        stagedService('linear', {
          strategy: 'LINEAR',
          linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 3 },
        }),
        stagedService('alarmed', {
          strategy: 'CANARY',
          canaryConfiguration: { canaryPercent: 50, canaryBakeTimeInMinutes: 600 },
          alarms: { alarmNames: ['HighErrorRate'], enable: true, rollback: true },
        }),
      ],
      faults: { alarm00: { alarm: 'HighErrorRate' } },
    },
  });
  ({ ecs } = clients(sandbox));
});

afterAll(() => sandbox.close());

const production = (name: string) => sandbox.loadBalancers[name] ?? '';
const test = (name: string) => sandbox.testLoadBalancers[name] ?? '';

describe('a BLUE_GREEN deployment', () => {
  it('serves green on the test listener only until the production shift, then completes after its bake time', async () => {
    expect(await headers(test('bluegreen'), 2)).toEqual(['bluegreen-aaaaaaa', 'bluegreen-aaaaaaa']);
    const arn = await deployTag(ecs, 'bluegreen', 'bbbbbbb');
    const { hookId, deployment } = await pausedHook(ecs, arn);

    expect(deployment).toMatchObject({
      status: 'IN_PROGRESS',
      lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      targetServiceRevision: {
        requestedProductionTrafficWeight: 0,
        requestedTestTrafficWeight: 100,
        runningTaskCount: 2,
      },
      sourceServiceRevisions: [{ requestedProductionTrafficWeight: 100, requestedTestTrafficWeight: 0 }],
    });
    expect(deployment.lifecycleHookDetails?.[0]).toMatchObject({ targetType: 'PAUSE', timeoutAction: 'ROLLBACK' });
    expect(await headers(production('bluegreen'), 4)).toEqual(Array(4).fill('bluegreen-aaaaaaa'));
    expect(await headers(test('bluegreen'), 4)).toEqual(Array(4).fill('bluegreen-bbbbbbb'));

    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: 'CONTINUE' }));
    const done = await finished(ecs, arn);
    expect(done).toMatchObject({ status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' });
    expect(done.lifecycleHookDetails?.map((h) => h.status)).toEqual(['SUCCEEDED']);
    expect(await headers(production('bluegreen'), 2)).toEqual(['bluegreen-bbbbbbb', 'bluegreen-bbbbbbb']);

    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['bluegreen'] })))
      .services?.[0];
    expect(service?.currentServiceDeployment).toBe(arn);
    expect(service?.deployments?.map((d) => [d.status, d.rolloutState, d.runningCount])).toEqual([
      ['PRIMARY', 'COMPLETED', 2],
    ]);
    expect(sandbox.traffic().bluegreen?.test).toHaveProperty('bbbbbbb');
  });
});

describe('a CANARY deployment', () => {
  it('sends the canary share of production traffic to green between the two shifts', async () => {
    const arn = await deployTag(ecs, 'canary', 'ccccccc');
    const first = await pausedHook(ecs, arn);
    expect(first.deployment.lifecycleStage).toBe('PRE_PRODUCTION_TRAFFIC_SHIFT');
    expect(await headers(production('canary'), 4)).toEqual(Array(4).fill('canary-aaaaaaa'));
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: first.hookId }));

    // The hook runs again before the second shift: the deployment holds at the canary step.
    const second = await pausedHook(ecs, arn, [first.hookId]);
    expect(second.deployment.targetServiceRevision?.requestedProductionTrafficWeight).toBe(50);
    const answers = await headers(production('canary'), 8);
    expect(answers.filter((a) => a === 'canary-ccccccc')).toHaveLength(4);
    expect(answers.filter((a) => a === 'canary-aaaaaaa')).toHaveLength(4);

    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: second.hookId }));
    expect((await finished(ecs, arn)).status).toBe('SUCCESSFUL');
    expect(await headers(production('canary'), 2)).toEqual(['canary-ccccccc', 'canary-ccccccc']);
  });
});

describe('a LINEAR deployment', () => {
  it('shifts production traffic in equal steps, baking after each but the last', async () => {
    const arn = await deployTag(ecs, 'linear', 'ddddddd');
    const step = await waitFor('the first step', async () => {
      const deployment = await describeDeployment(ecs, arn);
      return deployment.targetServiceRevision?.requestedProductionTrafficWeight === 50 ? deployment : undefined;
    });
    expect(step.lifecycleStage).toBe('PRODUCTION_TRAFFIC_SHIFT');
    expect(new Set(await headers(production('linear'), 4))).toEqual(new Set(['linear-aaaaaaa', 'linear-ddddddd']));
    const done = await finished(ecs, arn);
    expect(done.status).toBe('SUCCESSFUL');
    expect(done.targetServiceRevision?.requestedProductionTrafficWeight).toBe(100);
  });
});

describe('deployment alarms', () => {
  it('roll back when green puts an alarm into ALARM, and production traffic returns to blue', async () => {
    const arn = await deployTag(ecs, 'alarmed', 'alarm00');
    const done = await finished(ecs, arn);
    expect(done).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      alarms: { status: 'TRIGGERED', alarmNames: ['HighErrorRate'], triggeredAlarmNames: ['HighErrorRate'] },
      rollback: { serviceRevisionArn: done.sourceServiceRevisions?.[0]?.arn },
    });
    expect(done.rollback?.reason).toContain('HighErrorRate');
    expect(await headers(production('alarmed'), 4)).toEqual(Array(4).fill('alarmed-aaaaaaa'));
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['alarmed'] })))
      .services?.[0];
    expect(service?.taskDefinition).toMatch(/task-definition\/alarmed:1$/);
  });
});
