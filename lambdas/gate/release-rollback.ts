import {
  ContinueServiceDeploymentCommand,
  DescribeServiceRevisionsCommand,
  type ServiceDeployment as EcsServiceDeployment,
  type ServiceRevision,
} from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import { clusterName, parseServiceArn } from '../shared/aws/ecs-names';
import { awaitingPauseHook } from '../shared/aws/service-deployments';
import { TransientAwsError, wrapAwsError } from '../shared/contracts/errors';
import type { HeldRollback, PlannedService, ReleaseRollbackInput, RoundState } from '../shared/contracts/state';
import { mapWithConcurrency } from '../shared/map-with-concurrency';
import { phaseDeadline, summarizeRound, type Verdict } from '../shared/verify/round';
import { type ReadDeployment, readDeployments, standing } from './deployments';

/**
 * Release Rollback At Hooks: one round of the loop between Check Rolled Back Services and the
 * rollback's verify phase, in a gated deployment only (docs/steps.md, The gate).
 *
 * A gated service whose deployment had already finished when the rollback began (it passed the gate
 * and went to production, then another service failed) is put back by Roll Back Service's
 * UpdateService. That is a new deployment, and it goes through every lifecycle stage: it pauses at
 * the service's PAUSE hook like the deployment gehen gated ("the deployment pauses at the lifecycle
 * stage … until you continue it", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html).
 * Nobody would continue it: its hook would time out into ROLLBACK (Prepare requires that action),
 * and ECS would roll the rollback back, leaving the failed version in production.
 *
 * So each round reads the rollback's own deployments (the ARNs Roll Back Service recorded) and
 * continues every one paused at a PAUSE hook — after checking it is what gehen started: a
 * deployment of that planned service whose target revision runs the planned previous task
 * definition (DescribeServiceRevisions). Continuing it only moves the service back to where it was,
 * which is what the rollback is for; an invocation claiming any other deployment is refused.
 * Done for a service once its deployment was continued or is past the gate's stage; failed when ECS
 * stopped or rolled it back; waiting otherwise, on ECS's HOOK_AWAITING_ACTION event (Park Wait, kind
 * gate). ECS runs no hooks at the gate's stages while it rolls a deployment back itself (only
 * TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT), so Stop/ContinueServiceDeployment(ROLLBACK)
 * rollbacks never pause here.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServiceRevisions.html
 */
export async function releaseRollback(
  input: ReleaseRollbackInput,
  clients: Pick<AwsClients, 'ecs'>,
  now: () => Date,
): Promise<RoundState> {
  const { plan } = input;
  const gate = plan.gate;
  if (!gate) throw new Error('Release Rollback At Hooks runs only for a plan with a gate');
  const deadline = phaseDeadline(input.round, now(), plan.deployment.timeoutSeconds);
  const held = new Map(input.heldRollbacks.map((h) => [h.name, h]));
  // The services the rollback put back by UpdateService; the others (stopped or continued with
  // ROLLBACK by ECS, or never changed) are the verify phase's alone.
  const watched = plan.services.flatMap((service, index) => {
    const rollback = held.get(service.name);
    return rollback ? [{ service, index, rollback }] : [];
  });
  const read = await readDeployments(
    watched.map((w) => w.service),
    watched.map(({ rollback }) => ({ ...rollback, taskDefinition: '', updated: true })),
    clients,
  );
  const paused = watched.flatMap((w, i) => {
    const r = read[i] as ReadDeployment;
    const hook =
      'deployment' in r && standing(r.deployment, gate.stage).kind !== 'failed' && awaitingPauseHook(r.deployment);
    return hook && 'deployment' in r ? [{ ...w, deployment: r.deployment, hookId: hook.hookId }] : [];
  });
  const revisions = await targetRevisions(
    paused.map((p) => p.deployment),
    clients,
  );
  const continued = await mapWithConcurrency(paused, CONTINUE_CONCURRENCY, (p) =>
    continueRollback(p.service, p.rollback, p.deployment, p.hookId, revisions, clients),
  );
  const continuedVerdicts = new Map(paused.map((p, i) => [p.service.name, continued[i] as Verdict]));

  const verdicts = watched.map(({ service, rollback }, i): Verdict => {
    const settled = continuedVerdicts.get(service.name);
    if (settled) return settled;
    const r = read[i] as ReadDeployment;
    if ('missing' in r) return { service: service.name, state: 'waiting', reason: r.missing };
    const where = standing(r.deployment, gate.stage);
    if (where.kind === 'failed') {
      return {
        service: service.name,
        state: 'failed',
        reason: `its rollback deployment ${rollback.serviceDeploymentArn}: ${where.reason}`,
      };
    }
    if (where.kind === 'past') return { service: service.name, state: 'done' };
    // Why it is still waiting, for the round that expires: where the rollback deployment is.
    return { service: service.name, state: 'waiting', ...(where.kind === 'waiting' && { reason: where.reason }) };
  });
  const round = summarizeRound(verdicts, input.round, deadline, now());
  // What Park Wait waits on: the services whose deployment has not paused yet, as positions in
  // plan.services; their HOOK_AWAITING_ACTION events end the wait.
  const pending =
    round.status === 'waiting'
      ? watched.flatMap(({ index }, i) => (verdicts[i]?.state === 'waiting' ? [index] : []))
      : [];
  return { ...round, ...(pending.length > 0 && { pending }) };
}

// ContinueServiceDeployment is a service write: a few at once, like Continue Gate.
const CONTINUE_CONCURRENCY = 4;
/** DescribeServiceRevisions takes at most 20 ARNs a call. */
const REVISIONS_PER_CALL = 20;

/** The target revisions of the paused deployments, by service revision ARN. */
async function targetRevisions(
  deployments: readonly EcsServiceDeployment[],
  clients: Pick<AwsClients, 'ecs'>,
): Promise<Map<string, ServiceRevision>> {
  const byRegion = new Map<string, string[]>();
  for (const d of deployments) {
    const arn = d.targetServiceRevision?.arn;
    if (!arn) continue;
    const region = arn.split(':')[3] ?? '';
    byRegion.set(region, [...(byRegion.get(region) ?? []), arn]);
  }
  const found = new Map<string, ServiceRevision>();
  for (const [region, arns] of byRegion) {
    for (let i = 0; i < arns.length; i += REVISIONS_PER_CALL) {
      try {
        const response = await clients
          .ecs(region)
          .send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: arns.slice(i, i + REVISIONS_PER_CALL) }));
        for (const revision of response.serviceRevisions ?? []) {
          if (revision.serviceRevisionArn) found.set(revision.serviceRevisionArn, revision);
        }
      } catch (error) {
        throw wrapAwsError('read the rollback deployments’ target revisions', error);
      }
    }
  }
  return found;
}

async function continueRollback(
  service: PlannedService,
  rollback: HeldRollback,
  deployment: EcsServiceDeployment,
  hookId: string,
  revisions: ReadonlyMap<string, ServiceRevision>,
  clients: Pick<AwsClients, 'ecs'>,
): Promise<Verdict> {
  const name = service.name;
  const revision = revisions.get(deployment.targetServiceRevision?.arn ?? '');
  if (
    !isPlannedService(deployment.serviceArn, service) ||
    revision?.taskDefinition !== service.previousTaskDefinition
  ) {
    return {
      service: name,
      state: 'failed',
      reason: `refused to continue ${rollback.serviceDeploymentArn}: it deploys ${revision?.taskDefinition ?? 'an unknown revision'} to ${deployment.serviceArn ?? 'an unknown service'}, not ${service.previousTaskDefinition} to ${name}`,
    };
  }
  try {
    await clients.ecs(service.region).send(
      new ContinueServiceDeploymentCommand({
        serviceDeploymentArn: rollback.serviceDeploymentArn,
        hookId,
        action: 'CONTINUE',
      }),
    );
    return { service: name, state: 'done' };
  } catch (error) {
    const wrapped = wrapAwsError(`continue the rollback deployment of service ${name}`, error);
    if (wrapped instanceof TransientAwsError) throw wrapped;
    // The hook was answered or timed out between the read and the write: the next round reads where it went.
    return { service: name, state: 'waiting', reason: wrapped.message };
  }
}

/** The deployment's service is the planned one: its name, and its cluster where the ARN names one (short ARNs do not). */
function isPlannedService(arn: string | undefined, service: PlannedService): boolean {
  const parts = arn ? parseServiceArn(arn) : null;
  return (
    parts !== null &&
    parts.name === service.name &&
    (parts.cluster === null || parts.cluster === clusterName(service.cluster))
  );
}
