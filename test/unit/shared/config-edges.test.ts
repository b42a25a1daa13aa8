import { unmatchedTag } from '../../../lambdas/prepare/pushed-tag';
import { MAX_CONFIG_BYTES } from '../../../lambdas/shared/config/bounds';
import { ConfigError } from '../../../lambdas/shared/config/error';
import { parseGehenYaml } from '../../../lambdas/shared/config/yaml';
import { parseExecutionInput } from '../../../lambdas/shared/contracts/execution-input';

/** The problems a ConfigError lists, or [] when `run` accepts its input. */
function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const yamlProblems = (text: string) => problemsOf(() => parseGehenYaml(text, 'gehen.yml'));
const API = 'services:\n  api:\n    cluster: prod\n';

describe('gehen.yml edges', () => {
  test.each([
    [
      'a url with user:pass@',
      `${API}    url: https://deploy:s3cret@api.example.com/ping\n`,
      [expect.stringMatching(/^services\.api\.url: must not contain a user name or password \(user:pass@\)/)],
    ],
    [
      'a url with a user only',
      `${API}    url: https://deploy@api.example.com/ping\n`,
      [expect.stringMatching(/user:pass@/)],
    ],
    [
      'a cluster ARN whose account is not 12 digits',
      'services:\n  api:\n    cluster: arn:aws:ecs:eu-west-1:1234:cluster/prod\n',
      [
        'services.api.cluster: must be an ECS cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME): ACCOUNT must be 12 digits',
      ],
    ],
    [
      'services as a list (the original README’s bad format)',
      'services:\n  - name: api\n    cluster: prod\n',
      [expect.stringMatching(/^services: is a map of name to settings .*not a list$/s)],
    ],
    [
      'scheduledTasks as a list',
      'scheduledTasks:\n  - nightly\n',
      [expect.stringMatching(/^scheduledTasks: is a map/)],
    ],
    [
      'a timeout that ends at the first poll',
      `${API}timeoutMinutes: 0.1\n`,
      [expect.stringMatching(/^timeoutMinutes: timeoutMinutes 0\.1 polled every 15 s is 1 round a phase; at least 3/)],
    ],
    [
      'a nested quantifier in tagPattern',
      `${API}trigger:\n  ecrRepository: api\n  tagPattern: ^(a+)+$\n`,
      [expect.stringMatching(/^trigger\.tagPattern: must not repeat a group that itself repeats/)],
    ],
    [
      'a tagPattern longer than 256 characters',
      `${API}trigger:\n  ecrRepository: api\n  tagPattern: "^${'a'.repeat(300)}$"\n`,
      ['trigger.tagPattern: must be at most 256 characters'],
    ],
    [
      'a key given twice',
      'services:\n  api:\n    cluster: prod\n  api:\n    cluster: staging\n',
      ['YAML line 4: Map keys must be unique (api)'],
    ],
  ])('refuses %s, saying why', (_, text, expected) => {
    expect(yamlProblems(text)).toEqual(expected);
  });

  test.each([
    ['a short timeout polled often enough', `${API}timeoutMinutes: 0.1\npollIntervalSeconds: 1\n`],
    [
      'a tag pattern with an optional group',
      `${API}trigger:\n  ecrRepository: api\n  tagPattern: ^(release-)?[0-9a-f]{7,40}$\n`,
    ],
    ['a url with a port and a query', `${API}    url: https://api.example.com:8443/ping?deep=1\n`],
    ['a few aliases', 'services:\n  api: &s\n    cluster: prod\n  web: *s\n'],
  ])('accepts %s', (_, text) => {
    expect(yamlProblems(text)).toEqual([]);
  });

  it('gives the normal "not valid" error for a YAML alias bomb (billion laughs), quickly', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const text = `${levels.join('\n')}\n${API}`;
    let thrown: unknown;
    try {
      parseGehenYaml(text, 'gehen.yml');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toMatch(/^gehen\.yml is not a valid gehen config:\n {2}- YAML: .*alias/);
  });

  it('refuses a file over 1 MiB before parsing it, naming the limit, the size and why', () => {
    const service = (i: number) =>
      `  service-${i}:\n    cluster: prod\n    url: https://service-${i}.example.com/ping\n`;
    const lines = ['services:\n'];
    for (let i = 0; lines.length <= 30_000; i++) lines.push(service(i));
    const text = lines.join('');
    const bytes = Buffer.byteLength(text);
    expect(bytes).toBeGreaterThan(MAX_CONFIG_BYTES);
    expect(yamlProblems(text)).toEqual([
      `the file is ${bytes.toLocaleString('en-US')} bytes; gehen.yml may be at most 1,048,576 (1 MiB), four times what one deployment's state can hold (Step Functions' 256 KiB): split its services and scheduled tasks across gehen.yml files`,
    ]);
  });

  it('counts the limit in bytes, not characters', () => {
    const comment = `# ${'é'.repeat(MAX_CONFIG_BYTES / 2)}\n`;
    expect(comment.length).toBeLessThan(MAX_CONFIG_BYTES);
    expect(yamlProblems(`${comment}${API}`)).toEqual([
      expect.stringMatching(/^the file is 1,048,\d{3} bytes; gehen\.yml may be at most/),
    ]);
  });

  it('finds a repeated key in a file of 20,000 services, and names it', () => {
    const lines = ['services:'];
    for (let i = 0; i < 20_000; i++) lines.push(`  s${i}:`, '    cluster: prod');
    lines.push('  s5:', '    cluster: prod');
    expect(yamlProblems(`${lines.join('\n')}\n`)).toEqual([`YAML line 40002: Map keys must be unique (s5)`]);
  });
});

describe('execution input edges', () => {
  const config = parseGehenYaml(`${API}  web:\n    cluster: prod\nscheduledTasks:\n  nightly:\n`, 'gehen.yml').config;

  test.each([
    [
      'a service named twice',
      { ...config, services: [...config.services, config.services[0]] },
      ['config.services: names service api more than once'],
    ],
    [
      'a rule named twice',
      { ...config, scheduledTasks: [...config.scheduledTasks, ...config.scheduledTasks] },
      ['config.scheduledTasks: names rule nightly more than once'],
    ],
    [
      'a url with credentials',
      { ...config, services: [{ ...config.services[0], url: 'https://u:p@api.example.com/' }] },
      [expect.stringMatching(/^config\.services\.0\.url: must not contain a user name or password/)],
    ],
    [
      'a cluster ARN with a short account',
      { ...config, services: [{ ...config.services[0], cluster: 'arn:aws:ecs:eu-west-1:12345:cluster/prod' }] },
      [expect.stringMatching(/^config\.services\.0\.cluster: .*ACCOUNT must be 12 digits$/)],
    ],
    [
      'a timeout that ends at the first poll',
      { ...config, timeoutMinutes: 0.1 },
      [expect.stringMatching(/at least 3/)],
    ],
  ])('refuses %s', (_, badConfig, expected) => {
    expect(problemsOf(() => parseExecutionInput({ gitsha: 'abcdef1', config: badConfig }))).toEqual(expected);
  });

  it('refuses a nested-quantifier tagPattern of a push', () => {
    expect(
      problemsOf(() => parseExecutionInput({ gitsha: 'abcdef1', config, source: 'ecr', tagPattern: '(\\d+)*x' })),
    ).toEqual([expect.stringMatching(/^tagPattern: must not repeat a group/)]);
  });
});

describe('unmatchedTag', () => {
  it('never runs the pattern on a tag longer than ECR allows', () => {
    expect(unmatchedTag({ source: 'ecr', gitsha: 'a'.repeat(300), tagPattern: '^a+$' })).toBe(
      `image tag ${'a'.repeat(40)}… is longer than 128 characters`,
    );
  });
});
