import type { Deployment, Service } from '@aws-sdk/client-ecs';
import type { RoundInput, RoundState } from './contracts';
import { type DescribedServices, lookupKey, type ServiceLookup } from './describe-services';
import { isGitSha } from './gitsha';

/**
 * What Probe New Version and Check Drain share: which revision and SHA a round expects, the
 * phase deadline, the verdict per service and the small summary a round returns.
 */

/** What one service is expected to run in this phase. */
export interface ExpectedService {
  name: string;
  lookup: ServiceLookup;
  url: string | null;
  /** null: any revision will do (updateStrategy none changed nothing). */
  taskDefinition: string | null;
  /**
   * null: no SHA to probe for (an untagged previous image, or a tag that is no git SHA such as
   * `latest`), so only ECS can tell: the expected revision PRIMARY and COMPLETED.
   */
  sha: string | null;
  /** gehen changed this service, so ECS must still be deploying the expected revision. */
  updated: boolean;
}

export type Verdict =
  | { service: string; state: 'done' }
  | { service: string; state: 'waiting' }
  | { service: string; state: 'failed'; reason: string };

/** The names the console shows; more would only grow the execution history. */
const MAX_WAITING_NAMES = 10;
const MAX_FAILURES = 20;
const MAX_REASON_CHARS = 300;

export function expectedServices(input: RoundInput): ExpectedService[] {
  const deployed = new Map(input.deployed.map((d) => [d.name, d]));
  return input.plan.services.map((service) => {
    const deployment = deployed.get(service.name);
    // By name: the plan keeps no service ARN (the cluster and name make it; docs/design.md, State size budget).
    const lookup = { region: service.region, cluster: service.cluster, service: service.name };
    if (input.expect === 'previous') {
      return {
        name: service.name,
        lookup,
        url: service.url,
        taskDefinition: service.previousTaskDefinition,
        // A tag that is no SHA (latest, v1.2.3) is not what a Server header reports: ECS must tell.
        sha: service.previousSha !== null && isGitSha(service.previousSha) ? service.previousSha : null,
        updated: deployment?.updated ?? false,
      };
    }
    return {
      name: service.name,
      lookup,
      url: service.url,
      taskDefinition: deployment?.taskDefinition ?? null,
      sha: input.plan.deployment.gitsha,
      updated: deployment?.updated ?? false,
    };
  });
}

/** The phase deadline: set once, on the phase's first round, and carried unchanged after. */
export function phaseDeadline(round: RoundState | null, now: Date, timeoutSeconds: number): string {
  return round?.deadline ?? new Date(now.getTime() + timeoutSeconds * 1000).toISOString();
}

/** A failure is final, so it wins; 'done' wins over a deadline that passed in the same round. */
export function summarizeRound(
  verdicts: readonly Verdict[],
  previous: RoundState | null,
  deadline: string,
  now: Date,
): RoundState {
  const failures: RoundState['failures'] = [];
  const waiting: string[] = [];
  let done = 0;
  for (const verdict of verdicts) {
    if (verdict.state === 'done') done += 1;
    else if (verdict.state === 'waiting') waiting.push(verdict.service);
    else failures.push({ service: verdict.service, reason: truncate(verdict.reason, MAX_REASON_CHARS) });
  }
  let status: RoundState['status'] = 'waiting';
  if (failures.length > 0) status = 'failed';
  else if (done === verdicts.length) status = 'done';
  else if (now.getTime() >= Date.parse(deadline)) status = 'expired';
  return {
    status,
    round: (previous?.round ?? 0) + 1,
    deadline,
    done,
    total: verdicts.length,
    waiting: waiting.slice(0, MAX_WAITING_NAMES),
    failures: failures.slice(0, MAX_FAILURES),
  };
}

/**
 * Why ECS says the expected revision cannot go live, or null. A FAILED rollout is ECS's
 * circuit breaker; a service gehen updated whose deployments no longer include the expected
 * revision was rolled back by ECS (or redeployed by someone else) — either way, not a success.
 */
export function deploymentFailure(expected: ExpectedService, service: Service): string | null {
  if (service.status !== 'ACTIVE') return `service ${expected.name} is ${service.status ?? 'gone'}`;
  if (expected.taskDefinition === null) return null;
  const deployments = service.deployments ?? [];
  const failed = deployments.find((d) => d.taskDefinition === expected.taskDefinition && d.rolloutState === 'FAILED');
  if (failed) {
    // The revision's family:number is what an operator recognizes; the full ARN is in the plan.
    const revision = expected.taskDefinition.split('/').pop();
    return `ECS failed the deployment of ${revision} (${failed.id ?? 'no id'}): ${
      failed.rolloutStateReason ?? 'no reason given'
    }`;
  }
  if (expected.updated && !deployments.some((d) => d.taskDefinition === expected.taskDefinition)) {
    const primary = primaryDeployment(service);
    return `ECS no longer deploys ${expected.taskDefinition}: the PRIMARY deployment runs ${
      primary?.taskDefinition ?? 'nothing'
    }`;
  }
  return null;
}

export function primaryDeployment(service: Service): Deployment | undefined {
  return service.deployments?.find((d) => d.status === 'PRIMARY');
}

/** The verdict for a service DescribeServices did not return: it was deleted or never existed. */
export function notFound(expected: ExpectedService, described: DescribedServices): Verdict {
  const reason = described.failures.get(lookupKey(expected.lookup))?.reason ?? 'MISSING';
  return {
    service: expected.name,
    state: 'failed',
    reason: `service ${expected.name} not found in ${expected.lookup.cluster}: ${reason}`,
  };
}

/** The PRIMARY deployment runs the expected revision (any, when none is expected). */
export function primaryRunsExpected(expected: ExpectedService, primary: Deployment | undefined): primary is Deployment {
  return (
    primary !== undefined && (expected.taskDefinition === null || primary.taskDefinition === expected.taskDefinition)
  );
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/**
 * Whether an observed SHA is the expected one: at least 7 characters, and either is a prefix of
 * the other (a short SHA in the image tag, a full one in the plan, or the other way round).
 */
export function shaMatches(expected: string, observed: string): boolean {
  const a = expected.trim().toLowerCase();
  const b = observed.trim().toLowerCase();
  return b.length >= 7 && a.length >= 7 && (a.startsWith(b) || b.startsWith(a));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
