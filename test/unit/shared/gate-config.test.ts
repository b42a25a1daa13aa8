import { ConfigError } from '../../../lambdas/shared/config/error';
import { parseGehenYaml } from '../../../lambdas/shared/config/yaml';
import { parseExecutionInput } from '../../../lambdas/shared/contracts/execution-input';

function problems(text: string): readonly string[] {
  try {
    parseGehenYaml(text, 'gehen.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const SERVICES = 'services:\n  api:\n    cluster: prod\n    testUrl: https://test.api.example.com/ping\n';

describe("gehen.yml's gate", () => {
  it('normalizes the gate and testUrl into the execution input, which accepts them again', () => {
    const { config } = parseGehenYaml(`gate:\n  stage: POST_TEST_TRAFFIC_SHIFT\n${SERVICES}`, 'gehen.yml');
    expect(config.gate).toEqual({ stage: 'POST_TEST_TRAFFIC_SHIFT', approval: 'none', bakeMinutes: 0 });
    expect(config.services[0]?.testUrl).toBe('https://test.api.example.com/ping');
    expect(parseExecutionInput({ gitsha: 'abcdef1', config }).config).toEqual(config);
  });

  it('leaves gate and testUrl out of a file without them, so its execution input stays as it was', () => {
    const { config } = parseGehenYaml('services:\n  api:\n    cluster: prod\n', 'gehen.yml');
    expect(config).not.toHaveProperty('gate');
    expect(config.services[0]).not.toHaveProperty('testUrl');
  });

  it.each([
    [
      'stage: TEST_TRAFFIC_SHIFT',
      'gate.stage: cannot be TEST_TRAFFIC_SHIFT: ECS takes no PAUSE hook at TEST_TRAFFIC_SHIFT',
    ],
    ['stage: PRODUCTION_TRAFFIC_SHIFT', 'gate.stage: cannot be PRODUCTION_TRAFFIC_SHIFT: ECS takes no PAUSE hook'],
    ['stage: POST_PRODUCTION_TRAFFIC_SHIFT', 'gate.stage: cannot be POST_PRODUCTION_TRAFFIC_SHIFT: production traffic'],
    ['stage: PRE_SCALE_UP', 'gate.stage: cannot be PRE_SCALE_UP: the new version does not run yet'],
    [
      'stage: AFTER_LUNCH',
      'gate.stage: must be one of POST_SCALE_UP, POST_TEST_TRAFFIC_SHIFT, PRE_PRODUCTION_TRAFFIC_SHIFT',
    ],
    ['approval: auto', 'gate.approval: must be none or manual'],
    ['bakeMinutes: -1', 'gate.bakeMinutes: must be between 0 and 1440'],
    ['bakeMinutes: 2.5', 'gate.bakeMinutes: must be a whole number of minutes'],
    ['stages: [POST_SCALE_UP]', 'gate: unknown key "stages" (a typo?)'],
  ])('refuses gate %s, naming the field', (entry, problem) => {
    const stage = entry.startsWith('stage') ? '' : '  stage: POST_TEST_TRAFFIC_SHIFT\n';
    const found = problems(`gate:\n${stage}  ${entry}\n${SERVICES}`);
    expect(found.some((p) => p.startsWith(problem))).toBe(true);
  });

  it('refuses a gate without a stage', () => {
    expect(problems(`gate:\n  approval: manual\n${SERVICES}`)).toContain(
      'gate.stage: is required: the ECS lifecycle stage where every service has a PAUSE hook',
    );
  });

  it('refuses a testUrl without a gate, naming the service', () => {
    expect(problems(SERVICES)).toEqual([
      expect.stringMatching(/^services\.api\.testUrl: is probed only at a gate: add `gate`/),
    ]);
  });

  it('refuses a testUrl at a stage where the test listener does not serve the new version yet', () => {
    expect(problems(`gate:\n  stage: POST_SCALE_UP\n${SERVICES}`)).toEqual([
      expect.stringMatching(/^services\.api\.testUrl: cannot be probed at POST_SCALE_UP/),
    ]);
  });

  it('refuses a gate with no service to hold, or with updateStrategy none', () => {
    expect(problems('gate:\n  stage: POST_TEST_TRAFFIC_SHIFT\nscheduledTasks:\n  nightly:\n')).toEqual([
      expect.stringMatching(/^gate: holds services: name at least one service/),
    ]);
    expect(problems(`gate:\n  stage: POST_TEST_TRAFFIC_SHIFT\nupdateStrategy: none\n${SERVICES}`)).toEqual([
      expect.stringMatching(/^gate: needs a deployment to hold: updateStrategy none/),
    ]);
  });

  it('refuses a gate whose phases would outlast the state machine', () => {
    expect(
      problems(`gate:\n  stage: POST_TEST_TRAFFIC_SHIFT\n  approval: manual\ntimeoutMinutes: 1000\n${SERVICES}`),
    ).toEqual([expect.stringMatching(/^gate: 7 phases of timeoutMinutes 1000 plus bakeMinutes 0 is 7000 minutes/)]);
  });

  it('refuses the same in a hand-written execution input', () => {
    const { config } = parseGehenYaml(`gate:\n  stage: POST_TEST_TRAFFIC_SHIFT\n${SERVICES}`, 'gehen.yml');
    const withoutGate = { ...config, gate: null };
    expect(() => parseExecutionInput({ gitsha: 'abcdef1', config: withoutGate })).toThrow(
      /config\.services\.api\.testUrl: is probed only at a gate/,
    );
  });
});
