import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { CliIo } from '../../../cli/io';
import type { Plan, RoundState } from '../../../lambdas/shared/contracts/state';
import { StateNames as S } from '../../../lib/state-names';

export const ACCOUNT = '123456789012';
export const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:gehen-deploy`;
export const EXECUTION_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:execution:gehen-deploy:abc1234-20250101T000000Z`;
export const SHA = 'abc1234def5678';
const CLUSTER = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`;
const td = (family: string, revision: number) =>
  `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${family}:${revision}`;

export interface FakeIo extends CliIo {
  out: () => string;
  err: () => string;
  interrupt: () => void;
}

export function fakeIo(
  options: { cwd?: string; env?: Record<string, string>; tty?: boolean; sleep?: (ms: number) => void } = {},
): FakeIo {
  let out = '';
  let err = '';
  let handler: (() => void) | null = null;
  let now = Date.parse('2025-01-01T00:00:00Z');
  return {
    stdout: { write: (text: string) => (out += text), isTTY: options.tty ?? false, columns: 100 },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty ?? false, columns: 100 },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    clock: {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        options.sleep?.(ms);
      },
    },
    exitCode: 0,
    onInterrupt(h) {
      handler = h;
      return () => {
        handler = null;
      };
    },
    out: () => out,
    err: () => err,
    interrupt: () => handler?.(),
  };
}

/** A directory holding `gehen.yml` with `text`. */
export function configDir(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gehen-cli-'));
  writeFileSync(join(dir, 'gehen.yml'), text);
  return dir;
}

export const GOOD_YAML = `services:
  api:
    cluster: prod
    url: https://api.example.com/ping
  worker:
    cluster: ${CLUSTER}
scheduledTasks:
  nightly:
timeoutMinutes: 5
`;

const deployment = {
  gitsha: SHA,
  updateStrategy: 'current' as const,
  roleArn: null,
  timeoutSeconds: 300,
  pollIntervalSeconds: 15,
  requiredMatches: 3,
  executionArn: EXECUTION_ARN,
};

export const PLAN: Plan = {
  deployment,
  services: [
    {
      name: 'api',
      cluster: CLUSTER,
      region: 'us-east-1',
      url: 'https://api.example.com/ping',
      containers: null,
      previousTaskDefinition: td('api', 41),
      previousSha: '1111111',
    },
    {
      name: 'worker',
      cluster: CLUSTER,
      region: 'us-east-1',
      url: null,
      containers: null,
      previousTaskDefinition: td('worker', 7),
      previousSha: '1111111',
    },
  ],
  scheduledTasks: [
    {
      rule: 'nightly',
      region: 'us-east-1',
      eventBusName: 'default',
      containers: null,
      targets: [{ id: 'job', previousTaskDefinition: td('nightly', 3), previousSha: '1111111' }],
    },
  ],
};

/** Builds a history as GetExecutionHistory returns it: ids in order, one second apart. */
export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  private readonly t0 = Date.parse('2025-01-01T00:00:00Z');

  push(type: string, details: Partial<HistoryEvent> = {}): this {
    const id = this.events.length + 1;
    this.events.push({
      id,
      previousEventId: id - 1,
      timestamp: new Date(this.t0 + id * 1000),
      type,
      ...details,
    } as HistoryEvent);
    return this;
  }

  started(
    input: unknown = {
      gitsha: SHA,
      config: {
        timeoutMinutes: 5,
        services: [
          { name: 'api', cluster: 'prod' },
          { name: 'worker', cluster: CLUSTER },
        ],
        scheduledTasks: [{ rule: 'nightly' }],
      },
      source: 'cli',
    },
  ): this {
    return this.push('ExecutionStarted', {
      executionStartedEventDetails: { input: JSON.stringify(input), roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn` },
    });
  }

  state(
    kind: 'Task' | 'Map' | 'Pass' | 'Choice' | 'Wait' | 'Fail' | 'Succeed',
    name: string,
    input: unknown,
    output?: unknown,
  ): this {
    this.push(`${kind}StateEntered`, { stateEnteredEventDetails: { name, input: JSON.stringify(input) } });
    if (kind === 'Task') this.push('TaskScheduled').push('TaskStarted').push('TaskSucceeded');
    if (output !== undefined)
      this.push(`${kind}StateExited`, { stateExitedEventDetails: { name, output: JSON.stringify(output) } });
    return this;
  }

  iteration(map: string, index: number, body: (b: this) => void): this {
    this.push('MapIterationStarted', { mapIterationStartedEventDetails: { name: map, index } });
    body(this);
    return this.push('MapIterationSucceeded', { mapIterationSucceededEventDetails: { name: map, index } });
  }

  failedIteration(map: string, index: number, error: string, message: string, body: (b: this) => void): this {
    this.push('MapIterationStarted', { mapIterationStartedEventDetails: { name: map, index } });
    body(this);
    this.push('TaskFailed', {
      taskFailedEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        error,
        cause: JSON.stringify({ errorType: error, errorMessage: message }),
      },
    });
    return this.push('MapIterationFailed', { mapIterationFailedEventDetails: { name: map, index } });
  }

  succeeded(output: unknown): this {
    return this.push('ExecutionSucceeded', { executionSucceededEventDetails: { output: JSON.stringify(output) } });
  }

  failed(error: string, cause: string): this {
    return this.push('ExecutionFailed', { executionFailedEventDetails: { error, cause } });
  }

  aborted(): this {
    return this.push('ExecutionAborted', {});
  }

  timedOut(): this {
    return this.push('ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } });
  }
}

export function round(partial: Partial<RoundState>): RoundState {
  return {
    status: 'waiting',
    round: 1,
    deadline: '2025-01-01T00:05:00Z',
    done: 0,
    total: 2,
    waiting: [],
    failures: [],
    ...partial,
  };
}

const state = (extra: Record<string, unknown> = {}) => ({ plan: PLAN, deployed: [], scheduled: [], ...extra });
const DEPLOYED = [
  { name: 'api', cluster: CLUSTER, taskDefinition: td('api', 42), updated: true },
  { name: 'worker', cluster: CLUSTER, taskDefinition: td('worker', 8), updated: true },
];
const SCHEDULED = [
  {
    rule: 'nightly',
    targets: [{ id: 'job', previousTaskDefinition: td('nightly', 3), taskDefinition: td('nightly', 4), changed: true }],
  },
];

/** Prepare, the scheduled task and both services updated: where a verify loop starts. */
export function deployedHistory(): HistoryBuilder {
  const b = new HistoryBuilder().started();
  b.state('Task', S.prepare, {}, state());
  b.state('Map', S.updateScheduledTasks, state());
  b.iteration(S.updateScheduledTasks, 0, (i) =>
    i.state('Task', S.updateScheduledTask, { rule: PLAN.scheduledTasks[0], deployment, mode: 'deploy' }, SCHEDULED[0]),
  );
  b.push('MapStateExited', {
    stateExitedEventDetails: { name: S.updateScheduledTasks, output: JSON.stringify(state({ scheduled: SCHEDULED })) },
  });
  b.state('Choice', S.strategyChoice, state(), state());
  b.state('Map', S.deployServices, state());
  PLAN.services.forEach((service, index) => {
    b.iteration(S.deployServices, index, (i) => {
      const registration = { taskDefinition: DEPLOYED[index]?.taskDefinition, registered: true };
      i.state('Task', S.registerTaskDefinition, { service, deployment }, { service, deployment, registration });
      i.state('Task', S.updateService, { service, deployment, registration }, DEPLOYED[index]);
    });
  });
  b.push('MapStateExited', {
    stateExitedEventDetails: {
      name: S.deployServices,
      output: JSON.stringify(state({ deployed: DEPLOYED, scheduled: SCHEDULED })),
    },
  });
  return b;
}

export function successHistory(): HistoryBuilder {
  const b = deployedHistory();
  const s = state({ deployed: DEPLOYED, scheduled: SCHEDULED });
  b.state('Pass', S.startVerify, s, { ...s, expect: 'new', round: null });
  b.state('Wait', S.waitVerify, s, s);
  b.state('Task', S.probe, s, { ...s, round: round({ done: 1, waiting: ['worker'] }) });
  b.state('Task', S.probe, s, { ...s, round: round({ status: 'done', round: 2, done: 2 }) });
  b.state('Pass', S.startDrain, s, s);
  b.state('Task', S.checkDrain, s, { ...s, round: round({ status: 'done', done: 2 }) });
  const report = {
    execution: EXECUTION_ARN,
    status: 'deployed',
    gitsha: SHA,
    services: [],
    scheduledTasks: [],
  };
  b.state('Task', S.report, s, report);
  b.state('Succeed', S.deployed, report, report);
  return b.succeeded(report);
}

export function rolledBackHistory(): HistoryBuilder {
  const b = deployedHistory();
  const s = state({ deployed: DEPLOYED, scheduled: SCHEDULED });
  b.state('Pass', S.startVerify, s, { ...s, expect: 'new', round: null });
  b.state('Task', S.probe, s, {
    ...s,
    round: round({
      status: 'failed',
      done: 1,
      waiting: ['worker'],
      failures: [{ service: 'worker', reason: 'tasks keep stopping: Essential container exited' }],
    }),
  });
  b.state('Choice', S.rollbackChoice, s, s);
  b.state('Map', S.rollBackServices, s);
  PLAN.services.forEach((service, index) => {
    b.iteration(S.rollBackServices, index, (i) =>
      i.state(
        'Task',
        S.rollBackService,
        { service, deployment },
        { name: service.name, taskDefinition: service.previousTaskDefinition, rolledBack: true },
      ),
    );
  });
  b.state('Task', S.probeRollback, s, { ...s, round: round({ status: 'done', done: 2 }) });
  b.state('Task', S.checkDrainRollback, s, { ...s, round: round({ status: 'done', done: 2 }) });
  b.iteration(S.rollBackScheduledTasks, 0, (i) =>
    i.state(
      'Task',
      S.rollBackScheduledTask,
      { rule: PLAN.scheduledTasks[0], deployment, mode: 'rollback' },
      SCHEDULED[0],
    ),
  );
  b.state('Fail', S.rolledBack, s);
  return b.failed(
    'Gehen.RolledBack',
    'The deployment failed; services and scheduled tasks are back on their previous task definitions.',
  );
}

/**
 * Answers GetExecutionHistory as AWS does (pages of `pageSize`, nextToken, reverseOrder) from the
 * first `visible` events; `reveal()` makes more of the history exist, as time passes.
 */
export function historyServer(events: readonly HistoryEvent[], options: { pageSize?: number; visible?: number } = {}) {
  const pageSize = options.pageSize ?? 100;
  let visible = options.visible ?? events.length;
  const calls: Array<{ reverseOrder: boolean; nextToken?: string }> = [];
  return {
    calls,
    reveal(count: number) {
      visible = Math.min(events.length, visible + count);
    },
    get visible() {
      return visible;
    },
    handle(input: { reverseOrder?: boolean; nextToken?: string; maxResults?: number }) {
      calls.push({ reverseOrder: input.reverseOrder ?? false, nextToken: input.nextToken });
      const shown = events.slice(0, visible);
      const ordered = input.reverseOrder ? [...shown].reverse() : shown;
      const start = input.nextToken ? Number(input.nextToken) : 0;
      const size = Math.min(pageSize, input.maxResults ?? 100);
      const page = ordered.slice(start, start + size);
      return { events: page, nextToken: start + size < ordered.length ? String(start + size) : undefined };
    },
  };
}
