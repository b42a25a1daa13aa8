import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { type DescribedServices, lookupKey, type ServiceLookup } from '../aws/describe-services';
import type { DeploymentStrategy } from '../aws/service-deployments';
import { isGitSha } from '../config/gitsha';
import type { RoundInput, RoundState } from '../contracts/state';

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
  /** The plan's `strategy` (absent: ROLLING). */
  strategy: DeploymentStrategy;
  /**
   * The service deployment Update Service started (expect 'new' only): BLUE_GREEN, LINEAR and
   * CANARY services are judged by it alone, a ROLLING one's ECS rollback is explained by it.
   * null on a rollback's rounds: gehen's own rollback may have started another deployment
   * (UpdateService), which only DescribeServices names, so those rounds read the services.
   */
  serviceDeploymentArn: string | null;
  /**
   * Set while the phase is younger than ECS_READ_LAG_SECONDS: when it started. A DescribeServices
   * whose PRIMARY deployment was created before then may predate gehen's UpdateService (reads lag
   * writes), so the new deployment's absence means waiting, not a rollback. null: reads are fresh.
   */
  phaseStartedAt: Date | null;
}

/**
 * How long after a phase starts a DescribeServices that does not show gehen's new deployment is
 * taken for ECS's eventual consistency (reads lag writes: bugcrowd/ecs-deployment-monitor PR #2;
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html) rather than
 * for ECS rolling it back: a circuit-breaker rollback takes minutes of failing tasks, not seconds.
 */
export const ECS_READ_LAG_SECONDS = 30;

export type Verdict =
  | { service: string; state: 'done' }
  /** `reason`: why it cannot get anywhere (a url the probe never reached), told if the phase expires. */
  | { service: string; state: 'waiting'; reason?: string }
  /** `ecs`: ECS itself failed or dropped the deployment (not gehen's verdict on its tasks). */
  | { service: string; state: 'failed'; reason: string; ecs?: boolean };

/** The names the console shows; more would only grow the execution history. */
const MAX_WAITING_NAMES = 10;
const MAX_FAILURES = 20;
const MAX_REASON_CHARS = 300;

/** `now` tells whether ECS reads may still lag the phase's writes; without it they may not. */
export function expectedServices(input: RoundInput, now?: Date): ExpectedService[] {
  const deployed = new Map(input.deployed.map((d) => [d.name, d]));
  const started = now && phaseStart(input, now);
  const phaseStartedAt =
    now && started && now.getTime() - started.getTime() < ECS_READ_LAG_SECONDS * 1000 ? started : null;
  return input.plan.services.map((service) => {
    const deployment = deployed.get(service.name);
    // By name: the plan keeps no service ARN (the cluster and name make it; docs/design.md, State size budget).
    const lookup = { region: service.region, cluster: service.cluster, service: service.name };
    const strategy = service.strategy ?? 'ROLLING';
    if (input.expect === 'previous') {
      return {
        name: service.name,
        lookup,
        url: service.url,
        taskDefinition: service.previousTaskDefinition,
        // A tag that is no SHA (latest, v1.2.3) is not what a Server header reports: ECS must tell.
        sha: service.previousSha !== null && isGitSha(service.previousSha) ? service.previousSha : null,
        updated: deployment?.updated ?? false,
        strategy,
        serviceDeploymentArn: null,
        phaseStartedAt,
      };
    }
    return {
      name: service.name,
      lookup,
      url: service.url,
      taskDefinition: deployment?.taskDefinition ?? null,
      sha: input.plan.deployment.gitsha,
      updated: deployment?.updated ?? false,
      strategy,
      serviceDeploymentArn: deployment?.serviceDeploymentArn ?? null,
      phaseStartedAt,
    };
  });
}

/** When the phase's first round ran: its deadline less the phase's time (now, on the first round). */
function phaseStart(input: RoundInput, now: Date): Date {
  if (input.round?.deadline == null) return now;
  const seconds = input.plan.deployment.timeoutSeconds + (input.round.bakeSeconds ?? 0);
  return new Date(Date.parse(input.round.deadline) - seconds * 1000);
}

/**
 * The phase deadline: set once, on the phase's first round (timeoutSeconds plus the bake
 * allowance, ./bake-allowance.ts), and carried unchanged after.
 */
export function phaseDeadline(round: RoundState | null, now: Date, timeoutSeconds: number, bakeSeconds = 0): string {
  return round?.deadline ?? new Date(now.getTime() + (timeoutSeconds + bakeSeconds) * 1000).toISOString();
}

/** A failure is final, so it wins; 'done' wins over a deadline that passed in the same round. */
export function summarizeRound(
  verdicts: readonly Verdict[],
  previous: RoundState | null,
  deadline: string,
  now: Date,
): RoundState {
  const failures: RoundState['failures'] = [];
  const stuck: RoundState['failures'] = [];
  const waiting: string[] = [];
  let done = 0;
  for (const verdict of verdicts) {
    if (verdict.state === 'done') done += 1;
    else if (verdict.state === 'waiting') {
      waiting.push(verdict.service);
      if (verdict.reason) stuck.push({ service: verdict.service, reason: truncate(verdict.reason, MAX_REASON_CHARS) });
    } else failures.push({ service: verdict.service, reason: truncate(verdict.reason, MAX_REASON_CHARS) });
  }
  let status: RoundState['status'] = 'waiting';
  if (failures.length > 0) status = 'failed';
  else if (done === verdicts.length) status = 'done';
  else if (now.getTime() >= Date.parse(deadline)) {
    status = 'expired';
    // The phase ends: say why the services that never got anywhere did not.
    failures.push(...stuck);
  }
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
    if (staleRead(expected, primary)) return null;
    return `ECS no longer deploys ${expected.taskDefinition}: the PRIMARY deployment runs ${
      primary?.taskDefinition ?? 'nothing'
    }`;
  }
  return null;
}

/**
 * A read that may predate gehen's own UpdateService: early in the phase, with a PRIMARY deployment
 * created before the phase began. A rollback by ECS (circuit breaker) or a redeploy by someone
 * else creates a new PRIMARY deployment, after gehen's, so it is never mistaken for one.
 */
function staleRead(expected: ExpectedService, primary: Deployment | undefined): boolean {
  const created = primary?.createdAt;
  return (
    expected.phaseStartedAt !== null && created !== undefined && created.getTime() <= expected.phaseStartedAt.getTime()
  );
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

/**
 * Live, for a service gehen cannot probe (no url, or no SHA to probe for): its PRIMARY deployment
 * runs the expected revision at its desired count, and ECS no longer wants a task of any other
 * deployment (their desiredCount is 0) — or the rollout is COMPLETED. ECS scales an older
 * deployment down only as new tasks pass their health checks (within minimumHealthyPercent), so
 * the old deployments' desiredCount reaching 0 is ECS's own word that the new tasks are healthy.
 * COMPLETED alone would also wait for the old tasks to drain (the target group's deregistration
 * delay, 300 s by default) and for every batch of a rolling update: that is the drain phase's.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html
 */
export function newRevisionLive(expected: ExpectedService, service: Service): boolean {
  const primary = primaryDeployment(service);
  if (!primaryRunsExpected(expected, primary)) return false;
  if (primary.rolloutState === 'COMPLETED') return true;
  if (primary.rolloutState === 'FAILED') return false;
  const others = (service.deployments ?? []).filter((d) => d !== primary && d.rolloutState !== 'FAILED');
  return (
    (primary.runningCount ?? 0) >= (primary.desiredCount ?? 0) &&
    (primary.pendingCount ?? 0) === 0 &&
    others.every((d) => (d.desiredCount ?? 0) === 0)
  );
}

/** The PRIMARY deployment runs the expected revision (any, when none is expected). */
export function primaryRunsExpected(expected: ExpectedService, primary: Deployment | undefined): primary is Deployment {
  return (
    primary !== undefined && (expected.taskDefinition === null || primary.taskDefinition === expected.taskDefinition)
  );
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
