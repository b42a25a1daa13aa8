import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { StateNames as S } from '../lib/state-names';
import { type SandboxAssembly, startGehenSandbox } from '../sandbox/gehen-sandbox';
import { type BenchFleetOptions, benchConfig, benchFleet } from './bench-fleet';
import type { GateWaitRun, WaitMode } from './result';
import type { BenchContext } from './scale';
import { median } from './stats';
import { decisionStats, deploySamples, inBothModes, lastEcsEventAt } from './wait-samples';

const GATE_STAGE = 'POST_TEST_TRAFFIC_SHIFT';
/**
 * BLUE_GREEN without bake time, paused at the gate's stage by a PAUSE hook
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html): once
 * continued, a deployment shifts production traffic and cleans up at once, so the rest of each
 * sample is short. The strategy shifts traffic between two target groups: every service has a
 * load balancer.
 */
const GATED_BLUE_GREEN: BenchFleetOptions['deploymentConfiguration'] = {
  strategy: 'BLUE_GREEN',
  bakeTimeInMinutes: 0,
  lifecycleHooks: [
    {
      targetType: 'PAUSE',
      lifecycleStages: [GATE_STAGE],
      timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' },
    },
  ],
};
/** Added to every start so that the hooks come after Deploy Services has updated the last service and the gate loop began. */
const HOOK_LEAD_SECONDS = 3;
/**
 * Neither the verify phase nor the drain is the subject: their Waits (the drain's only in the
 * polling baseline, where Wait For Drain is a Wait) wait this long in both modes.
 */
const OTHER_WAIT_SECONDS = 1;

export interface GateWaitSpec {
  services: number;
  samples: number;
  pollIntervalSeconds: number;
}

/**
 * Issue 16 §3, the gate: the same gated deployments on the synthesized workflow (Check Gate finds
 * services not paused yet and Wait For Hooks At Gate parks until their PAUSE hooks' `ECS Hook
 * State Change` events) and on the polling baseline (./polling-baseline.ts: the gate loop as it
 * was before, Start Gate → Wait At Gate → Check Gate …), each mode on a fresh sandbox. The gate
 * holds every service at POST_TEST_TRAFFIC_SHIFT with `approval: none`; no service has a testUrl,
 * so the gate waits on ECS alone. Per deployment: the gate loop's state transitions and the
 * seconds from the deciding event — the last HOOK_AWAITING_ACTION of the deployment's services,
 * timestamped where the sandbox's ECS puts it on the bus — to the decision: entering Approval
 * Needed?, the first state after Every Service At Gate? that only a round finding every service
 * paused leads to (with approval none and no bake it goes on to Bake At Gate? and Continue Gate).
 *
 * Sample i's new tasks take 3 s + (1 + i / samples) poll intervals to start (a `startSeconds` fault
 * on the new tag): the hooks start waiting at points spread evenly over the polling Wait's
 * interval, each after more than one interval, as the drain's samples do (./event-wait.ts).
 */
export function measureGateWait(specs: readonly GateWaitSpec[], context: BenchContext): Promise<GateWaitRun[]> {
  return inBothModes(specs, context, (spec, mode, assembly) => measureMode(spec, mode, assembly, context));
}

async function measureMode(
  spec: GateWaitSpec,
  mode: WaitMode,
  assembly: SandboxAssembly,
  context: BenchContext,
): Promise<GateWaitRun> {
  const shas = Array.from({ length: spec.samples }, (_, i) => (0x9a7e000 + i).toString(16));
  const hookSeconds = shas.map((_, i) => HOOK_LEAD_SECONDS + spec.pollIntervalSeconds * (1 + i / spec.samples));
  const fleet = benchFleet({
    services: spec.services,
    loadBalancerEvery: 1,
    scheduledTasks: 0,
    deploymentConfiguration: GATED_BLUE_GREEN,
    faults: Object.fromEntries(shas.map((sha, i) => [sha, { startSeconds: hookSeconds[i] ?? 0 }])),
  });
  const sandbox = await startGehenSandbox({
    fleet,
    port: 0,
    assembly,
    waitSeconds: { [S.waitVerify]: OTHER_WAIT_SECONDS, [S.waitDrain]: OTHER_WAIT_SECONDS },
  });
  // No urls and no testUrls: the gate and verify wait on ECS alone.
  const config = benchConfig(
    fleet,
    {},
    {
      pollIntervalSeconds: spec.pollIntervalSeconds,
      requiredMatches: 1,
      gate: { stage: GATE_STAGE, approval: 'none' },
    },
  );
  const samples = await deploySamples(sandbox, context, config, shas, `gate-wait (${mode})`, (history, since, i) =>
    // The deciding event: when the last service's PAUSE hook began waiting, the gate could decide.
    sampleOf(
      history,
      lastEcsEventAt(sandbox.events.events, since, 'HOOK_AWAITING_ACTION'),
      hookSeconds[i] ?? 0,
      shas[i] ?? '',
    ),
  );
  context.log(
    `  gate, ${spec.services} service(s), ${mode}: decision ${samples.map((s) => s.decisionSeconds.toFixed(2)).join(', ')} s; gate transitions ${samples.map((s) => s.gateTransitions).join(', ')}`,
  );
  return {
    mode,
    services: spec.services,
    pollIntervalSeconds: spec.pollIntervalSeconds,
    samples,
    gateTransitionsMedian: median(samples.map((s) => s.gateTransitions)),
    gateTransitionsTotal: samples.reduce((sum, s) => sum + s.gateTransitions, 0),
    ...decisionStats(samples),
  };
}

function sampleOf(history: readonly HistoryEvent[], pausedAt: number, hookSeconds: number, sha: string) {
  const entries = history.filter((e) => e.type?.endsWith('StateEntered'));
  const indexOf = (name: string) => entries.findIndex((e) => e.stateEnteredEventDetails?.name === name);
  const start = indexOf(S.startGate);
  const decision = indexOf(S.approvalChoice);
  const startedAt = entries[start]?.timestamp?.getTime();
  const decidedAt = entries[decision]?.timestamp?.getTime();
  if (start < 0 || decision < 0 || startedAt === undefined || decidedAt === undefined) {
    throw new Error(`gate-wait sample ${sha}: the history never entered ${S.startGate} and ${S.approvalChoice}`);
  }
  const gateLoop = entries.slice(start, decision);
  return {
    gitsha: sha,
    hookSeconds,
    gateTransitions: gateLoop.length,
    stateTransitions: entries.length,
    gateRounds: gateLoop.filter((e) => e.stateEnteredEventDetails?.name === S.checkGate).length,
    decisionSeconds: (decidedAt - pausedAt) / 1000,
    // A deciding event before the gate loop began would measure Deploy Services, not the wait.
    eventDuringGate: pausedAt >= startedAt,
  };
}
