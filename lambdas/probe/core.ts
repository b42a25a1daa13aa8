import type { Service } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import { lookupKey } from '../shared/aws/describe-services';
import type { RoundInput, RoundState } from '../shared/contracts/state';
import { mapWithConcurrency } from '../shared/map-with-concurrency';
import {
  bakeAllowance,
  explainEcsRollbacks,
  type RoundReads,
  readRound,
  readsServiceDeployment,
} from '../shared/verify/ecs-reads';
import { type Confirmation, confirmSha, DEFAULT_PROBE_TIMEOUT_MS, type FetchLike } from '../shared/verify/probe';
import {
  deploymentFailure,
  type ExpectedService,
  expectedServices,
  newRevisionLive,
  notFound,
  phaseDeadline,
  summarizeRound,
  type Verdict,
} from '../shared/verify/round';
import { serviceDeploymentNotFound, serviceDeploymentVerdict } from '../shared/verify/service-deployment-verdict';

export interface ProbeDeps {
  clients: Pick<AwsClients, 'ecs'>;
  fetch: FetchLike;
  now: () => Date;
  /** Per HTTP probe. @default 5000 */
  probeTimeoutMs?: number;
  /** Services probed at once. @default 16 */
  concurrency?: number;
  /**
   * When this round must have returned: the Lambda's own timeout, which is not retried and would
   * roll the deployment back. No probe starts that could end later than this, less
   * ROUND_RESERVE_MS; the services it leaves unconfirmed wait for the next round.
   * @default no limit
   */
  roundEndsAt?: Date;
}

const DEFAULT_CONCURRENCY = 16;
/** Kept free at the end of a round to summarize it and return. */
export const ROUND_RESERVE_MS = 2000;

/**
 * Probe New Version (and Probe Previous Version): one poll round for every service. Services
 * with a url must answer the expected SHA `requiredMatches` times in a row; services without one
 * (or whose expected SHA is unknown, or no git SHA) are live once ECS has completed the expected
 * rollout. A rollout ECS marked FAILED fails the round at once. A round short of time (roundEndsAt)
 * starts no more probes: the services it did not confirm are waiting, never failed.
 *
 * A service confirmed in an earlier round of the phase (`round.confirmed`) is not probed again:
 * it stays live unless ECS says otherwise, since its deployment data is read every round. Only
 * the unconfirmed services are probed, so every round's time budget goes to new progress and a
 * fleet too slow to confirm in one Lambda call finishes over several rounds.
 */
export async function probe(input: RoundInput, deps: ProbeDeps): Promise<RoundState> {
  const { deployment } = input.plan;
  const expected = expectedServices(input, deps.now());
  const probed = expected.filter((s) => s.url !== null && s.sha !== null);
  const earlier = confirmedEarlier(input);
  const unconfirmed = probed.filter((s) => !earlier.has(s.name));
  const probeTimeoutMs = deps.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  // 300 services × requiredMatches up to 20 × a 5 s timeout cannot always fit one Lambda call.
  const lastStart = deps.roundEndsAt && deps.roundEndsAt.getTime() - ROUND_RESERVE_MS - probeTimeoutMs;
  const mayStartProbe = lastStart === undefined ? undefined : () => deps.now().getTime() <= lastStart;

  const ecs = (region: string) => deps.clients.ecs(region);
  const [reads, confirmations] = await Promise.all([
    readRound(ecs, expected),
    mapWithConcurrency(unconfirmed, deps.concurrency ?? DEFAULT_CONCURRENCY, (s) =>
      confirmSha(s.url as string, s.sha as string, deployment.requiredMatches, {
        fetch: deps.fetch,
        timeoutMs: probeTimeoutMs,
        mayStartProbe,
      }),
    ),
  ]);
  const byName = new Map<string, Confirmation>(unconfirmed.map((s, i) => [s.name, confirmations[i] as Confirmation]));
  // Only names of services probed in this phase count: a stray name (no url here) stays ECS's to judge.
  for (const s of probed) if (earlier.has(s.name)) byName.set(s.name, { live: true });

  const bakeSeconds = input.round
    ? (input.round.bakeSeconds ?? 0)
    : bakeAllowance(expected, reads, 'verify', deployment);
  const deadline = phaseDeadline(input.round, deps.now(), deployment.timeoutSeconds, bakeSeconds);
  const verdicts = await explainEcsRollbacks(
    ecs,
    expected,
    expected.map((s) => judge(s, reads, byName.get(s.name))),
  );
  // Positions in plan.services, not names: 300 names of 200 characters would carry 60 KB from
  // round to round, their indices under 1.2 KB (docs/design.md, State size budget).
  const confirmed = expected.flatMap((s, i) => (probed.includes(s) && byName.get(s.name)?.live ? [i] : []));
  return {
    ...summarizeRound(verdicts, input.round, deadline, deps.now()),
    confirmed,
    ...(bakeSeconds > 0 && { bakeSeconds }),
  };
}

function judge(s: ExpectedService, reads: RoundReads, confirmation: Confirmation | undefined): Verdict {
  if (readsServiceDeployment(s)) {
    const deployment = reads.deployments.found.get(s.serviceDeploymentArn);
    if (!deployment) return serviceDeploymentNotFound(s, reads.deployments.failures.get(s.serviceDeploymentArn));
    const ecs = serviceDeploymentVerdict(s, deployment, 'verify');
    // Production traffic on the new revision by ECS's account; its url must still answer the new SHA
    // (a canary's share of traffic can answer it a few times in a row by chance, so not the url alone).
    if (ecs.state !== 'done') return ecs;
    return confirmationVerdict(s, confirmation) ?? ecs;
  }
  const service = reads.services.found.get(lookupKey(s.lookup));
  return service ? verdictFor(s, service, confirmation) : notFound(s, reads.services);
}

/** What the url's answers say, or null when it was not probed. */
function confirmationVerdict(expected: ExpectedService, confirmation: Confirmation | undefined): Verdict | null {
  const name = expected.name;
  if (confirmation?.live) return { service: name, state: 'done' };
  if (confirmation?.unreachable) return { service: name, state: 'waiting', reason: confirmation.reason };
  if (confirmation) return { service: name, state: 'waiting' };
  return null;
}

/**
 * The names of the services an earlier round of this phase confirmed. `round.confirmed` holds
 * their positions in `plan.services` (a phase never changes the plan); a name is read as itself,
 * as rounds written before positions were used carry names.
 */
function confirmedEarlier(input: RoundInput): Set<string> {
  const services = input.plan.services;
  return new Set(
    (input.round?.confirmed ?? []).flatMap((entry) => {
      if (typeof entry === 'string') return [entry];
      const service = services[entry];
      return service ? [service.name] : [];
    }),
  );
}

function verdictFor(expected: ExpectedService, service: Service, confirmation: Confirmation | undefined): Verdict {
  const name = expected.name;
  const failure = deploymentFailure(expected, service);
  if (failure) return { service: name, state: 'failed', reason: failure, ecs: true };
  const probed = confirmationVerdict(expected, confirmation);
  if (probed) return probed;
  // No url: a strategy-none service has nothing to wait for; otherwise ECS must have finished.
  if (expected.url === null && expected.taskDefinition === null) return { service: name, state: 'done' };
  return { service: name, state: newRevisionLive(expected, service) ? 'done' : 'waiting' };
}
