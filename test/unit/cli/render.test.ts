import type { Row, ServiceProgress } from '../../../cli/progress';
import { formatSummary, ProgressView, renderMode } from '../../../cli/render';
import type { CliReport } from '../../../cli/report';

const ESC = '\x1b[';

function row(name: string, phase: ServiceProgress['phase'], detail: string | null = null): Row {
  return {
    kind: 'service',
    row: {
      name,
      cluster: 'prod',
      previousTaskDefinition: null,
      previousSha: null,
      taskDefinition: null,
      phase,
      detail,
      failure: null,
      startedAt: null,
      finishedAt: null,
    },
  };
}

function capture(isTTY: boolean) {
  let text = '';
  return { out: { write: (t: string) => (text += t), isTTY, columns: 80 }, text: () => text };
}

describe('renderMode', () => {
  test.each([
    [true, {}, { live: true, color: true }],
    [true, { NO_COLOR: '1' }, { live: true, color: false }],
    [true, { CI: 'true' }, { live: false, color: true }],
    [true, { TERM: 'dumb' }, { live: false, color: false }],
    [false, {}, { live: false, color: false }],
  ])('tty %s with %j → %j', (isTTY, env, expected) => {
    expect(renderMode({ write: () => true, isTTY }, env)).toEqual(expected);
  });
});

describe('ProgressView', () => {
  it('in CI or a pipe, prints one plain line per change', () => {
    const { out, text } = capture(false);
    const view = new ProgressView(out, { live: false, color: false });
    view.update([row('api', 'registering')], new Date('2025-01-01T00:00:01Z'));
    view.update([row('api', 'verifying', '1/2 live')], new Date('2025-01-01T00:00:02Z'));
    expect(text()).toBe('00:00:01 api: registering\n00:00:02 api: verifying (1/2 live)\n');
  });

  it('in a terminal, redraws the lines in place', () => {
    const { out, text } = capture(true);
    const view = new ProgressView(out, { live: true, color: false });
    view.update([row('api', 'registering'), row('worker', 'pending')]);
    view.update([row('api', 'updating')]);
    expect(text()).toBe(`api: registering\nworker: pending\n${ESC}2A${ESC}0Japi: updating\nworker: pending\n`);
  });

  it('prints a phase in words: rolled-back as "rolled back"', () => {
    const { out, text } = capture(false);
    new ProgressView(out, { live: false, color: false }).update(
      [row('api', 'rolled-back', 'failed version drained')],
      new Date('2025-01-01T00:00:01Z'),
    );
    expect(text()).toBe('00:00:01 api: rolled back (failed version drained)\n');
  });

  it('colors phases only when color is on', () => {
    const colored = capture(true);
    new ProgressView(colored.out, { live: false, color: true }).update([row('api', 'deployed')]);
    expect(colored.text()).toContain(`${ESC}32mdeployed${ESC}0m`);
    const plain = capture(true);
    new ProgressView(plain.out, { live: false, color: false }).update([row('api', 'deployed')]);
    expect(plain.text()).not.toContain(ESC);
  });
});

describe('formatSummary', () => {
  it('clips a long failure reason so one row does not widen the table', () => {
    const reason = `ECS marked deployment ecs-svc/1 of ${'arn:aws:ecs:us-east-1:123456789012:task-definition/api:3 '.repeat(2)}FAILED`;
    const report: CliReport = {
      execution: null,
      status: 'rolled-back',
      exitCode: 1,
      gitsha: 'bad0000',
      error: null,
      services: [
        {
          name: 'api',
          cluster: 'prod',
          previousTaskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:2',
          taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:3',
          previousSha: '1111111',
          sha: 'bad0000',
          outcome: 'rolled-back',
          reason,
          seconds: 7,
        },
      ],
      scheduledTasks: [],
    };
    const [, line] = formatSummary(report, new Map([['s:api', 7000]]), false).split('\n');
    expect(line).toMatch(/^api +api:2 → api:3 {2}rolled back: ECS marked deployment ecs-svc\/1 .*… {2}7s$/);
    expect(line?.length).toBeLessThan(120);
  });
});
