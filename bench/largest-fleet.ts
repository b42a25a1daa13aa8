import type { Plan } from '../lambdas/shared/contracts/state';
import { worstCaseStateBytes } from '../lambdas/shared/contracts/state-size';
import { ACCOUNT } from '../sandbox/ids';

/** The sandbox's region, as Prepare's plan of a bench fleet carries it. */
const REGION = 'us-east-1';
/** A loopback load balancer's url (`http://127.0.0.1:PORT/`), when it is not padded longer. */
const LOOPBACK_URL_CHARS = 23;

export interface FleetShape {
  /** Characters in each service's name (and task definition family). */
  nameLength: number;
  /** Characters in each url; every service has one. */
  urlLength: number;
  clusters: number;
}

/** The plan Prepare makes of a bench fleet of this shape (scheduled tasks left out). */
export function benchPlan(services: number, shape: FleetShape): Plan {
  const arn = (resource: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:${resource}`;
  return {
    deployment: {
      gitsha: 'bad0000',
      updateStrategy: 'current',
      roleArn: null,
      timeoutSeconds: 240,
      pollIntervalSeconds: 1,
      requiredMatches: 3,
      executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:gehen-deploy:bad0000-20260101T000000000Z-abcd`,
    },
    services: Array.from({ length: services }, (_, i) => {
      const name = `svc-${String(i + 1).padStart(3, '0')}`.padEnd(shape.nameLength, 'x');
      return {
        name,
        cluster: arn(`cluster/cluster-${(i % shape.clusters) + 1}`),
        region: REGION,
        url: 'u'.repeat(Math.max(shape.urlLength, LOOPBACK_URL_CHARS)),
        containers: null,
        previousTaskDefinition: arn(`task-definition/${name}:1`),
        previousSha: '1111111',
      };
    }),
    scheduledTasks: [],
  };
}

/** The most services of this shape whose worst-case state fits 256 KiB: what Prepare accepts. */
export function largestFittingFleet(shape: FleetShape): number {
  let low = 0;
  let high = 1_000;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (worstCaseStateBytes(benchPlan(mid, shape)) <= 262_144) low = mid;
    else high = mid - 1;
  }
  return low;
}
