import type { FleetInput } from '../sandbox';
import { fleetTaskDefinition } from '../sandbox/fleet';

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
export const BASE_SHA = '1111111';
/** The image tag whose tasks crash before RUNNING: the rollback runs deploy it. */
export const CRASHING_SHA = 'bad0000';

export interface BenchFleetOptions {
  services: number;
  /** @default 4 */
  clusters?: number;
  /** Every n-th service gets a load balancer (and a url in gehen.yml); the others are verified by ECS. @default 50 */
  loadBalancerEvery?: number;
  /** @default 1 */
  desiredCount?: number;
  /** Scheduled-task rules. @default one per 10 services */
  scheduledTasks?: number;
  timing?: { taskStartSeconds: number; drainSeconds: number };
  /** Faults by image tag, besides CRASHING_SHA's crash: a slow start, or a drain of its own (keyed by the old tag). */
  faults?: Record<string, { startSeconds: number } | { drainSeconds: number }>;
  /** Each service's name (and task definition family) is padded to this many characters. @default 7 */
  nameLength?: number;
  /** `aws`: ECS and EventBridge token buckets at AWS's rates (sandbox/throttling.ts). @default off */
  throttling?: 'aws';
  /** Every service's ECS deploymentConfiguration (a staged strategy needs a load balancer: loadBalancerEvery 1). @default rolling */
  deploymentConfiguration?: FleetService['deploymentConfiguration'];
}

type FleetService = NonNullable<FleetInput['services']>[number];

/** A generated fleet: `svc-001`… spread round-robin over `cluster-1`…, each with the circuit breaker on. */
export function benchFleet(options: BenchFleetOptions): FleetInput {
  const clusters = options.clusters ?? 4;
  const every = options.loadBalancerEvery ?? 50;
  const names = serviceNames(options.services, options.nameLength);
  const rules = options.scheduledTasks ?? Math.floor(options.services / 10);
  return {
    services: names.map((name, i) => ({
      name,
      cluster: clusterOf(i, clusters),
      desiredCount: options.desiredCount ?? 1,
      ...(i % every === 0 ? { listen: 0 } : {}),
      circuitBreaker: { enable: true, rollback: false },
      ...(options.deploymentConfiguration ? { deploymentConfiguration: options.deploymentConfiguration } : {}),
      taskDefinition: taskDefinition(name),
    })),
    scheduledTasks: Array.from({ length: rules }, (_, i) => ({
      rule: `report-${pad(i + 1)}`,
      scheduleExpression: 'rate(1 day)',
      targets: [
        { id: 'report', cluster: clusterOf(i, clusters), taskDefinition: taskDefinition(`report-${pad(i + 1)}`) },
      ],
    })),
    timing: options.timing ?? { taskStartSeconds: 0.2, drainSeconds: 0.2 },
    faults: { ...options.faults, [CRASHING_SHA]: 'crash' },
    ...(options.throttling ? { throttling: options.throttling } : {}),
  };
}

export interface BenchConfigOptions {
  pollIntervalSeconds: number;
  /** @default 4 (at 1 s a phase then has 240 rounds, within gehen's 250) */
  timeoutMinutes?: number;
  /** @default 3 */
  requiredMatches?: number;
  /** Each url is padded (with a path its load balancer answers too) to this many characters. */
  urlLength?: number;
  /** gehen.yml's `gate`, holding every service at `stage`. @default no gate */
  gate?: { stage: string; approval: 'none' | 'manual' };
}

/** The gehen.yml deploying every service and scheduled task of a fleet; services with a load balancer get its url. */
export function benchConfig(
  fleet: FleetInput,
  loadBalancers: Record<string, string>,
  options: BenchConfigOptions,
): string {
  const lines = [
    `timeoutMinutes: ${options.timeoutMinutes ?? 4}`,
    `pollIntervalSeconds: ${options.pollIntervalSeconds}`,
    `requiredMatches: ${options.requiredMatches ?? 3}`,
    ...(options.gate ? ['gate:', `  stage: ${options.gate.stage}`, `  approval: ${options.gate.approval}`] : []),
    'services:',
  ];
  for (const service of fleet.services ?? []) {
    lines.push(`  ${service.name}:`, `    cluster: ${service.cluster}`);
    const url = loadBalancers[service.name];
    if (url) lines.push(`    url: ${paddedUrl(`${url}/`, options.urlLength)}`);
  }
  if ((fleet.scheduledTasks ?? []).length > 0) {
    lines.push('scheduledTasks:');
    for (const task of fleet.scheduledTasks ?? []) lines.push(`  ${task.rule}:`);
  }
  return `${lines.join('\n')}\n`;
}

function serviceNames(count: number, length = 7): string[] {
  return Array.from({ length: count }, (_, i) => `svc-${pad(i + 1)}`.padEnd(length, 'x'));
}

/** `url` with a path of `x`s making it `length` characters long (unchanged when it is already). */
export function paddedUrl(url: string, length = 0): string {
  return url.padEnd(length, 'x');
}

function clusterOf(index: number, clusters: number): string {
  return `cluster-${(index % clusters) + 1}`;
}

function pad(n: number): string {
  return String(n).padStart(3, '0');
}

function taskDefinition(family: string) {
  return fleetTaskDefinition(family, [[family, `${ECR}/${family}:${BASE_SHA}`]]);
}
