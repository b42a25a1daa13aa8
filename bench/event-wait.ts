import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { SFNClient } from '@aws-sdk/client-sfn';
import { readHistory } from '../cli/execution-history';
import { StateNames as S } from '../lib/state-names';
import { type SandboxAssembly, startGehenSandbox } from '../sandbox/gehen-sandbox';
import { BASE_SHA, benchConfig, benchFleet } from './bench-fleet';
import { lastEcsEventAt } from './deciding-event';
import { pollingAssembly } from './polling-baseline';
import type { EventWaitRun, EventWaitSample, WaitMode } from './result';
import { runDeploy } from './run-deploy';
import type { BenchContext } from './scale';
import { median } from './stats';

const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
/** The verify phase is not the subject: its Wait Before Probing waits this long in both modes. */
const VERIFY_WAIT_SECONDS = 1;
/** Added to every drain so that it outlasts the verify phase: the deciding event comes while the drain loop runs. */
const DRAIN_LEAD_SECONDS = 3;

export interface EventWaitSpec {
  services: number;
  samples: number;
  pollIntervalSeconds: number;
}

/**
 * Issue 16 §3: the same deployments on the synthesized workflow (the drain waits on ECS's events)
 * and on the polling baseline (./polling-baseline.ts), each on a fresh sandbox. Per deployment:
 * the state transitions (StateEntered events: what Standard workflows bill) and the seconds from
 * the deciding ECS event — the last SERVICE_DEPLOYMENT_COMPLETED of the deployment's services,
 * timestamped where the sandbox's ECS puts it on the bus — to the workflow's decision (it enters
 * Clean Up Revisions?, the state after Old Version Drained?).
 *
 * Sample i drains the old version for 3 s + (1 + i / samples) poll intervals (a `drainSeconds`
 * fault on the old tag): the samples meet the polling Wait at points spread evenly over its
 * interval, and each drain outlasts one interval, as drains do (ECS's default deregistration
 * delay is 300 s; at 15 s a drain shorter than one interval costs the event wait 2 transitions
 * more than polling: docs/performance.md).
 */
export async function measureEventWait(
  specs: readonly EventWaitSpec[],
  context: BenchContext,
): Promise<EventWaitRun[]> {
  const runs: EventWaitRun[] = [];
  for (const spec of specs) {
    for (const mode of ['event', 'poll'] as const) {
      const assembly = mode === 'event' ? context.assembly : pollingAssembly(context.assembly);
      runs.push(await measureMode(spec, mode, assembly, context));
    }
  }
  return runs;
}

async function measureMode(
  spec: EventWaitSpec,
  mode: WaitMode,
  assembly: SandboxAssembly,
  context: BenchContext,
): Promise<EventWaitRun> {
  const shas = Array.from({ length: spec.samples }, (_, i) => (0xe16b000 + i).toString(16));
  const drainSeconds = shas.map((_, i) => DRAIN_LEAD_SECONDS + spec.pollIntervalSeconds * (1 + i / spec.samples));
  // A drain fault is keyed by the tag whose tasks stop: sample i drains sample i − 1's tasks.
  const olds = [BASE_SHA, ...shas.slice(0, -1)];
  const fleet = benchFleet({
    services: spec.services,
    loadBalancerEvery: spec.services,
    scheduledTasks: 0,
    faults: Object.fromEntries(olds.map((old, i) => [old, { drainSeconds: drainSeconds[i] ?? 0 }])),
  });
  const sandbox = await startGehenSandbox({
    fleet,
    port: 0,
    assembly,
    waitSeconds: { [S.waitVerify]: VERIFY_WAIT_SECONDS },
  });
  const sfn = new SFNClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials: CREDENTIALS });
  try {
    const config = benchConfig(fleet, sandbox.loadBalancers, {
      pollIntervalSeconds: spec.pollIntervalSeconds,
      requiredMatches: 1,
    });
    const samples: EventWaitSample[] = [];
    for (const [i, sha] of shas.entries()) {
      const run = await runDeploy(sandbox, context.dir, config, sha);
      if (run.exitCode !== 0) throw new Error(`event-wait sample ${sha} (${mode}) ended ${run.status}`);
      const history = await readHistory(sfn, run.executionArn);
      // When the last old version was gone.
      const completedAt = lastEcsEventAt(sandbox.events.events, run.startedAt / 1000, 'SERVICE_DEPLOYMENT_COMPLETED');
      samples.push(sampleOf(history, completedAt, drainSeconds[i] ?? 0, sha));
    }
    const result: EventWaitRun = {
      mode,
      services: spec.services,
      pollIntervalSeconds: spec.pollIntervalSeconds,
      samples,
      transitionsMedian: median(samples.map((s) => s.stateTransitions)),
      transitionsTotal: samples.reduce((sum, s) => sum + s.stateTransitions, 0),
      decisionMedianSeconds: median(samples.map((s) => s.decisionSeconds)),
      decisionMaxSeconds: Math.max(...samples.map((s) => s.decisionSeconds)),
    };
    context.log(
      `  ${spec.services} service(s), ${mode}: decision ${samples.map((s) => s.decisionSeconds.toFixed(2)).join(', ')} s; transitions ${samples.map((s) => s.stateTransitions).join(', ')}`,
    );
    return result;
  } finally {
    sfn.destroy();
    await sandbox.close();
  }
}

function sampleOf(history: readonly HistoryEvent[], completedAt: number, drainSeconds: number, sha: string) {
  const entered = (name: string) =>
    history.find((e) => e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name === name)?.timestamp;
  const decidedAt = entered(S.cleanUpChoice)?.getTime();
  const drainStartedAt = entered(S.startDrain)?.getTime();
  if (decidedAt === undefined || drainStartedAt === undefined) {
    throw new Error(`event-wait sample ${sha}: the history never entered ${S.startDrain} and ${S.cleanUpChoice}`);
  }
  const named = (name: string) =>
    history.filter((e) => e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name === name).length;
  return {
    gitsha: sha,
    drainSeconds,
    stateTransitions: history.filter((e) => e.type?.endsWith('StateEntered')).length,
    drainRounds: named(S.checkDrain),
    decisionSeconds: (decidedAt - completedAt) / 1000,
    // A deciding event before the drain loop began would measure the verify phase, not the wait.
    eventDuringDrain: completedAt >= drainStartedAt,
  };
}
