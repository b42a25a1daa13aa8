import { DeregisterTaskDefinitionCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import { shortTaskDefinition, taskDefinitionFamily } from '../shared/aws/ecs-names';
import { wrapAwsError } from '../shared/contracts/errors';
import type { Plan, ScheduledTaskResult, ServiceDeployment } from '../shared/contracts/state';
import { revisionKey, revisionsInUse } from './in-use';

/** Clean Up Old Revisions' input: the deploy path's state once the old version has drained. */
export interface CleanupInput {
  plan: Plan;
  deployed: ServiceDeployment[];
  scheduled: ScheduledTaskResult[];
}

export interface CleanupResult {
  /** Revisions deregistered, as `family:revision`. */
  deregistered: string[];
  /** Revisions beyond `keep` left ACTIVE because a service or rule still uses them. */
  inUse: string[];
  /** Families that could not be listed or a revision that could not be deregistered, and why. */
  failures: Array<{ family: string; reason: string }>;
  /** More revisions were due than one run deregisters: later deployments go on with them. */
  more: boolean;
}

/**
 * ECS throttles DeregisterTaskDefinition with RegisterTaskDefinition, at about one call a second
 * per account: a first run over a long history would outlast the Lambda. The rest waits for the
 * next deployment.
 */
export const MAX_DEREGISTRATIONS_PER_RUN = 25;

interface Family {
  region: string;
  family: string;
}

/**
 * After a successful deployment, deregisters ACTIVE revisions of each family it deployed beyond
 * the newest `plan.deployment.keepRevisions`, never one in use (in-use.ts). Deregistered revisions
 * become INACTIVE: tasks running them go on, but no new deployment can use them.
 */
export async function cleanUpRevisions(input: CleanupInput, clients: AwsClients): Promise<CleanupResult> {
  const result: CleanupResult = { deregistered: [], inUse: [], failures: [], more: false };
  const keep = input.plan.deployment.keepRevisions;
  const families = deployedFamilies(input);
  if (keep === undefined || families.length === 0) return result;

  const inUse = await revisionsInUse(input.plan, clients);
  for (const { region, family } of families) {
    let revisions: string[];
    try {
      revisions = await activeRevisions(clients, region, family);
    } catch (error) {
      result.failures.push({ family, reason: wrapAwsError(`list revisions of ${family}`, error).message });
      continue;
    }
    for (const arn of revisions.slice(keep)) {
      if (inUse.has(revisionKey(region, arn))) {
        result.inUse.push(shortTaskDefinition(arn));
        continue;
      }
      if (result.deregistered.length >= MAX_DEREGISTRATIONS_PER_RUN) {
        result.more = true;
        break;
      }
      try {
        await clients.ecs(region).send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
        result.deregistered.push(shortTaskDefinition(arn));
      } catch (error) {
        result.failures.push({ family, reason: wrapAwsError(`deregister ${shortTaskDefinition(arn)}`, error).message });
      }
    }
  }
  return result;
}

/** The families the deployment registered revisions of or put on services and rule targets. */
export function deployedFamilies(input: CleanupInput): Family[] {
  const found = new Map<string, Family>();
  const add = (region: string | undefined, taskDefinition: string) => {
    const family = taskDefinitionFamily(taskDefinition);
    if (region && family) found.set(`${region}|${family}`, { region, family });
  };
  for (const deployed of input.deployed) {
    add(input.plan.services.find((s) => s.name === deployed.name)?.region, deployed.taskDefinition);
  }
  for (const rule of input.scheduled) {
    const region = input.plan.scheduledTasks.find((r) => r.rule === rule.rule)?.region;
    for (const target of rule.targets) add(region, target.taskDefinition);
  }
  return [...found.values()];
}

/** The family's ACTIVE revisions, newest first. */
async function activeRevisions(clients: AwsClients, region: string, family: string): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients
      .ecs(region)
      .send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken }));
    arns.push(...(page.taskDefinitionArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  // familyPrefix is documented as a prefix: `api` must not list `api-worker`'s revisions.
  return arns
    .filter((arn) => taskDefinitionFamily(arn) === family)
    .sort((a, b) => revisionNumber(b) - revisionNumber(a));
}

function revisionNumber(arn: string): number {
  return Number(arn.slice(arn.lastIndexOf(':') + 1));
}
