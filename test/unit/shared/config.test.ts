import { defaultPollIntervalSeconds } from '../../../lambdas/shared/config/bounds';
import { ConfigError } from '../../../lambdas/shared/config/error';
import { parseGehenYaml } from '../../../lambdas/shared/config/yaml';
import { parseExecutionInput, parseGitsha } from '../../../lambdas/shared/contracts/execution-input';

function problems(text: string): readonly string[] {
  try {
    parseGehenYaml(text, 'gehen.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseGehenYaml', () => {
  it("accepts the original's example unchanged", () => {
    const { config } = parseGehenYaml(
      `role:
  arn: arn:aws:iam::123456789012:role/OrganizationAccountAccessRole
services:
  example-production:
    cluster: arn:aws:ecs:eu-west-1:123456789012:cluster/prod-cluster
    url: https://example.touchbistro.io/ping
    containers:
      - sidecar
      - service
  example-staging:
    cluster: non-prod-cluster
    url: https://staging.example.touchbistro.io/ping
scheduledTasks:
  example-job:
timeoutMinutes: 5
updateStrategy: CURRENT
`,
      'gehen.yml',
    );
    expect(config).toEqual({
      roleArn: 'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole',
      updateStrategy: 'current',
      timeoutMinutes: 5,
      pollIntervalSeconds: 15,
      requiredMatches: 3,
      region: null,
      services: [
        {
          name: 'example-production',
          cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod-cluster',
          region: 'eu-west-1',
          url: 'https://example.touchbistro.io/ping',
          containers: ['sidecar', 'service'],
        },
        {
          name: 'example-staging',
          cluster: 'non-prod-cluster',
          region: null,
          url: 'https://staging.example.touchbistro.io/ping',
          containers: null,
        },
      ],
      scheduledTasks: [{ rule: 'example-job', region: null, containers: null }],
    });
  });

  it('reports every problem at once, each with its path', () => {
    expect(
      problems(`services:
  api:
    cluster: prod
    url: not a url
    contianers: [api]
  worker:
    url: http://worker
timeoutMinutes: 0
updateStrategy: sideways
`),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^services\.api\.url: /),
        expect.stringMatching(/^services\.api: unknown key "contianers"/),
        expect.stringMatching(/^services\.worker\.cluster: /),
        expect.stringMatching(/^timeoutMinutes: must be greater than 0/),
        expect.stringMatching(/^updateStrategy: must be one of/),
      ]),
    );
  });

  it('reports a service with nothing under it together with the other problems', () => {
    expect(problems('services:\n  api:\n    cluster: prod\n  worker:\ntimeoutMinutes: -1\n')).toEqual([
      expect.stringMatching(/^timeoutMinutes: must be greater than 0/),
      expect.stringMatching(/^services\.worker\.cluster: is required/),
    ]);
  });

  it('refuses a timeout and poll interval whose rounds would overflow the execution history', () => {
    expect(problems('services:\n  api:\n    cluster: prod\ntimeoutMinutes: 60\npollIntervalSeconds: 1\n')).toEqual([
      expect.stringMatching(/^timeoutMinutes: .*3600 rounds a phase; at most 250/),
    ]);
    expect(problems('services:\n  api:\n    cluster: prod\ntimeoutMinutes: 90\npollIntervalSeconds: 15\n')).toEqual([
      expect.stringMatching(/^timeoutMinutes: .*360 rounds a phase; at most 250/),
    ]);
  });

  it("accepts the original's long timeouts, polling less often when no interval is set", () => {
    // 90 minutes at the usual 15 s would be 360 rounds a phase; the original had no such cap.
    const { config } = parseGehenYaml(
      'services:\n  api:\n    cluster: arn:aws:ecs:eu-west-1:123456789012:cluster/prod\ntimeoutMinutes: 90\n',
      'gehen.yml',
    );
    expect(config).toMatchObject({ timeoutMinutes: 90, pollIntervalSeconds: 22 });
  });

  test.each([
    [10, 15],
    [62.5, 15],
    [63, 16],
    [90, 22],
  ])('defaults the poll interval for timeoutMinutes %s to %s s', (timeoutMinutes, interval) => {
    expect(defaultPollIntervalSeconds(timeoutMinutes)).toBe(interval);
  });

  it('refuses more services than one execution state can carry', () => {
    const services = Array.from({ length: 301 }, (_, i) => `  s${i}:\n    cluster: prod\n`).join('');
    expect(problems(`services:\n${services}`)).toEqual([
      expect.stringMatching(/^services: 301 services and scheduled tasks; at most 300 fit/),
    ]);
  });

  test.each<[string, { keep: number } | undefined]>([
    ['', undefined],
    ['cleanupRevisions:\n  keep: 3\n', { keep: 3 }],
    ['cleanupRevisions: {}\n', { keep: 10 }],
  ])('normalizes cleanupRevisions %j', (yaml, expected) => {
    const { config } = parseGehenYaml(`services:\n  api:\n    cluster: prod\n${yaml}`, 'x');
    expect(config.cleanupRevisions).toEqual(expected);
    // The CLI sends the normalized config as the execution input; Prepare takes it as it is.
    expect(parseExecutionInput({ gitsha: 'abcdef1', config }).config.cleanupRevisions).toEqual(expected);
  });

  test.each([
    ['keep: 0', 'cleanupRevisions.keep: must be between 1 and 1000'],
    ['keep: 2.5', 'cleanupRevisions.keep: must be a whole number of revisions'],
    ['kept: 3', 'cleanupRevisions: unknown key "kept" (a typo?)'],
  ])('refuses cleanupRevisions %s', (entry, problem) => {
    expect(problems(`services:\n  api:\n    cluster: prod\ncleanupRevisions:\n  ${entry}\n`)).toContain(problem);
  });

  it('says which file is empty', () => {
    expect(() => parseGehenYaml('  \n', 'deploy/gehen.yml')).toThrow(/deploy\/gehen\.yml .*empty/s);
  });

  it('takes a bare cluster name with the file region', () => {
    const { config } = parseGehenYaml('region: ap-southeast-2\nservices:\n  api:\n    cluster: prod\n', 'x');
    expect(config.services[0]?.region).toBe('ap-southeast-2');
  });
});

describe('parseGitsha', () => {
  // It becomes the image tag, and image tags are case-sensitive: `--gitsha ABCDEF1` deploys repo:ABCDEF1.
  it.each(['abc1234', 'ABCDEF1', 'ABCDEF0123456789abcdef0123456789abcdef01'])('accepts %s as given', (sha) => {
    expect(parseGitsha(sha)).toBe(sha);
  });
  it('keeps the case of an execution input SHA too', () => {
    const { config } = parseGehenYaml('services:\n  api:\n    cluster: prod\n', 'gehen.yml');
    expect(parseExecutionInput({ gitsha: 'ABCDEF1', config }).gitsha).toBe('ABCDEF1');
  });
  it.each(['abc123', 'xyz1234', '', 'a'.repeat(41)])('rejects %j naming gitsha', (sha) => {
    expect(() => parseGitsha(sha)).toThrow(/gitsha: must be 7 to 40 hexadecimal/);
  });
});
