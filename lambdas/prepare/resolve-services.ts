import type { DeploymentConfiguration, Service } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import { describeServicesBatched, lookupKey, type ServiceLookup } from '../shared/aws/describe-services';
import { clusterName } from '../shared/aws/ecs-names';
import { strategyOf } from '../shared/aws/service-deployments';
import type { ExecutionInput } from '../shared/contracts/execution-input';
import type { PlannedService } from '../shared/contracts/state';
import { awsProblem, type Problems } from './lookups';

export interface ResolvedService {
  planned: PlannedService;
  /** "services.api", for problems found later. */
  path: string;
  /** As DescribeServices reported it: the gate's checks read its strategy and lifecycle hooks. */
  deploymentConfiguration?: DeploymentConfiguration;
}

/**
 * Describes every service of the config, one cluster at a time: each must exist, be ACTIVE and
 * deploy with the ECS controller. A service that fails is a problem, and is left out.
 */
export async function resolveServices(
  execution: ExecutionInput,
  clients: AwsClients,
  defaultRegion: string,
): Promise<{ services: ResolvedService[]; problems: Problems }> {
  const { config } = execution;
  const problems: string[] = [];
  const lookups = config.services.map((service) => ({
    service,
    lookup: {
      region: service.region ?? config.region ?? defaultRegion,
      cluster: service.cluster,
      service: service.name,
    },
  }));
  // One describeServicesBatched per cluster, so an unknown cluster costs its own services only.
  const clusters = new Map<string, ServiceLookup[]>();
  for (const { lookup } of lookups) {
    const key = `${lookup.region}|${lookup.cluster}`;
    clusters.set(key, [...(clusters.get(key) ?? []), lookup]);
  }
  const found = new Map<string, Service>();
  const reported = new Set<string>();
  await Promise.all(
    [...clusters.values()].map(async (group) => {
      const first = group[0] as ServiceLookup;
      try {
        const described = await describeServicesBatched(clients.ecs, group);
        for (const [key, service] of described.found) found.set(key, service);
      } catch (error) {
        const where = `cluster ${clusterName(first.cluster)} (${first.region})`;
        const cause = error instanceof Error ? error.cause : undefined;
        const unknownCluster = cause instanceof Error && cause.name === 'ClusterNotFoundException';
        const message = unknownCluster ? `${where} does not exist` : awsProblem(error);
        for (const lookup of group) {
          problems.push(`services.${lookup.service}${unknownCluster ? '.cluster' : ''}: ${message}`);
          reported.add(lookupKey(lookup));
        }
      }
    }),
  );

  const resolved: ResolvedService[] = [];
  for (const { service, lookup } of lookups) {
    const path = `services.${service.name}`;
    const described = found.get(lookupKey(lookup));
    const where = `cluster ${clusterName(lookup.cluster)} (${lookup.region})`;
    if (!described) {
      if (!reported.has(lookupKey(lookup))) problems.push(`${path}: no such service in ${where}`);
      continue;
    }
    if (described.status !== 'ACTIVE') {
      problems.push(`${path}: the service is ${described.status ?? 'not active'} in ${where}`);
      continue;
    }
    // UpdateService with a new task definition fails for these (CodeDeploy and external
    // controllers deploy through their own APIs): found here, before scheduled tasks change.
    const controller = described.deploymentController?.type ?? 'ECS';
    if (controller !== 'ECS') {
      problems.push(`${path}: uses the ${controller} deployment controller; gehen deploys only ECS rolling updates`);
      continue;
    }
    if (!described.taskDefinition) {
      problems.push(`${path}: ECS reported no task definition for the service in ${where}`);
      continue;
    }
    resolved.push({
      path,
      deploymentConfiguration: described.deploymentConfiguration,
      planned: {
        name: service.name,
        cluster: described.clusterArn ?? service.cluster,
        region: lookup.region,
        url: service.url,
        containers: service.containers,
        previousTaskDefinition: described.taskDefinition,
        previousSha: null,
        // Absent for ROLLING, as the contract reads it: rolling plans keep their size and shape.
        ...(strategyOf(described) === 'ROLLING' ? {} : { strategy: strategyOf(described) }),
        ...(service.testUrl ? { testUrl: service.testUrl } : {}),
      },
    });
  }
  return { services: resolved, problems };
}
