import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  type ECSClient,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { type Sandbox, startSandbox } from '../../sandbox';
import { clients } from './helpers';
import { deployTag, finished, headers, pauseAt, pausedHook, stagedService } from './staged-helpers';

// The service-deployments API, PAUSE hooks' actions and timeouts, StopServiceDeployment, and the
// events ECS puts on the default bus. A hook minute lasts 0.6 s (timing.scale 0.01).

let sandbox: Sandbox;
let ecs: ECSClient;

const blueGreen = (name: string, hook = pauseAt('POST_TEST_TRAFFIC_SHIFT')) =>
  stagedService(name, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: [hook] });

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    fleet: {
      region: 'us-east-1',
      timing: { scale: 0.01, taskStartSeconds: 5, drainSeconds: 10 },
      services: [
        blueGreen('rejected'),
        blueGreen('stopped'),
        blueGreen('expiring', pauseAt('POST_SCALE_UP', 1, 'ROLLBACK')),
        blueGreen('lenient', pauseAt('POST_SCALE_UP', 1, 'CONTINUE')),
        { ...stagedService('rolling', {}), testListen: undefined },
        {
          ...stagedService('breaking', {}),
          testListen: undefined,
          circuitBreaker: { enable: true, rollback: true },
        },
      ],
      faults: { bad0000: 'crash' },
    },
  });
  ({ ecs } = clients(sandbox));
});

afterAll(() => sandbox.close());

const production = (name: string) => sandbox.loadBalancers[name] ?? '';

describe('ContinueServiceDeployment', () => {
  it('rolls back with ROLLBACK: production never served green, and the service ends on its previous revision', async () => {
    const arn = await deployTag(ecs, 'rejected', 'bbbbbbb');
    const { hookId, deployment } = await pausedHook(ecs, arn);
    expect(await headers(production('rejected'), 2)).toEqual(['rejected-aaaaaaa', 'rejected-aaaaaaa']);
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: 'ROLLBACK' }));
    const done = await finished(ecs, arn);
    expect(done).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      rollback: { serviceRevisionArn: deployment.sourceServiceRevisions?.[0]?.arn },
    });
    expect(done.lifecycleHookDetails?.map((h) => h.status)).toEqual(['FAILED']);
    expect(Object.keys(sandbox.traffic().rejected?.production ?? {})).toEqual(['aaaaaaa']);
    expect(await headers(production('rejected'), 2)).toEqual(['rejected-aaaaaaa', 'rejected-aaaaaaa']);
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['rejected'] })))
      .services?.[0];
    expect(service?.taskDefinition).toMatch(/rejected:1$/);

    // The hook no longer waits, so a second answer is refused.
    await expect(
      ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: 'CONTINUE' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('a PAUSE hook that times out', () => {
  it.each([
    ['expiring', 'ROLLBACK_SUCCESSFUL'],
    ['lenient', 'SUCCESSFUL'],
  ])('applies its timeout action (%s: %s)', async (name, status) => {
    const arn = await deployTag(ecs, name, 'ccccccc');
    const done = await finished(ecs, arn);
    expect(done.status).toBe(status);
    expect(done.lifecycleHookDetails?.map((h) => h.status)).toEqual(['TIMED_OUT']);
  });
});

describe('StopServiceDeployment', () => {
  it('rolls a paused deployment back, and refuses to stop a finished one', async () => {
    const arn = await deployTag(ecs, 'stopped', 'ddddddd');
    await pausedHook(ecs, arn);
    expect(await headers(production('stopped'), 2)).toEqual(['stopped-aaaaaaa', 'stopped-aaaaaaa']);
    const answer = await ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }),
    );
    expect(answer.serviceDeploymentArn).toBe(arn);
    expect((await finished(ecs, arn)).status).toBe('ROLLBACK_SUCCESSFUL');
    await headers(production('stopped'), 2);
    expect(Object.keys(sandbox.traffic().stopped?.production ?? {})).toEqual(['aaaaaaa']);
    await expect(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))).rejects.toMatchObject({
      name: 'ConflictException',
    });
    await expect(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: `${arn.slice(0, -4)}zzzz` })),
    ).rejects.toMatchObject({ name: 'ServiceDeploymentNotFoundException' });
  });
});

describe('service deployments of a rolling service', () => {
  it('records every deployment, listed newest first with filters and pages', async () => {
    const first = await deployTag(ecs, 'rolling', 'eeeeeee');
    expect((await finished(ecs, first)).status).toBe('SUCCESSFUL');
    const second = await deployTag(ecs, 'rolling', 'fffffff');
    await finished(ecs, second);

    const all = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'demo', service: 'rolling' }));
    expect(all.serviceDeployments?.map((sd) => sd.serviceDeploymentArn)?.slice(0, 2)).toEqual([second, first]);
    expect(all.serviceDeployments).toHaveLength(3); // the service's creation too

    const page = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'demo', service: 'rolling', maxResults: 2 }),
    );
    expect(page.serviceDeployments).toHaveLength(2);
    const rest = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: 'demo',
        service: 'rolling',
        maxResults: 2,
        nextToken: page.nextToken,
      }),
    );
    expect(rest.serviceDeployments).toHaveLength(1);
    expect(rest.nextToken).toBeUndefined();

    const since = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: 'demo',
        service: 'rolling',
        createdAt: { after: all.serviceDeployments?.[1]?.createdAt },
      }),
    );
    expect(since.serviceDeployments?.map((sd) => sd.serviceDeploymentArn)).toEqual([second, first]);
    const stopped = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'demo', service: 'rolling', status: ['STOPPED'] }),
    );
    expect(stopped.serviceDeployments).toEqual([]);

    const described = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [second, `${second}x`] }),
    );
    expect(described.failures).toEqual([{ arn: `${second}x`, reason: 'MISSING' }]);
    const revisionArn = described.serviceDeployments?.[0]?.targetServiceRevision?.arn ?? '';
    expect(described.serviceDeployments?.[0]?.status).toBe('SUCCESSFUL');
    expect(described.serviceDeployments?.[0]?.lifecycleStage).toBeUndefined();
    const revisions = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [revisionArn] }));
    expect(revisions.serviceRevisions?.[0]?.taskDefinition).toMatch(/rolling:3$/);
    await expect(
      ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: Array(21).fill(second) })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('reports a circuit-breaker rollback', async () => {
    const arn = await deployTag(ecs, 'breaking', 'bad0000');
    const done = await finished(ecs, arn);
    expect(done).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      deploymentCircuitBreaker: { status: 'TRIGGERED', threshold: 3 },
      rollback: { reason: expect.stringContaining('circuit breaker') },
    });
  });
});

describe('lifecycle hooks in UpdateService', () => {
  it.each([
    [
      { targetType: 'PAUSE' as const, lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT' as const] },
      'InvalidParameterException',
    ],
    [
      {
        lifecycleStages: ['POST_SCALE_UP' as const],
        hookTargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:x',
      },
      'UnsupportedFeatureException',
    ],
  ])('refuses %j', async (hook, error) => {
    await expect(
      ecs.send(
        new UpdateServiceCommand({
          cluster: 'demo',
          service: 'rejected',
          deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: [hook] },
        }),
      ),
    ).rejects.toMatchObject({ name: error });
  });
});

describe('ECS events', () => {
  it('announce the paused hook and the deployment states on the default bus', () => {
    const events = sandbox.events.events.filter((e) => e.Source === 'aws.ecs');
    const of = (detailType: string, name: string) =>
      events
        .filter((e) => e.DetailType === detailType && e.Resources?.some((r) => r.endsWith(`/${name}`)))
        .map((e) => JSON.parse(e.Detail ?? '{}') as Record<string, unknown>);
    expect(of('ECS Hook State Change', 'rejected')).toEqual([
      expect.objectContaining({ eventName: 'HOOK_AWAITING_ACTION', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' }),
    ]);
    expect(of('ECS Deployment State Change', 'rejected').map((d) => d.eventName)).toEqual([
      'SERVICE_DEPLOYMENT_IN_PROGRESS',
      'SERVICE_DEPLOYMENT_FAILED',
      'SERVICE_DEPLOYMENT_IN_PROGRESS',
      'SERVICE_DEPLOYMENT_COMPLETED',
    ]);
  });
});
