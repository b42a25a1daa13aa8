import { join } from 'node:path';
import { validate } from '../../../cli/validate';
import { ConfigError } from '../../../lambdas/shared/config-error';
import { MAX_STATE_BYTES } from '../../../lambdas/shared/state-size';
import { configDir, fakeIo } from './fixtures';

/** A gehen.yml of `count` services with names and urls of the given lengths. */
function fleetYaml(count: number, nameLength: number, urlLength: number): string {
  const lines = ['services:'];
  for (let i = 0; i < count; i++) {
    const name = `${String(i).padStart(3, '0')}${'s'.repeat(nameLength - 3)}`;
    lines.push(`  ${name}:`, '    cluster: production', `    url: https://${'u'.repeat(urlLength - 9)}/`);
  }
  return `${lines.join('\n')}\n`;
}

function run(text: string) {
  const io = fakeIo();
  const path = join(configDir(text), 'gehen.yml');
  return { io, result: () => validate({ path }, io) };
}

describe('gehen validate: the state size', () => {
  it('refuses a file whose state cannot fit, with the message Prepare gives, naming the limit and the size', () => {
    const { io, result } = run(fleetYaml(300, 200, 300));

    let error: unknown;
    try {
      result();
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^the deployment's state can reach \\d+ bytes \\(300 services, 0 scheduled tasks\\); Step Functions allows ${MAX_STATE_BYTES} \\(256 KiB\\) per state`,
        ),
      ),
    ]);
    expect(io.out()).toBe('');
  });

  it('passes a file that fits', () => {
    const { io, result } = run(fleetYaml(20, 200, 300));

    expect(result()).toBe(0);
    expect(io.out()).toContain('is valid');
  });
});
