import type { ECSClient } from '@aws-sdk/client-ecs';
import { type DescribedServices, describeServicesBatched, lookupKey } from '../aws/describe-services';
import {
  bakeTimeSeconds,
  type DescribedServiceDeployments,
  describeServiceDeploymentsBatched,
  rolledBackByEcs,
  trafficShiftSeconds,
} from '../aws/service-deployments';
import { MAX_ROUNDS_PER_PHASE } from '../config/bounds';
import type { DeploymentContext } from '../contracts/state';
import type { ExpectedService, Verdict } from './round';

/**
 * What ECS is read for in one verify or drain round, with as few calls as ECS allows. Each
 * service is read once, by one of two calls:
 * - a BLUE_GREEN, LINEAR or CANARY service with the service deployment Update Service started:
 *   DescribeServiceDeployments (20 a call), whose status, lifecycle stage and rollback say all;
 * - every other service (ROLLING, a rollback's rounds, a deployment ECS did not name):
 *   DescribeServices (10 a call), as before.
 * So a round costs at most 0.1 read calls a service, 0.05 for a canary fleet. A ROLLING service
 * whose round fails because ECS failed or dropped its deployment costs one more read (its
 * service deployment, batched with the others that failed) to say why ECS rolled it back.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServiceDeployments.html
 */

export interface RoundReads {
  services: DescribedServices;
  deployments: DescribedServiceDeployments;
}

export type Ecs = (region: string) => ECSClient;

/** Whether the service's round reads its service deployment rather than the service. */
export function readsServiceDeployment(
  expected: ExpectedService,
): expected is ExpectedService & { serviceDeploymentArn: string } {
  return expected.strategy !== 'ROLLING' && expected.serviceDeploymentArn !== null;
}

export async function readRound(ecs: Ecs, expected: readonly ExpectedService[]): Promise<RoundReads> {
  const [services, deployments] = await Promise.all([
    describeServicesBatched(
      ecs,
      expected.filter((s) => !readsServiceDeployment(s)).map((s) => s.lookup),
    ),
    describeServiceDeploymentsBatched(
      ecs,
      expected.filter(readsServiceDeployment).map((s) => s.serviceDeploymentArn),
    ),
  ]);
  return { services, deployments };
}

/**
 * The seconds a phase's deadline adds for ECS's own waiting, decided on its first round: the
 * longest of the services' traffic-shift bakes (verify: production traffic reaches the new
 * revision only after them) or bake times (drain: "drained" means ECS finished the deployment,
 * bake time included), from the deployment's deploymentConfiguration (the service's, when the
 * round read the service). Capped so the phase stays within MAX_ROUNDS_PER_PHASE rounds at the
 * plan's poll interval: past that, the phase expires rather than overrun the history budget.
 */
export function bakeAllowance(
  expected: readonly ExpectedService[],
  reads: RoundReads,
  phase: 'verify' | 'drain',
  deployment: Pick<DeploymentContext, 'timeoutSeconds' | 'pollIntervalSeconds'>,
): number {
  let longest = 0;
  for (const s of expected) {
    const config = readsServiceDeployment(s)
      ? reads.deployments.found.get(s.serviceDeploymentArn)?.deploymentConfiguration
      : reads.services.found.get(lookupKey(s.lookup))?.deploymentConfiguration;
    longest = Math.max(longest, phase === 'verify' ? trafficShiftSeconds(config) : bakeTimeSeconds(config));
  }
  const cap = MAX_ROUNDS_PER_PHASE * deployment.pollIntervalSeconds - deployment.timeoutSeconds;
  return Math.max(0, Math.min(longest, cap));
}

/**
 * A ROLLING service whose deployment ECS failed or dropped (DescribeServices shows the circuit
 * breaker's FAILED rollout, or the revision gone): its service deployment says why ECS rolled it
 * back (the alarm, the circuit breaker's count), which DescribeServices does not. Read only for
 * those, so a healthy round costs nothing more.
 */
export async function explainEcsRollbacks(
  ecs: Ecs,
  expected: readonly ExpectedService[],
  verdicts: Verdict[],
): Promise<Verdict[]> {
  const arns = new Map(
    expected.flatMap((s) =>
      s.strategy === 'ROLLING' && s.serviceDeploymentArn !== null ? [[s.name, s.serviceDeploymentArn] as const] : [],
    ),
  );
  const explain = verdicts.filter((v) => v.state === 'failed' && v.ecs === true && arns.has(v.service));
  if (explain.length === 0) return verdicts;
  let described: DescribedServiceDeployments;
  try {
    described = await describeServiceDeploymentsBatched(
      ecs,
      explain.map((v) => arns.get(v.service) as string),
    );
  } catch (error) {
    // The round fails either way: say so, with why ECS's account of it is missing.
    const why = `its service deployment could not be read: ${error instanceof Error ? error.message : String(error)}`;
    return verdicts.map((v) =>
      explain.includes(v) && v.state === 'failed' ? { ...v, reason: `${v.reason} (${why})` } : v,
    );
  }
  return verdicts.map((v) => {
    if (v.state !== 'failed' || !explain.includes(v)) return v;
    const deployment = described.found.get(arns.get(v.service) as string);
    const byEcs = deployment && rolledBackByEcs(deployment);
    return byEcs ? { ...v, reason: `${byEcs}; ${v.reason}` } : v;
  });
}
