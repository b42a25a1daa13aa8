import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { type Sandbox, startSandbox } from '../../sandbox';
import { clients, fastFleet, serverHeader, taskDefinition, waitFor } from './helpers';

let sandbox: Sandbox;
let ecs: ECSClient;

const service = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  cluster: 'demo',
  desiredCount: 2,
  listen: 0,
  taskDefinition: taskDefinition(name, 'aaaaaaa'),
  ...extra,
});

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    fleet: fastFleet({
      services: [
        service('rolling'),
        service('crashy', { circuitBreaker: { enable: true, rollback: true } }),
        service('stuck', { circuitBreaker: { enable: true, rollback: false } }),
        service('sickly', { circuitBreaker: { enable: true, rollback: true } }),
        service('liar'),
        service('prompt'),
        { ...service('lingering'), taskDefinition: taskDefinition('lingering', 'linger0') },
      ],
      timing: { taskStartSeconds: 0.05, drainSeconds: 0.3 },
      faults: {
        bad0000: 'crash',
        sick000: 'unhealthy',
        ccccccc: { reports: 'ddddddd' },
        linger0: { drainSeconds: 3600 },
      },
    }),
  });
  ({ ecs } = clients(sandbox));
});

afterAll(() => sandbox.close());

async function describe1(name: string): Promise<Service> {
  const answer = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [name] }));
  const found = answer.services?.[0];
  if (!found) throw new Error(`service ${name} not found`);
  return found;
}

async function deploy(name: string, tag: string): Promise<string> {
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(name, tag)));
  const arn = registered.taskDefinition?.taskDefinitionArn ?? '';
  await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: name, taskDefinition: arn }));
  return arn;
}

describe('a rolling deployment', () => {
  it('moves the load balancer from the old tag to the new one, drains the old tasks, then completes', async () => {
    const url = sandbox.loadBalancers.rolling ?? '';
    expect(await serverHeader(url)).toBe('rolling-aaaaaaa');
    const arn = await deploy('rolling', 'bbbbbbb');
    const seen = new Set<string>();
    await waitFor('only the new tag answering', async () => {
      const answers = [await serverHeader(url), await serverHeader(url)];
      for (const answer of answers) seen.add(answer);
      return answers.every((a) => a === 'rolling-bbbbbbb');
    });
    // minimumHealthyPercent 100: the service never stopped answering.
    expect(seen).toEqual(new Set(['rolling-aaaaaaa', 'rolling-bbbbbbb']));

    const draining = await describe1('rolling');
    expect(draining.deployments?.map((d) => [d.status, d.taskDefinition, d.runningCount])).toEqual([
      ['PRIMARY', arn, 2],
      ['ACTIVE', 'arn:aws:ecs:us-east-1:000000000000:task-definition/rolling:1', 2],
    ]);

    const done = await waitFor('the rollout to complete', async () => {
      const current = await describe1('rolling');
      return current.deployments?.[0]?.rolloutState === 'COMPLETED' ? current : undefined;
    });
    expect(done.deployments).toHaveLength(1);
    expect(done).toMatchObject({ taskDefinition: arn, runningCount: 2, pendingCount: 0 });
    expect(done.events?.[0]?.message).toBe('(service rolling) has reached a steady state.');
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'demo', serviceName: 'rolling', desiredStatus: 'STOPPED' }),
    );
    expect(stopped.taskArns).toHaveLength(2);
  });
});

describe('the circuit breaker', () => {
  it('fails a crashing deployment after 3 failed tasks and rolls back to the last completed revision', async () => {
    const bad = await deploy('crashy', 'bad0000');
    const rolledBack = await waitFor('the rollback to complete', async () => {
      const current = await describe1('crashy');
      const primary = current.deployments?.[0];
      return primary?.rolloutState === 'COMPLETED' && primary.taskDefinition !== bad ? current : undefined;
    });
    expect(rolledBack.taskDefinition).toBe('arn:aws:ecs:us-east-1:000000000000:task-definition/crashy:1');
    const messages = rolledBack.events?.map((e) => e.message) ?? [];
    expect(messages).toContainEqual(expect.stringMatching(/deployment failed: tasks failed to start/));
    expect(messages).toContainEqual(expect.stringMatching(/rolling back to deployment/));
    expect(await serverHeader(sandbox.loadBalancers.crashy ?? '')).toBe('crashy-aaaaaaa');
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'demo', serviceName: 'crashy', desiredStatus: 'STOPPED' }),
    );
    const tasks = await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: stopped.taskArns }));
    const crashed = tasks.tasks?.filter((t) => t.taskDefinitionArn === bad) ?? [];
    expect(crashed.length).toBeGreaterThanOrEqual(3);
    expect(crashed[0]).toMatchObject({ stopCode: 'EssentialContainerExited', lastStatus: 'STOPPED' });
  });

  it('without rollback, leaves the FAILED deployment PRIMARY and the old tasks serving', async () => {
    const bad = await deploy('stuck', 'bad0000');
    const failed = await waitFor('the deployment to fail', async () => {
      const current = await describe1('stuck');
      return current.deployments?.[0]?.rolloutState === 'FAILED' ? current : undefined;
    });
    expect(failed.deployments?.[0]).toMatchObject({ taskDefinition: bad, status: 'PRIMARY' });
    // The threshold is max(3, ceil(2 / 2)); a task already starting when it trips counts too.
    expect(failed.deployments?.[0]?.failedTasks).toBeGreaterThanOrEqual(3);
    expect(failed.deployments?.[1]).toMatchObject({ status: 'ACTIVE', runningCount: 2 });
    expect(await serverHeader(sandbox.loadBalancers.stuck ?? '')).toBe('stuck-aaaaaaa');
  });

  it('replaces unhealthy tasks, keeps them out of the load balancer, and rolls back', async () => {
    const sick = await deploy('sickly', 'sick000');
    const unhealthy = await waitFor('an UNHEALTHY task', async () => {
      const listed = await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'sickly' }));
      const described = await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: listed.taskArns }));
      return described.tasks?.find((t) => t.healthStatus === 'UNHEALTHY');
    });
    expect(unhealthy).toMatchObject({ lastStatus: 'RUNNING', taskDefinitionArn: sick });
    expect(await serverHeader(sandbox.loadBalancers.sickly ?? '')).toBe('sickly-aaaaaaa');
    const rolledBack = await waitFor('the rollback to complete', async () => {
      const current = await describe1('sickly');
      const primary = current.deployments?.[0];
      return primary?.rolloutState === 'COMPLETED' && primary.taskDefinition !== sick ? current : undefined;
    });
    expect(rolledBack.taskDefinition).toBe('arn:aws:ecs:us-east-1:000000000000:task-definition/sickly:1');
  });
});

describe('faults and scaling', () => {
  it('serves the tag a `reports` fault names', async () => {
    await deploy('liar', 'ccccccc');
    await waitFor(
      'the reported tag',
      async () => (await serverHeader(sandbox.loadBalancers.liar ?? '')) === 'liar-ddddddd',
    );
  });

  it('keeps the tasks of a `drainSeconds` tag draining, still RUNNING and out of the load balancer', async () => {
    await Promise.all([deploy('prompt', 'bbbbbbb'), deploy('lingering', 'bbbbbbb')]);
    // Started together: once the fleet-timed service has drained, the lingering one would have too.
    await waitFor('the fleet-timed drain to end', async () => (await describe1('prompt')).deployments?.length === 1);
    const lingering = await describe1('lingering');
    expect(lingering.deployments?.map((d) => [d.status, d.rolloutState, d.runningCount])).toEqual([
      ['PRIMARY', 'IN_PROGRESS', 2],
      ['ACTIVE', 'COMPLETED', 2],
    ]);
    expect(await serverHeader(sandbox.loadBalancers.lingering ?? '')).toBe('lingering-bbbbbbb');
  });

  it('scales the primary deployment to a new desiredCount', async () => {
    await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'liar', desiredCount: 3 }));
    const scaled = await waitFor('three running tasks', async () => {
      const current = await describe1('liar');
      return current.runningCount === 3 && current.deployments?.length === 1 ? current : undefined;
    });
    expect(scaled.deployments?.[0]).toMatchObject({ desiredCount: 3, runningCount: 3 });
  });
});

describe('close', () => {
  it('closes the API and every load balancer', async () => {
    const own = await startSandbox({
      port: 0,
      fleet: fastFleet({ services: [{ ...service('closing'), desiredCount: 1 }] }),
    });
    const url = own.loadBalancers.closing ?? '';
    expect(await serverHeader(url)).toBe('closing-aaaaaaa');
    await own.close();
    await expect(fetch(url)).rejects.toThrow();
    await expect(fetch(`${own.endpoint}/_sandbox/stats`)).rejects.toThrow();
  });

  it('refuses a load balancer port in use, naming the service, and leaves nothing running', async () => {
    const taken = await startSandbox({ port: 0, fleet: fastFleet({ services: [service('first')] }) });
    try {
      const port = Number(new URL(taken.loadBalancers.first ?? '').port);
      await expect(
        startSandbox({ port: 0, fleet: fastFleet({ services: [{ ...service('second'), listen: port }] }) }),
      ).rejects.toThrow(`load balancer of service second cannot listen on 127.0.0.1:${port}`);
    } finally {
      await taken.close();
    }
  });
});
