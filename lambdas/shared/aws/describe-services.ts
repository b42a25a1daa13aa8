import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  type ECSClient,
  type Failure,
  type Service,
} from '@aws-sdk/client-ecs';
import { wrapAwsError } from '../contracts/errors';
import { serviceName } from './ecs-names';

/** DescribeServices accepts at most 10 services per call. */
export const DESCRIBE_SERVICES_BATCH = 10;

export interface ServiceLookup {
  region: string;
  /** Cluster ARN or name, as ECS accepts it. */
  cluster: string;
  /** Service name or ARN. */
  service: string;
}

export interface DescribedServices {
  /** Keyed by `lookupKey(lookup)`. */
  found: Map<string, Service>;
  /** Keyed the same way: MISSING services, unknown clusters and the like. */
  failures: Map<string, Failure>;
}

export function lookupKey(lookup: ServiceLookup): string {
  return `${lookup.region}|${lookup.cluster}|${lookup.service}`;
}

/**
 * Describes many services with as few calls as ECS allows: grouped by region and cluster,
 * 10 per call, the calls of a round in parallel. Both a poll round and Prepare use it, which is
 * what keeps gehen at a fraction of an ECS read call per service per round.
 */
export async function describeServicesBatched(
  ecs: (region: string) => ECSClient,
  lookups: readonly ServiceLookup[],
): Promise<DescribedServices> {
  const groups = new Map<string, ServiceLookup[]>();
  for (const lookup of lookups) {
    const key = `${lookup.region}|${lookup.cluster}`;
    const group = groups.get(key) ?? [];
    group.push(lookup);
    groups.set(key, group);
  }
  const found = new Map<string, Service>();
  const failures = new Map<string, Failure>();
  const calls: Promise<void>[] = [];
  for (const group of groups.values()) {
    for (let start = 0; start < group.length; start += DESCRIBE_SERVICES_BATCH) {
      const batch = group.slice(start, start + DESCRIBE_SERVICES_BATCH);
      const first = batch[0];
      if (!first) continue;
      calls.push(
        (async () => {
          let response: DescribeServicesCommandOutput;
          try {
            response = await ecs(first.region).send(
              new DescribeServicesCommand({ cluster: first.cluster, services: batch.map((l) => l.service) }),
            );
          } catch (error) {
            throw wrapAwsError(`describe services in cluster ${first.cluster} (${first.region})`, error);
          }
          for (const lookup of batch) {
            // A batch is one cluster, so the name alone identifies a service: it matches an ARN in
            // either format (long `service/CLUSTER/NAME` or pre-2021 short `service/NAME`).
            const name = serviceName(lookup.service);
            const service = response.services?.find((s) => s.serviceArn === lookup.service || s.serviceName === name);
            if (service) {
              found.set(lookupKey(lookup), service);
              continue;
            }
            const failure = response.failures?.find(
              (f) => f.arn === lookup.service || (f.arn !== undefined && serviceName(f.arn) === name),
            );
            failures.set(lookupKey(lookup), failure ?? { arn: lookup.service, reason: 'MISSING' });
          }
        })(),
      );
    }
  }
  await Promise.all(calls);
  return { found, failures };
}
