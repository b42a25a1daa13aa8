import type {
  CreateClusterCommandInput,
  DescribeClustersCommandInput,
  ListClustersCommandInput,
} from '@aws-sdk/client-ecs';
import { ACCOUNT, nameOf } from '../ids';
import { paginate } from '../pagination';
import { type EcsContext, invalidParameter } from './context';
import type { ClusterRecord, EcsRegion } from './model';
import { clusterView } from './views';

/** Creates a cluster; as in ECS, creating one that exists returns it unchanged. */
export function createCluster(region: EcsRegion, input: CreateClusterCommandInput): ClusterRecord {
  const name = input.clusterName ?? 'default';
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
    throw invalidParameter('Cluster name must be up to 255 letters, numbers, hyphens, and underscores.');
  }
  let cluster = region.clusters.get(name);
  if (!cluster) {
    cluster = { arn: `arn:aws:ecs:${region.name}:${ACCOUNT}:cluster/${name}`, name, tags: input.tags ?? [] };
    region.clusters.set(name, cluster);
  }
  return cluster;
}

function describeClusters(region: EcsRegion, input: DescribeClustersCommandInput) {
  const services = [...region.services.values()];
  const clusters = [];
  const failures = [];
  for (const reference of input.clusters ?? ['default']) {
    const cluster = region.clusters.get(nameOf(reference));
    if (cluster) clusters.push(clusterView(cluster, services));
    else failures.push({ arn: reference, reason: 'MISSING' });
  }
  return { clusters, failures };
}

function listClusters(region: EcsRegion, input: ListClustersCommandInput) {
  const arns = [...region.clusters.values()].map((c) => c.arn);
  const { page, nextToken } = paginate(arns, {
    limit: input.maxResults,
    nextToken: input.nextToken,
    max: 100,
    errorType: 'InvalidParameterException',
  });
  return { clusterArns: page, nextToken };
}

export const clusterOperations = {
  CreateCluster: (ctx: EcsContext, input: CreateClusterCommandInput) => ({
    cluster: clusterView(createCluster(ctx.region, input), [...ctx.region.services.values()]),
  }),
  DescribeClusters: (ctx: EcsContext, input: DescribeClustersCommandInput) => describeClusters(ctx.region, input),
  ListClusters: (ctx: EcsContext, input: ListClustersCommandInput) => listClusters(ctx.region, input),
};
