import { setTimeout as delay } from 'node:timers/promises';
import { SFNClient } from '@aws-sdk/client-sfn';
import { readHistory } from '../cli/execution-history';
import { startGehenSandbox } from '../sandbox/gehen-sandbox';
import { benchConfig, benchFleet } from './bench-fleet';
import { leftVerifyAt } from './history';
import type { LatencyResult } from './result';
import { runDeploy } from './run-deploy';
import type { BenchContext } from './scale';
import { median } from './stats';

/** The load balancer is polled this often… */
const LB_POLL_MS = 20;
/** …and serves only the new version from the first of this many consecutive new responses. */
const STREAK = 5;
const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

export interface LatencySpec {
  pollIntervalSeconds: number;
  samples: number;
}

/**
 * How long gehen takes to know the truth: from the moment the service's load balancer first
 * serves only the new version to the moment the workflow leaves the verify loop. One service
 * with one task behind a load balancer, deployed again for every sample. Each sample's task
 * starts after a different fraction of the poll interval (spread evenly), so the samples do not
 * all catch the verify loop's Wait at the same point.
 */
export async function measureDetectionLatency(
  specs: readonly LatencySpec[],
  context: BenchContext,
): Promise<LatencyResult[]> {
  const samples = specs.flatMap((spec) =>
    Array.from({ length: spec.samples }, (_, i) => ({
      spec,
      sha: (0xc0ffee0 + i + 16 * spec.pollIntervalSeconds).toString(16),
      startSeconds: (spec.pollIntervalSeconds * (i + 0.5)) / spec.samples,
    })),
  );
  const fleet = benchFleet({
    services: 1,
    loadBalancerEvery: 1,
    scheduledTasks: 0,
    timing: { taskStartSeconds: 0.5, drainSeconds: 0.5 },
    faults: Object.fromEntries(samples.map((s) => [s.sha, { startSeconds: s.startSeconds }])),
  });
  const sandbox = await startGehenSandbox({ fleet, port: 0, assembly: context.assembly });
  const sfn = new SFNClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials: CREDENTIALS });
  const [service] = fleet.services ?? [];
  const url = service ? sandbox.loadBalancers[service.name] : undefined;
  if (!service || !url) throw new Error('the latency fleet has no load-balanced service');
  try {
    const results: LatencyResult[] = [];
    for (const spec of specs) {
      const config = benchConfig(fleet, sandbox.loadBalancers, { pollIntervalSeconds: spec.pollIntervalSeconds });
      const samplesSeconds: number[] = [];
      for (const { sha } of samples.filter((s) => s.spec === spec)) {
        const stop = new AbortController();
        const onlyNew = firstOnlyNew(url, `${service.name}-${sha}`, stop.signal);
        const run = await runDeploy(sandbox, context.dir, config, sha).finally(() => stop.abort());
        const onlyNewAt = await onlyNew;
        const left = leftVerifyAt(await readHistory(sfn, run.executionArn));
        if (run.exitCode !== 0 || onlyNewAt === null || left === null) {
          throw new Error(`latency sample ${sha} did not deploy cleanly (exit ${run.exitCode}, ${run.status})`);
        }
        samplesSeconds.push((left - onlyNewAt) / 1000);
      }
      results.push({
        pollIntervalSeconds: spec.pollIntervalSeconds,
        samplesSeconds,
        medianSeconds: median(samplesSeconds),
        maxSeconds: Math.max(...samplesSeconds),
      });
      context.log(
        `  latency at ${spec.pollIntervalSeconds} s: ${samplesSeconds.map((s) => s.toFixed(2)).join(', ')} s`,
      );
    }
    return results;
  } finally {
    sfn.destroy();
    await sandbox.close();
  }
}

/** Epoch ms of the first of STREAK consecutive responses whose Server header is `expected`. */
async function firstOnlyNew(url: string, expected: string, signal: AbortSignal): Promise<number | null> {
  let streakStart = 0;
  let streak = 0;
  while (!signal.aborted) {
    const sent = Date.now();
    let server: string | null = null;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      server = response.headers.get('server');
      await response.arrayBuffer();
    } catch {
      server = null; // no healthy task at this instant: not the new version either
    }
    const at = Date.now();
    if (server === expected) {
      if (streak === 0) streakStart = at;
      streak += 1;
      if (streak >= STREAK) return streakStart;
    } else {
      streak = 0;
    }
    await delay(Math.max(0, LB_POLL_MS - (at - sent)));
  }
  return null;
}
