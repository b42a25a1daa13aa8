import { SFNClient } from '@aws-sdk/client-sfn';
import { readHistory } from '../cli/execution-history';
import type { FleetInput } from '../sandbox';
import type { SandboxAssembly } from '../sandbox/gehen-sandbox';
import { startGehenSandbox } from '../sandbox/gehen-sandbox';
import { bucketOf } from '../sandbox/throttling';
import { benchConfig, benchFleet, CRASHING_SHA } from './bench-fleet';
import { historyMetrics } from './history';
import type { FleetShape } from './largest-fleet';
import type { ApiLoad, ScaleRun, ThrottledRun } from './result';
import { runDeploy } from './run-deploy';
import { readStats, resetStats, type SandboxStatsBody, snapshotAtFirstPoll } from './sandbox-stats';

/** The original polled DescribeServices, ListTasks and DescribeTasks for every service each round. */
export const ORIGINAL_CALLS_PER_SERVICE_PER_ROUND = 3;
const CLUSTERS = 4;
const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

export interface ScaleSpec {
  label: string;
  services: number;
  /** Deploy an image that crashes: the circuit breaker fails the rollout and gehen rolls everything back. */
  rollback: boolean;
  pollIntervalSeconds: number;
  /** Names and urls padded to this many characters, every service with a url (default: `svc-001`, one url in 50). */
  shape?: FleetShape;
  /** `aws`: the sandbox throttles as AWS does; the run is measured against RegisterTaskDefinition's floor. */
  throttling?: 'aws';
}

export interface BenchContext {
  assembly: SandboxAssembly;
  memoryMbByArn: ReadonlyMap<string, number>;
  /** A scratch directory for gehen.yml files. */
  dir: string;
  log: (line: string) => void;
}

/** One deployment of a generated fleet on a fresh sandbox: its time, history and ECS calls. */
export async function runScale(spec: ScaleSpec, context: BenchContext): Promise<ScaleRun> {
  const fleet = benchFleet({
    services: spec.services,
    clusters: CLUSTERS,
    throttling: spec.throttling,
    ...(spec.shape ? { nameLength: spec.shape.nameLength, loadBalancerEvery: 1, scheduledTasks: 0 } : {}),
  });
  const sandbox = await startGehenSandbox({ fleet, port: 0, assembly: context.assembly });
  const sfn = new SFNClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials: CREDENTIALS });
  try {
    const config = benchConfig(fleet, sandbox.loadBalancers, {
      pollIntervalSeconds: spec.pollIntervalSeconds,
      urlLength: spec.shape?.urlLength,
    });
    await resetStats(sandbox.endpoint);
    const snapshot = snapshotAtFirstPoll(sandbox);
    const run = await runDeploy(sandbox, context.dir, config, spec.rollback ? CRASHING_SHA : '2222222').finally(() =>
      snapshot.stop(),
    );
    const atFirstPoll = await snapshot.result();
    const end = await readStats(sandbox.endpoint);
    const events = await readHistory(sfn, run.executionArn);
    const metrics = historyMetrics(events, context.memoryMbByArn, end.executions[run.executionArn]?.events ?? null);
    const first = events[0]?.timestamp?.getTime() ?? run.startedAt;
    const last = events.at(-1)?.timestamp?.getTime() ?? run.endedAt;
    const wallSeconds = (run.endedAt - run.startedAt) / 1000;
    const result: ScaleRun = {
      label: spec.label,
      services: spec.services,
      clusters: Math.min(CLUSTERS, spec.services),
      scheduledTasks: fleet.scheduledTasks?.length ?? 0,
      rollback: spec.rollback,
      pollIntervalSeconds: spec.pollIntervalSeconds,
      status: run.status,
      exitCode: run.exitCode,
      wallSeconds,
      executionSeconds: (last - first) / 1000,
      // Throttled runs retry: their calls say more about the SDK's backoff than about gehen's polling.
      apiLoad:
        spec.rollback || spec.throttling || atFirstPoll === null
          ? null
          : apiLoad(spec.services, metrics.pollRounds, atFirstPoll, end.calls),
      throttling: spec.throttling ? throttledRun(fleet, end, wallSeconds, sandbox.region) : null,
      executionArn: run.executionArn,
      ...metrics,
    };
    context.log(
      `  ${spec.label}: ${result.status} in ${result.wallSeconds.toFixed(1)} s, ${result.historyEvents} events, ${result.pollRounds} rounds`,
    );
    return result;
  } finally {
    sfn.destroy();
    await sandbox.close();
  }
}

function throttledRun(fleet: FleetInput, stats: SandboxStatsBody, wallSeconds: number, region: string): ThrottledRun {
  const { burst, rate } = bucketOf('ecs', 'RegisterTaskDefinition', region);
  // What the deploy must register, whether or not it got that far.
  const registrations =
    (fleet.services?.length ?? 0) + (fleet.scheduledTasks ?? []).reduce((sum, task) => sum + task.targets.length, 0);
  const floorSeconds = Math.max(0, registrations - burst) / rate;
  return {
    registrations,
    burst,
    ratePerSecond: rate,
    floorSeconds,
    ratio: floorSeconds > 0 ? wallSeconds / floorSeconds : null,
    throttledCalls: stats.throttled,
  };
}

function apiLoad(
  services: number,
  pollRounds: number,
  before: Record<string, number>,
  after: Record<string, number>,
): ApiLoad {
  const callsByOperation: Record<string, number> = {};
  for (const [operation, count] of Object.entries(after)) {
    const delta = count - (before[operation] ?? 0);
    if (operation.startsWith('ecs:') && delta > 0) callsByOperation[operation] = delta;
  }
  const per = (calls: number) => (pollRounds === 0 ? 0 : calls / (services * pollRounds));
  const perServicePerRound = Object.fromEntries(Object.entries(callsByOperation).map(([op, n]) => [op, per(n)]));
  const reads = Object.entries(callsByOperation)
    .filter(([op]) => /^ecs:(Describe|List)/.test(op))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    services,
    pollRounds,
    callsByOperation,
    perServicePerRound,
    readCallsPerServicePerRound: per(reads),
    originalPerServicePerRound: ORIGINAL_CALLS_PER_SERVICE_PER_ROUND,
  };
}
