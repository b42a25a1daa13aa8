import { ContinueServiceDeploymentCommand } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import { DeploymentFailedError, wrapAwsError } from '../shared/contracts/errors';
import type { Plan, ServiceDeployment } from '../shared/contracts/state';
import { mapWithConcurrency } from '../shared/map-with-concurrency';
import { readDeployments, standing } from './deployments';

export interface ContinueGateInput {
  plan: Plan;
  deployed: ServiceDeployment[];
}

export interface ContinueGateResult {
  /** Deployments this call continued; the others were past the gate already (a retried call). */
  continued: number;
}

// ContinueServiceDeployment is a service write: a few at once, like Deploy Services' UpdateService.
const CONTINUE_CONCURRENCY = 4;

/**
 * Continue Gate: every service passed, so every one goes on to production together. Each
 * deployment is read again first and must still be paused at the gate (or past it: this step run
 * again after a throttled call); if any is not, none is continued and the deployment rolls back.
 * Then ContinueServiceDeployment(CONTINUE) with each paused deployment's hookId.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html
 */
export async function continueGate(
  input: ContinueGateInput,
  clients: Pick<AwsClients, 'ecs'>,
): Promise<ContinueGateResult> {
  const { plan } = input;
  const gate = plan.gate;
  if (!gate) throw new Error('Continue Gate runs only for a plan with a gate');
  const read = await readDeployments(plan.services, input.deployed, clients);
  const paused: Array<{ name: string; region: string; arn: string; hookId: string }> = [];
  const problems: string[] = [];
  plan.services.forEach((service, i) => {
    const r = read[i];
    if (!r || 'missing' in r) {
      problems.push(`${service.name}: ${r?.missing ?? 'not read'}`);
      return;
    }
    const where = standing(r.deployment, gate.stage);
    if (where.kind === 'paused' && r.deployment.serviceDeploymentArn) {
      paused.push({
        name: service.name,
        region: service.region,
        arn: r.deployment.serviceDeploymentArn,
        hookId: where.hookId,
      });
    } else if (where.kind === 'failed' || where.kind === 'waiting') {
      problems.push(`${service.name}: ${where.reason}`);
    }
  });
  if (problems.length > 0) {
    throw new DeploymentFailedError(`the gate no longer holds, no service was continued: ${problems.join('; ')}`);
  }
  await mapWithConcurrency(paused, CONTINUE_CONCURRENCY, async (p) => {
    try {
      await clients
        .ecs(p.region)
        .send(
          new ContinueServiceDeploymentCommand({ serviceDeploymentArn: p.arn, hookId: p.hookId, action: 'CONTINUE' }),
        );
    } catch (error) {
      throw wrapAwsError(`continue the deployment of service ${p.name} at ${gate.stage}`, error);
    }
  });
  return { continued: paused.length };
}
