import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { StateNames as S } from '../lib/state-names';
import { type SandboxAssembly, startGehenSandbox } from '../sandbox/gehen-sandbox';
import { BASE_SHA, benchConfig, benchFleet } from './bench-fleet';
import type { EventWaitRun, WaitMode } from './result';
import type { BenchContext } from './scale';
import { median } from './stats';
import { decisionStats, deploySamples, inBothModes, lastEcsEventAt } from './wait-samples';

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
export function measureEventWait(specs: readonly EventWaitSpec[], context: BenchContext): Promise<EventWaitRun[]> {
  return inBothModes(specs, context, (spec, mode, assembly) => measureMode(spec, mode, assembly, context));
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
  const config = benchConfig(fleet, sandbox.loadBalancers, {
    pollIntervalSeconds: spec.pollIntervalSeconds,
    requiredMatches: 1,
  });
  const samples = await deploySamples(sandbox, context, config, shas, `event-wait (${mode})`, (history, since, i) =>
    // The deciding event: when the last old version was gone.
    sampleOf(
      history,
      lastEcsEventAt(sandbox.events.events, since, 'SERVICE_DEPLOYMENT_COMPLETED'),
      drainSeconds[i] ?? 0,
      shas[i] ?? '',
    ),
  );
  context.log(
    `  ${spec.services} service(s), ${mode}: decision ${samples.map((s) => s.decisionSeconds.toFixed(2)).join(', ')} s; transitions ${samples.map((s) => s.stateTransitions).join(', ')}`,
  );
  return {
    mode,
    services: spec.services,
    pollIntervalSeconds: spec.pollIntervalSeconds,
    samples,
    transitionsMedian: median(samples.map((s) => s.stateTransitions)),
    transitionsTotal: samples.reduce((sum, s) => sum + s.stateTransitions, 0),
    ...decisionStats(samples),
  };
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
