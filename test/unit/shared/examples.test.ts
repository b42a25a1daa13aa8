import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGehenYaml } from '../../../lambdas/shared/config/yaml';
import { loadFleet } from '../../../sandbox/fleet';

const root = join(__dirname, '../../..');

describe('the shipped examples', () => {
  it.each(['gehen.example.yml', 'examples/sandbox/gehen.yml'])('%s is a valid gehen config', (path) => {
    expect(() => parseGehenYaml(readFileSync(join(root, path), 'utf8'), path)).not.toThrow();
  });

  it('examples/sandbox/gehen.yml deploys to the services, load balancers and rule of the example fleet', async () => {
    const { config } = parseGehenYaml(readFileSync(join(root, 'examples/sandbox/gehen.yml'), 'utf8'), 'gehen.yml');
    const fleet = await loadFleet(join(root, 'examples/sandbox/fleet.yml'));
    expect(config.services.map((s) => s.name).sort()).toEqual(fleet.services.map((s) => s.name).sort());
    for (const service of config.services) {
      const listen = fleet.services.find((s) => s.name === service.name)?.listen;
      expect(service.url === null ? undefined : Number(new URL(service.url).port)).toBe(listen);
    }
    expect(config.scheduledTasks.map((t) => t.rule)).toEqual(fleet.scheduledTasks.map((t) => t.rule));
  });
});
