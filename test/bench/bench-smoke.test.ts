import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult } from '../../bench/result';
import { runBench } from '../../bench/run-bench';
import { renderTable } from '../../bench/table';

const root = join(__dirname, '..', '..');

// `npm run bench -- --smoke` in-process: every section filled with sane figures. Speed and size
// targets are the benchmark's business (it prints PASS/MISS), never this test's.
describe('npm run bench --smoke', () => {
  let result: BenchResult;
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'cli', 'gehen.cjs'))) {
      execFileSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs')], { cwd: root });
    }
    result = await runBench({ smoke: true, command: 'jest test/bench' });
  }, 240_000);

  it('measures a deployment of 3 services, a 3-service rollback and a throttled deploy, with their history', () => {
    expect(result.scale.map((run) => [run.services, run.rollback, run.throttling !== null, run.status])).toEqual([
      [3, false, false, 'deployed'],
      [3, true, false, 'rolled-back'],
      [3, false, true, 'deployed'],
    ]);
    for (const run of result.scale) {
      expect(run.wallSeconds).toBeGreaterThan(0);
      expect(run.pollRounds).toBeGreaterThan(0);
      expect(run.stateTransitions).toBeGreaterThan(run.pollRounds);
      expect(run.historyEvents).toBeGreaterThan(run.stateTransitions);
      expect(run.statsEvents).toBe(run.historyEvents);
      expect(run.maxPayloadBytes).toBeGreaterThan(0);
      expect(run.lambdaGbSeconds).toBeGreaterThan(0);
    }
    expect(result.scale[1]?.historyEvents).toBeGreaterThan(result.scale[0]?.historyEvents ?? Infinity);
  });

  it('sets the throttled deploy beside the floor of RegisterTaskDefinition’s token bucket', () => {
    // 3 registrations fit in the burst of 20: no floor at this size (200 services: 180 s).
    expect(result.scale[2]?.throttling).toEqual({
      registrations: 3,
      burst: 20,
      ratePerSecond: 1,
      floorSeconds: 0,
      ratio: null,
      throttledCalls: {},
    });
    expect(renderTable(result)).toContain('| wall time ÷ RegisterTaskDefinition floor');
  });

  it('counts the ECS calls of the poll rounds by operation', () => {
    expect(result.apiLoad?.pollRounds).toBeGreaterThan(0);
    expect(result.apiLoad?.callsByOperation['ecs:DescribeServices']).toBeGreaterThan(0);
    expect(result.apiLoad?.readCallsPerServicePerRound).toBeGreaterThan(0);
    expect(result.apiLoad?.originalPerServicePerRound).toBe(3);
  });

  it('times detection from the load balancer serving only the new version', () => {
    expect(result.latency).toHaveLength(1);
    expect(result.latency[0]?.samplesSeconds).toHaveLength(1);
    expect(Number.isFinite(result.latency[0]?.medianSeconds)).toBe(true);
  });

  it('sets the drain waiting on ECS events beside the polling baseline, from the deciding event to the decision', () => {
    expect(result.eventWait.map((run) => [run.services, run.mode, run.samples.length])).toEqual([
      [1, 'event', 1],
      [1, 'poll', 1],
    ]);
    for (const run of result.eventWait) {
      const [sample] = run.samples;
      // The drain outlasts the verify phase: the event came while the drain loop ran, before the decision.
      expect(sample?.eventDuringDrain).toBe(true);
      expect(sample?.decisionSeconds).toBeGreaterThan(0);
      expect(sample?.drainRounds).toBeGreaterThan(0);
    }
    expect(renderTable(result)).toContain('| Event wait');
  });

  it("sets the gate's hook wait beside the polling baseline, from the last hook paused to the decision", () => {
    expect(result.gateWait.map((run) => [run.services, run.mode, run.samples.length])).toEqual([
      [1, 'event', 1],
      [1, 'poll', 1],
    ]);
    for (const run of result.gateWait) {
      const [sample] = run.samples;
      expect(sample?.eventDuringGate).toBe(true);
      expect(sample?.decisionSeconds).toBeGreaterThan(0);
      expect(sample?.gateRounds).toBeGreaterThan(0);
    }
    expect(renderTable(result)).toContain('| Gate wait');
  });

  it('sizes and loads every Lambda bundle and starts the CLI', () => {
    expect(result.coldStart.bundles.map((b) => b.step)).toEqual(
      expect.arrayContaining(['prepare', 'probe', 'check-drain', 'roll-back', 'report']),
    );
    for (const bundle of result.coldStart.bundles) {
      expect(bundle.bytes).toBeGreaterThan(1000);
      expect(bundle.loadMsMedian).toBeGreaterThan(0);
      expect(bundle.memoryMb).toBeGreaterThanOrEqual(128);
    }
    expect(result.coldStart.cli.map((c) => c.command)).toEqual([
      'gehen --version',
      'gehen --help',
      'gehen validate --path 3MB.yml',
    ]);
    expect(result.targets.map((t) => t.name)).toContain('gehen validate --path 3MB.yml');
  });

  it('prices a deployment and checks every target in one table', () => {
    expect(result.cost.map((c) => c.services)).toEqual([3]);
    for (const cost of result.cost) expect(cost.totalUsd).toBeCloseTo(cost.stepFunctionsUsd + cost.lambdaUsd, 10);
    expect(result.targets.length).toBeGreaterThanOrEqual(4 + 2 * result.coldStart.bundles.length);
    expect(result.machine.cpus).toBeGreaterThan(0);
    const table = renderTable(result);
    for (const section of ['Scale', 'API load', 'Detection', 'Cold start', 'Cost'])
      expect(table).toContain(`| ${section}`);
  });
});
