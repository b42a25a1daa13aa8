import { join } from 'node:path';
import { validate } from '../../../cli/validate';
import { ConfigError } from '../../../lambdas/shared/config/error';
import { MAX_STATE_BYTES } from '../../../lambdas/shared/contracts/state-size';
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

describe('gehen validate: the file itself', () => {
  function problems(text: string): readonly string[] {
    const { io, result } = run(text);
    try {
      result();
    } catch (error) {
      expect(io.out()).toBe('');
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    throw new Error('validate passed');
  }

  it('refuses a 3 MB gehen.yml by its size, naming the limit and why, without parsing it', () => {
    const text = fleetYaml(12_000, 200, 40);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3_000_000);
    expect(problems(text)).toEqual([
      expect.stringMatching(
        /^the file is 3,\d{3},\d{3} bytes; gehen\.yml may be at most 1,048,576 \(1 MiB\), four times what one deployment's state can hold \(Step Functions' 256 KiB\)/,
      ),
    ]);
  });

  it('names a key given twice by its line', () => {
    expect(
      problems('services:\n  api:\n    cluster: prod\n  web:\n    cluster: prod\n  api:\n    cluster: staging\n'),
    ).toEqual(['YAML line 6: Map keys must be unique (api)']);
  });
});
