import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  UpdateServiceCommand,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { type Sandbox, startSandbox } from '../../sandbox';
import type { StoredEvent } from '../../sandbox/events';
import { clients, serverHeader, taskDefinition, waitFor } from './helpers';

let sandbox: Sandbox;
let ecs: ECSClient;
const seen: StoredEvent[] = [];

const service = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  cluster: 'demo',
  desiredCount: 1,
  listen: 0,
  taskDefinition: taskDefinition(name, 'aaaaaaa'),
  ...extra,
});

// AWS's ALB defaults (5 checks 30 s apart, 300 s deregistration delay) at 1/200 of real time:
// a task starts in 0.1 s, joins the load balancer 0.75 s later, and drains for 1.5 s.
const SCALE = 0.005;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    fleet: {
      timing: {
        scale: SCALE,
        taskStartSeconds: 20,
        healthyThresholdCount: 5,
        healthCheckIntervalSeconds: 30,
        deregistrationDelaySeconds: 300,
        healthCheckGracePeriodSeconds: 0,
      },
      services: [
        service('web'),
        service('fleet10', {
          desiredCount: 10,
          deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 120 },
        }),
        // Failing checks are noticed (2 × 30 s) before passing ones (5 × 30 s): at ECS's default
        // threshold of 3 this rollout would trip, so the fleet raises it.
        service('flaky', {
          desiredCount: 4,
          circuitBreaker: { enable: true, rollback: false, thresholdConfiguration: { type: 'COUNT', value: 10 } },
        }),
        service('strict', { desiredCount: 4, circuitBreaker: { enable: true, rollback: false } }),
        service('brittle'),
        service('legacy', { shortArn: true }),
        service('announced', { circuitBreaker: { enable: true, rollback: true } }),
      ],
      faults: { half000: { unhealthyFraction: 0.5 }, bad0000: 'crash' },
    },
  });
  ({ ecs } = clients(sandbox));
  sandbox.onEvent((event) => seen.push(event));
});
afterAll(() => sandbox.close());

async function describe1(name: string): Promise<Service> {
  const answer = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [name] }));
  const found = answer.services?.[0];
  if (!found) throw new Error(`service ${name} not found`);
  return found;
}

async function deploy(name: string, tag: string, extra: Partial<UpdateServiceCommandInput> = {}): Promise<string> {
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(name, tag)));
  const arn = registered.taskDefinition?.taskDefinitionArn ?? '';
  await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: name, taskDefinition: arn, ...extra }));
  return arn;
}

const completed = (name: string) =>
  waitFor(
    `${name} to complete`,
    async () => {
      const found = await describe1(name);
      return found.deployments?.length === 1 && found.deployments[0]?.rolloutState === 'COMPLETED' ? found : undefined;
    },
    30_000,
  );

describe('load-balancer health checks and deregistration (timing)', () => {
  it('keeps a RUNNING task out of the load balancer until it passed its checks, and completes only once the old task drained', async () => {
    const url = sandbox.loadBalancers.web ?? '';
    await deploy('web', 'bbbbbbb');
    const running = await waitFor('the new task RUNNING', async () => {
      const tasks = await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'web' }));
      const described = await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: tasks.taskArns ?? [] }));
      return described.tasks?.find((t) => t.lastStatus === 'RUNNING' && t.containers?.[0]?.image?.endsWith(':bbbbbbb'));
    });
    // Five checks 30 s apart have not passed yet: the old task still takes every request.
    expect(running.healthStatus).toBe('UNKNOWN');
    expect(await serverHeader(url)).toBe('web-aaaaaaa');

    await waitFor('the new tag in service', async () => (await serverHeader(url)) === 'web-bbbbbbb');
    // The old task is deregistered but still draining: the rollout is not done.
    const draining = await describe1('web');
    expect(draining.deployments?.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    expect(draining.deployments?.[0]?.rolloutState).toBe('IN_PROGRESS');
    expect(await serverHeader(url)).toBe('web-bbbbbbb');

    await completed('web');
  });

  it('rolls 10 tasks at maximumPercent 120 in batches of at most 2', async () => {
    await deploy('fleet10', 'bbbbbbb');
    const done = await completed('fleet10');
    const starts = (done.events ?? [])
      .map((e) => /has started (\d+) tasks/.exec(e.message ?? '')?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    // 10 new tasks, never more than 12 running or pending at once: five or more batches.
    expect(starts.reduce((a, b) => a + b, 0)).toBe(10 + 10);
    const rollout = starts.slice(0, starts.length - 1);
    expect(Math.max(...rollout)).toBeLessThanOrEqual(2);
    expect(rollout.length).toBeGreaterThanOrEqual(5);
  });
});

describe('failed-task counters and the circuit breaker', () => {
  it('replaces the unhealthy half of the new tasks and completes, the healthy ones resetting failedTasks', async () => {
    await deploy('flaky', 'half000');
    const done = await completed('flaky');
    expect(done.deployments?.[0]?.failedTasks).toBe(0);
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'demo', serviceName: 'flaky', desiredStatus: 'STOPPED' }),
    );
    const described = await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: stopped.taskArns ?? [] }));
    const failed = (described.tasks ?? []).filter((t) => t.stoppedReason === 'Task failed container health checks');
    expect(failed.length).toBeGreaterThanOrEqual(2);
  });

  it('counts failures cumulatively without resetOnHealthyTask and trips at a COUNT threshold', async () => {
    await deploy('strict', 'half000', {
      deploymentConfiguration: {
        deploymentCircuitBreaker: {
          enable: true,
          rollback: false,
          resetOnHealthyTask: false,
          thresholdConfiguration: { type: 'COUNT', value: 2 },
        },
      },
    });
    const failed = await waitFor(
      'the breaker to trip',
      async () => {
        const primary = (await describe1('strict')).deployments?.[0];
        return primary?.rolloutState === 'FAILED' ? primary : undefined;
      },
      30_000,
    );
    expect(failed.failedTasks).toBe(2);
    expect((await describe1('strict')).deploymentConfiguration?.deploymentCircuitBreaker).toMatchObject({
      resetOnHealthyTask: false,
      thresholdConfiguration: { type: 'COUNT', value: 2 },
    });
  });

  it('trips after one crash with thresholdConfiguration COUNT 1 sent by UpdateService', async () => {
    await deploy('brittle', 'bad0000', {
      deploymentConfiguration: {
        deploymentCircuitBreaker: {
          enable: true,
          rollback: false,
          thresholdConfiguration: { type: 'COUNT', value: 1 },
        },
      },
    });
    const primary = await waitFor('the breaker to trip', async () => {
      const first = (await describe1('brittle')).deployments?.[0];
      return first?.rolloutState === 'FAILED' ? first : undefined;
    });
    expect(primary.failedTasks).toBe(1);
  });
});

describe('short service ARNs', () => {
  it('names a shortArn service service/<name> and takes either form', async () => {
    const short = 'arn:aws:ecs:us-east-1:000000000000:service/legacy';
    expect((await describe1('legacy')).serviceArn).toBe(short);
    const listed = await ecs.send(new ListServicesCommand({ cluster: 'demo', maxResults: 100 }));
    expect(listed.serviceArns).toContain(short);
    const long = 'arn:aws:ecs:us-east-1:000000000000:service/demo/legacy';
    for (const reference of [short, long]) {
      const answer = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [reference] }));
      expect(answer.services?.[0]?.serviceArn).toBe(short);
    }
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('legacy', 'bbbbbbb')));
    const updated = await ecs.send(
      new UpdateServiceCommand({
        cluster: 'demo',
        service: short,
        taskDefinition: registered.taskDefinition?.taskDefinitionArn,
      }),
    );
    expect(updated.service?.taskDefinition).toMatch(/legacy:2$/);
    const tasks = await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: short }));
    expect(tasks.taskArns?.length).toBeGreaterThan(0);
  });
});

describe('ECS events on the default bus', () => {
  const of = (arn: string | undefined) =>
    seen
      .filter((e) => e.Source === 'aws.ecs' && (e.Resources ?? []).includes(arn ?? ''))
      .map((e): Record<string, unknown> => ({ detailType: e.DetailType, ...JSON.parse(e.Detail ?? '{}') }));

  it('announces a deployment IN_PROGRESS, COMPLETED and the steady state', async () => {
    await deploy('announced', 'bbbbbbb');
    const done = await completed('announced');
    const id = done.deployments?.[0]?.id;
    expect(of(done.serviceArn)).toEqual([
      expect.objectContaining({
        detailType: 'ECS Deployment State Change',
        eventType: 'INFO',
        eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS',
        deploymentId: id,
        reason: `ECS deployment ${id} in progress.`,
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
      expect.objectContaining({ eventName: 'SERVICE_DEPLOYMENT_COMPLETED', deploymentId: id }),
      expect.objectContaining({
        detailType: 'ECS Service Action',
        eventType: 'INFO',
        eventName: 'SERVICE_STEADY_STATE',
        clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/demo',
      }),
    ]);
  });

  it('announces a circuit-breaker failure and the rollback it starts', async () => {
    const before = (await describe1('announced')).deployments?.[0]?.id;
    seen.length = 0;
    await deploy('announced', 'bad0000');
    const back = await completed('announced');
    expect(back.taskDefinition).toMatch(/announced:2$/);
    const names = of(back.serviceArn).map((e) => [e.eventName, e.eventType]);
    expect(names).toEqual(
      expect.arrayContaining([
        ['SERVICE_DEPLOYMENT_IN_PROGRESS', 'INFO'],
        ['SERVICE_TASK_START_IMPAIRED', 'WARN'],
        ['SERVICE_DEPLOYMENT_FAILED', 'ERROR'],
        ['SERVICE_DEPLOYMENT_COMPLETED', 'INFO'],
      ]),
    );
    expect(of(back.serviceArn)).toContainEqual(
      expect.objectContaining({
        eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS',
        reason: `ECS deployment circuit breaker: rolling back to deploymentId ${before}.`,
      }),
    );
  });
});
