import { join } from 'node:path';
import { imageTag } from '../../sandbox/ecs/image-ref';
import { FleetError, loadFleet, parseFleet } from '../../sandbox/fleet';

describe('imageTag', () => {
  test.each([
    ['repo:abc1234', 'abc1234'],
    ['host:5000/ns/repo:abc1234', 'abc1234'],
    ['host:5000/ns/repo', 'latest'],
    ['repo', 'latest'],
    ['repo:abc1234@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'abc1234'],
    ['host:5000/repo@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', '0123456789ab'],
  ])('%s reports %s', (image, tag) => {
    expect(imageTag(image)).toBe(tag);
  });
});

describe('parseFleet', () => {
  const service = {
    name: 'api',
    taskDefinition: { family: 'api', containerDefinitions: [{ name: 'api', image: 'api:1' }] },
  };

  it('fills the defaults', () => {
    const fleet = parseFleet({ services: [service] });
    expect(fleet.region).toBe('us-east-1');
    expect(fleet.services[0]).toMatchObject({ cluster: 'default', desiredCount: 1 });
    expect(fleet.profile).toBe('ideal');
    expect(fleet.timing).toMatchObject({
      scale: 1,
      taskStartSeconds: 1,
      drainSeconds: 1,
      deregistrationDelaySeconds: 1,
    });
    expect(fleet.consistency).toEqual({ ecsSeconds: 0, executionsSeconds: 0 });
    expect(fleet.throttling).toEqual({ kind: 'off' });
    expect(fleet.iam).toBe(false);
  });

  it('turns on every realistic model under profile: realistic, each overridable', () => {
    const fleet = parseFleet({
      profile: 'realistic',
      services: [service],
      timing: { scale: 0.01, deregistrationDelaySeconds: 30 },
      consistency: { executionsSeconds: 0 },
    });
    expect(fleet.timing).toMatchObject({
      scale: 0.01,
      healthCheckGracePeriodSeconds: 60,
      healthyThresholdCount: 5,
      healthCheckIntervalSeconds: 30,
      deregistrationDelaySeconds: 30,
    });
    expect(fleet.consistency).toEqual({ ecsSeconds: 2, executionsSeconds: 0 });
    expect(fleet.throttling).toEqual({ kind: 'aws' });
    expect(fleet.iam).toBe(true);
    expect(parseFleet({ profile: 'realistic', throttling: 0.1, iam: 'off' })).toMatchObject({
      throttling: { kind: 'fraction', fraction: 0.1 },
      iam: false,
    });
  });

  it('takes drainSeconds as the older name of deregistrationDelaySeconds, not both', () => {
    expect(parseFleet({ timing: { drainSeconds: 7 } }).timing).toMatchObject({
      drainSeconds: 7,
      deregistrationDelaySeconds: 7,
    });
    expect(() => parseFleet({ timing: { drainSeconds: 7, deregistrationDelaySeconds: 3 } })).toThrow(
      /timing.drainSeconds: drainSeconds is the older name/,
    );
  });

  it('keeps the older throttle key', () => {
    expect(parseFleet({ throttle: 0.2 }).throttling).toEqual({ kind: 'fraction', fraction: 0.2 });
    expect(() => parseFleet({ throttle: 0.2, throttling: 'aws' })).toThrow(/throttle: give throttling or throttle/);
  });

  it('reports every problem with its path at once', () => {
    const bad = {
      services: [{ ...service, listn: 8080, serverContainer: 'nginx' }],
      faults: { abc: 'explode' },
      throttle: 2,
    };
    expect(() => parseFleet(bad, 'fleet.yml')).toThrow(FleetError);
    try {
      parseFleet(bad, 'fleet.yml');
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('fleet.yml');
      expect(message).toMatch(/services\.0: .*listn/);
      expect(message).toContain('faults.abc');
      expect(message).toContain('throttle');
    }
  });

  it('refuses a serverContainer the task definition does not have', () => {
    expect(() => parseFleet({ services: [{ ...service, serverContainer: 'nginx' }] })).toThrow(
      /services\.0\.serverContainer: no container named nginx/,
    );
  });

  it('refuses duplicate service names and load balancer ports', () => {
    expect(() =>
      parseFleet({
        services: [
          { ...service, listen: 18081 },
          { ...service, listen: 18081 },
        ],
      }),
    ).toThrow(/services\.1\.name: duplicate service api[\s\S]*services\.1\.listen: port 18081 used twice/);
  });

  it('loads the example fleet', async () => {
    const fleet = await loadFleet(join(__dirname, '../../examples/sandbox/fleet.yml'));
    expect(fleet.services.map((s) => s.name)).toEqual(['api', 'web', 'worker']);
    expect(fleet.scheduledTasks[0]?.rule).toBe('nightly-report');
    expect(fleet.faults.bad0000).toBe('crash');
  });

  it('loads the gate demo fleet: three CANARY services paused at POST_TEST_TRAFFIC_SHIFT', async () => {
    const fleet = await loadFleet(join(__dirname, '../../examples/sandbox/gate-fleet.yml'));
    expect(fleet.services.map((s) => [s.name, s.deploymentConfiguration?.strategy, s.testListen])).toEqual([
      ['api', 'CANARY', 19181],
      ['web', 'CANARY', 19182],
      ['checkout', 'CANARY', 19183],
    ]);
    expect(fleet.services[2]?.deploymentConfiguration?.lifecycleHooks?.[0]?.lifecycleStages).toEqual([
      'POST_TEST_TRAFFIC_SHIFT',
    ]);
    expect(fleet.faults['0ddba11']).toEqual({ reports: '1111111' });
  });

  it('refuses what ECS refuses in a strategy: PAUSE at a traffic shift, a test listener on ROLLING, BLUE_GREEN without bake time', () => {
    const service = (name: string, extra: Record<string, unknown>) => ({
      name,
      listen: 0,
      taskDefinition: { family: name, containerDefinitions: [{ name, image: `${name}:1` }] },
      ...extra,
    });
    expect(() =>
      parseFleet({
        services: [
          service('a', {
            deploymentConfiguration: {
              strategy: 'CANARY',
              lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['TEST_TRAFFIC_SHIFT'] }],
            },
          }),
          service('b', { testListen: 0 }),
          service('c', { deploymentConfiguration: { strategy: 'BLUE_GREEN' } }),
        ],
      }),
    ).toThrow(
      /PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT[\s\S]*services\.1\.testListen[\s\S]*BLUE_GREEN needs bakeTimeInMinutes/,
    );
  });

  it('names the file it cannot read', async () => {
    await expect(loadFleet('/nonexistent/fleet.yml')).rejects.toThrow('cannot read fleet file /nonexistent/fleet.yml');
  });
});
