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
    expect(fleet.timing).toEqual({ taskStartSeconds: 1, drainSeconds: 1 });
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

  it('names the file it cannot read', async () => {
    await expect(loadFleet('/nonexistent/fleet.yml')).rejects.toThrow('cannot read fleet file /nonexistent/fleet.yml');
  });
});
