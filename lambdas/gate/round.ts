import type { AwsClients } from '../shared/aws/clients';
import type { Plan, RoundState, ServiceDeployment } from '../shared/contracts/state';
import { mapWithConcurrency } from '../shared/map-with-concurrency';
import { DEFAULT_PROBE_TIMEOUT_MS, type FetchLike, probeSha } from '../shared/verify/probe';
import { phaseDeadline, shaMatches, summarizeRound, type Verdict } from '../shared/verify/round';
import { type ReadDeployment, readDeployments, standing } from './deployments';

/** Check Gate's input: the plan, Deploy Services' results and the phase's round so far. */
export interface GateRoundInput {
  plan: Plan;
  deployed: ServiceDeployment[];
  /** Absent or null: the phase's first round (Check Gate After Bake's only one). */
  round?: RoundState | null;
  /**
   * The round after Bake At Gate: the gate must still hold now, so a service still waiting (its
   * testUrl not answering) fails it rather than waiting for another round.
   */
  final?: boolean;
}

export interface GateRoundDeps {
  clients: Pick<AwsClients, 'ecs'>;
  fetch: FetchLike;
  now: () => Date;
  /** Per HTTP probe. @default 5000 */
  probeTimeoutMs?: number;
  /** When the round must have returned (the Lambda's timeout): no probe starts that would end later. */
  roundEndsAt?: Date;
}

const PROBE_CONCURRENCY = 16;
const ROUND_RESERVE_MS = 2000;

/**
 * Check Gate: one poll round of the gate phase. Reads every service's deployment and, once it is
 * paused at the gate's stage, probes its testUrl for the new SHA `requiredMatches` times in a row
 * (the same probe, limits and SHA matching as Probe New Version). Done when every service is
 * paused and confirmed; failed at once when any deployment was rolled back, stopped, timed out at
 * a hook or went past the stage, or a paused service's testUrl serves another version (the test
 * listener sends it all of its traffic at the gate's stages); expired at the phase deadline. Read only.
 *
 * `confirmed` keeps the positions (in plan.services) of testUrls confirmed in earlier rounds of the
 * phase: they are not probed again, but their deployment is read every round.
 */
export async function gateRound(input: GateRoundInput, deps: GateRoundDeps): Promise<RoundState> {
  const { plan } = input;
  const gate = plan.gate;
  if (!gate) throw new Error('Check Gate runs only for a plan with a gate');
  const now = deps.now();
  const deadline = phaseDeadline(input.round ?? null, now, plan.deployment.timeoutSeconds);
  const earlier = new Set((input.round?.confirmed ?? []).filter((c): c is number => typeof c === 'number'));
  const read = await readDeployments(plan.services, input.deployed, deps.clients);

  const toProbe = plan.services.flatMap((service, index) => {
    const r = read[index] as ReadDeployment;
    const paused = 'deployment' in r && standing(r.deployment, gate.stage).kind === 'paused';
    return paused && service.testUrl && !earlier.has(index) ? [{ index, url: service.testUrl }] : [];
  });
  const probeTimeoutMs = deps.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const lastStart = deps.roundEndsAt && deps.roundEndsAt.getTime() - ROUND_RESERVE_MS - probeTimeoutMs;
  const mayStart = () => lastStart === undefined || deps.now().getTime() <= lastStart;
  const probed = await mapWithConcurrency(toProbe, PROBE_CONCURRENCY, ({ url }) =>
    testUrlVerdict(url, plan.deployment.gitsha, plan.deployment.requiredMatches, {
      fetch: deps.fetch,
      timeoutMs: probeTimeoutMs,
      mayStart,
    }),
  );
  const probes = new Map(toProbe.map((p, i) => [p.index, probed[i] as TestUrlVerdict]));

  const confirmed: number[] = [];
  const verdicts = plan.services.map((service, index): Verdict => {
    const name = service.name;
    const r = read[index] as ReadDeployment;
    if ('missing' in r) return { service: name, state: 'waiting', reason: r.missing };
    const where = standing(r.deployment, gate.stage);
    if (where.kind === 'failed' || where.kind === 'waiting')
      return { service: name, state: where.kind, reason: where.reason };
    if (where.kind === 'past') {
      return {
        service: name,
        state: 'failed',
        reason: `went past ${gate.stage} without pausing (now ${r.deployment.lifecycleStage ?? r.deployment.status}): is its PAUSE hook still there?`,
      };
    }
    if (!service.testUrl || earlier.has(index)) {
      if (service.testUrl) confirmed.push(index);
      return { service: name, state: 'done' };
    }
    const probe = probes.get(index) as TestUrlVerdict;
    if (probe.kind === 'confirmed') {
      confirmed.push(index);
      return { service: name, state: 'done' };
    }
    return { service: name, state: probe.kind, reason: probe.reason };
  });
  const final = input.final ? verdicts.map(finalVerdict) : verdicts;
  const round = summarizeRound(final, input.round ?? null, deadline, deps.now());
  // Services not paused yet wait on ECS (their hook's event ends the loop's wait, lib/workflow/gate-phase.ts);
  // a paused one still waiting waits on its testUrl, which no event reports: with none of the
  // first kind the loop polls.
  const pending =
    round.status === 'waiting'
      ? plan.services.flatMap((_, index) => (pausedAtGate(read[index] as ReadDeployment, gate.stage) ? [] : [index]))
      : [];
  return { ...round, confirmed, ...(pending.length > 0 && { pending }) };
}

function pausedAtGate(read: ReadDeployment, stage: Parameters<typeof standing>[1]): boolean {
  return 'deployment' in read && standing(read.deployment, stage).kind === 'paused';
}

/** After the bake there is no next round: still waiting means the gate no longer holds. */
function finalVerdict(verdict: Verdict): Verdict {
  if (verdict.state !== 'waiting') return verdict;
  return { service: verdict.service, state: 'failed', reason: verdict.reason ?? 'not ready at the gate' };
}

type TestUrlVerdict = { kind: 'confirmed' } | { kind: 'waiting'; reason: string } | { kind: 'failed'; reason: string };

/**
 * `requiredMatches` answers of the new SHA in a row confirm it. An answer of another SHA fails it:
 * at the gate's stages the test listener routes all its traffic to the new revision
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-how-it-works.html),
 * so another version there is the new revision's own answer. No answer yet is waiting.
 */
async function testUrlVerdict(
  url: string,
  sha: string,
  requiredMatches: number,
  options: { fetch: FetchLike; timeoutMs: number; mayStart: () => boolean },
): Promise<TestUrlVerdict> {
  for (let attempt = 1; attempt <= requiredMatches; attempt++) {
    if (!options.mayStart()) return { kind: 'waiting', reason: `round out of time probing testUrl ${url}` };
    const result = await probeSha(url, options);
    if ('error' in result) return { kind: 'waiting', reason: `testUrl ${url}: ${result.error}` };
    if (!shaMatches(sha, result.sha)) {
      return {
        kind: 'failed',
        reason: `testUrl ${url} reports ${result.sha.slice(0, 40) || 'nothing'}, expected ${sha}`,
      };
    }
  }
  return { kind: 'confirmed' };
}
