import { ListServicesCommand, type Service } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import { describeServicesBatched } from '../shared/aws/describe-services';
import { shortTaskDefinition } from '../shared/aws/ecs-names';
import { listRuleTargets } from '../shared/aws/rule-targets';
import { wrapAwsError } from '../shared/contracts/errors';
import type { Plan } from '../shared/contracts/state';

/**
 * The revisions something still uses, as `region|family:revision`: every deployment (PRIMARY,
 * ACTIVE, and any still DRAINING) of every service in the plan's clusters, not only the services
 * gehen deployed, and every target of the plan's rules. A deregistered revision cannot be used by
 * a new deployment of a service (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterTaskDefinition.html),
 * so one a service might still scale or roll back to must stay ACTIVE.
 *
 * Any read that fails throws: nothing is deregistered without knowing what is in use.
 */
export async function revisionsInUse(plan: Plan, clients: AwsClients): Promise<Set<string>> {
  const inUse = new Set<string>();
  const add = (region: string, taskDefinition: string | undefined) => {
    if (taskDefinition) inUse.add(revisionKey(region, taskDefinition));
  };

  const clusters = new Map<string, { region: string; cluster: string }>();
  for (const service of plan.services) {
    clusters.set(`${service.region}|${service.cluster}`, { region: service.region, cluster: service.cluster });
  }
  const described = await Promise.all(
    [...clusters.values()].map(async ({ region, cluster }) => {
      const arns = await listServiceArns(clients, region, cluster);
      const { found } = await describeServicesBatched(
        clients.ecs,
        arns.map((service) => ({ region, cluster, service })),
      );
      return { region, services: [...found.values()] };
    }),
  );
  for (const { region, services } of described) {
    for (const service of services) for (const revision of serviceRevisions(service)) add(region, revision);
  }

  await Promise.all(
    plan.scheduledTasks.map(async (rule) => {
      try {
        const targets = await listRuleTargets(clients.events(rule.region), rule.rule, rule.eventBusName);
        for (const target of targets) add(rule.region, target.EcsParameters?.TaskDefinitionArn);
      } catch (error) {
        throw wrapAwsError(`list the targets of rule ${rule.rule} (${rule.region})`, error);
      }
    }),
  );
  return inUse;
}

/** `region|family:revision`: services report ARNs, but a rule target may name `family:revision`. */
export function revisionKey(region: string, taskDefinition: string): string {
  return `${region}|${shortTaskDefinition(taskDefinition)}`;
}

function serviceRevisions(service: Service): string[] {
  return [service.taskDefinition, ...(service.deployments ?? []).map((d) => d.taskDefinition)].filter(
    (arn): arn is string => arn !== undefined,
  );
}

// ListServices returns at most 100 ARNs a page (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListServices.html).
const LIST_SERVICES_PAGE = 100;

async function listServiceArns(clients: AwsClients, region: string, cluster: string): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await clients
        .ecs(region)
        .send(new ListServicesCommand({ cluster, maxResults: LIST_SERVICES_PAGE, nextToken }));
      arns.push(...(page.serviceArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    throw wrapAwsError(`list the services of cluster ${cluster} (${region})`, error);
  }
  return arns;
}
