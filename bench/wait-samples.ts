import { type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { readHistory } from '../cli/execution-history';
import type { GehenSandbox, SandboxAssembly } from '../sandbox/gehen-sandbox';
import { pollingAssembly } from './polling-baseline';
import type { WaitMode } from './result';
import { runDeploy } from './run-deploy';
import type { BenchContext } from './scale';
import { median } from './stats';

/** What the wait benchmarks (./event-wait.ts, ./gate-wait.ts) share: their modes, their samples, the deciding event. */

/** An event the sandbox's EventBridge stored, as `sandbox.events.events` holds it (`time` in epoch seconds). */
export interface StoredBusEvent {
  Source?: string;
  Detail?: string;
  time: number;
}

/**
 * Epoch ms of the last `aws.ecs` event named `eventName` (its detail's `eventName`) put since
 * `sinceSeconds`: the deciding event of a wait on many services is the last one's, timestamped
 * where the sandbox's ECS puts it on the bus.
 */
export function lastEcsEventAt(events: readonly StoredBusEvent[], sinceSeconds: number, eventName: string): number {
  const matching = events.filter(
    (event) =>
      event.Source === 'aws.ecs' &&
      event.time >= sinceSeconds &&
      (JSON.parse(event.Detail ?? '{}') as { eventName?: string }).eventName === eventName,
  );
  if (matching.length === 0) throw new Error(`ECS put no ${eventName} event for the deployment`);
  return Math.max(...matching.map((event) => event.time)) * 1000;
}

/**
 * A wait benchmark's runs: for each spec, the event-waiting workflow (the synthesized assembly)
 * then the polling baseline (./polling-baseline.ts), each measured by `measure` on its own sandbox.
 */
export async function inBothModes<Spec, Run>(
  specs: readonly Spec[],
  context: BenchContext,
  measure: (spec: Spec, mode: WaitMode, assembly: SandboxAssembly) => Promise<Run>,
): Promise<Run[]> {
  const runs: Run[] = [];
  for (const spec of specs) {
    for (const mode of ['event', 'poll'] as const) {
      runs.push(await measure(spec, mode, mode === 'event' ? context.assembly : pollingAssembly(context.assembly)));
    }
  }
  return runs;
}

/**
 * Deploys each SHA in turn on `sandbox` (closed at the end), each one required to succeed, and
 * makes a sample of each from its history and the events ECS put since it started.
 */
export async function deploySamples<Sample>(
  sandbox: GehenSandbox,
  context: BenchContext,
  config: string,
  shas: readonly string[],
  label: string,
  sampleOf: (history: HistoryEvent[], startedAtSeconds: number, index: number) => Sample,
): Promise<Sample[]> {
  const sfn = new SFNClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials: CREDENTIALS });
  try {
    const samples: Sample[] = [];
    for (const [i, sha] of shas.entries()) {
      const run = await runDeploy(sandbox, context.dir, config, sha);
      if (run.exitCode !== 0) throw new Error(`${label} sample ${sha} ended ${run.status}`);
      samples.push(sampleOf(await readHistory(sfn, run.executionArn), run.startedAt / 1000, i));
    }
    return samples;
  } finally {
    sfn.destroy();
    await sandbox.close();
  }
}

/** The samples' decision seconds, summarized. */
export function decisionStats(samples: ReadonlyArray<{ decisionSeconds: number }>) {
  return {
    decisionMedianSeconds: median(samples.map((s) => s.decisionSeconds)),
    decisionMaxSeconds: Math.max(...samples.map((s) => s.decisionSeconds)),
  };
}

const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
