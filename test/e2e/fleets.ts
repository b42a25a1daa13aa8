import type { FleetInput } from '../../sandbox';
import type { E2e } from './harness';
import { taskDefinition } from './harness';

/**
 * The pieces the e2e suites build their fleets and gehen.yml files from: services in cluster `demo`
 * running `${ECR}/NAME:1111111`, the nightly-report rule, and gehen.yml text that watches fast.
 */

export const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

/** Fleet timing for tests: tasks start in 0.2 s and drain in 0.3 s. */
export const FAST = { taskStartSeconds: 0.2, drainSeconds: 0.3 };

/** The sandbox profiles the e2e scenarios run on (see sandbox/README.md, `profile`). */
export type Profile = 'ideal' | 'realistic';
export const PROFILES: readonly Profile[] = ['ideal', 'realistic'];

/**
 * AWS's timing at 1/100 of real time: a task starts in 0.2 s, passes 5 health checks 30 s apart in
 * 1.5 s, and drains for 300 s in 3 s, so a one-batch rollout takes about 5 s.
 */
export const REALISTIC_SCALE = 0.01;

/**
 * The fleet on `profile`: as given for `ideal`; for `realistic`, every model at AWS's defaults
 * (throttling, consistency lag, IAM, ALB timing) with the fleet's own timing replaced by AWS's,
 * scaled by REALISTIC_SCALE. Faults' durations are scaled too: key them in modelled seconds.
 */
export function onProfile(profile: Profile, fleet: FleetInput): FleetInput {
  if (profile === 'ideal') return fleet;
  return { ...fleet, profile: 'realistic', timing: { scale: REALISTIC_SCALE } };
}

type TestFn = (name: string, fn: jest.ProvidesCallback, timeout?: number) => void;

/**
 * `it`; or, on the realistic profile where the product is known to fail (`realisticFailure` names the
 * product issue that fixes it), `it.skip` with that reason in its name. Never a softer model.
 */
export function itOn(profile: Profile, realisticFailure?: string): TestFn {
  if (profile !== 'realistic' || realisticFailure === undefined) return it;
  return (name, fn, timeout) => it.skip(`${name} [skipped on realistic: ${realisticFailure}]`, fn, timeout);
}

/** An ECS deployment circuit breaker that fails a crashing rollout and leaves the rollback to gehen. */
export const circuitBreaker = { enable: true, rollback: false };

type FleetServiceInput = NonNullable<FleetInput['services']>[number];

/**
 * A service NAME in cluster `demo` with one container, NAME, running `${ECR}/NAME:TAG` (`tag` 1111111 unless
 * given); the other `fields` are set as they are, and replace those defaults.
 */
export function demoService(
  name: string,
  { tag = '1111111', ...fields }: Partial<FleetServiceInput> & { tag?: string } = {},
): FleetServiceInput {
  return { name, cluster: 'demo', taskDefinition: taskDefinition(name, [name, `${ECR}/${name}:${tag}`]), ...fields };
}

/** The scheduled task rule `nightly-report`: one target, `report`, in cluster `demo`, running `${ECR}/report:1111111`. */
export const nightlyReport = {
  rule: 'nightly-report',
  scheduleExpression: 'rate(1 day)',
  targets: [
    { id: 'report', cluster: 'demo', taskDefinition: taskDefinition('report', ['report', `${ECR}/report:1111111`]) },
  ],
};

/** A service's entry in a gehen.yml: cluster `demo` unless `cluster` says otherwise. */
export interface ConfigService {
  cluster?: string;
  url?: string;
  containers?: string[];
}

export interface DemoConfig {
  updateStrategy?: string;
  /** Name → entry, in the order they are written. */
  services: Record<string, ConfigService>;
  /** Rules of scheduled tasks to update. */
  scheduledTasks?: string[];
  /** 1 unless given. */
  timeoutMinutes?: number;
  /** 1 unless given. */
  pollIntervalSeconds?: number;
  /** 2 unless given; null leaves it out of the file (gehen's default). */
  requiredMatches?: number | null;
}

/** The text of a gehen.yml. */
export function demoConfig({
  updateStrategy,
  services,
  scheduledTasks = [],
  timeoutMinutes = 1,
  pollIntervalSeconds = 1,
  requiredMatches = 2,
}: DemoConfig): string {
  const lines: string[] = [];
  if (updateStrategy) lines.push(`updateStrategy: ${updateStrategy}`);
  lines.push('services:');
  for (const [name, { cluster = 'demo', url, containers }] of Object.entries(services)) {
    lines.push(`  ${name}:`, `    cluster: ${cluster}`);
    if (url) lines.push(`    url: ${url}`);
    if (containers) lines.push(`    containers: [${containers.join(', ')}]`);
  }
  if (scheduledTasks.length > 0) lines.push('scheduledTasks:', ...scheduledTasks.map((rule) => `  ${rule}:`));
  lines.push(`timeoutMinutes: ${timeoutMinutes}`, `pollIntervalSeconds: ${pollIntervalSeconds}`);
  if (requiredMatches !== null) lines.push(`requiredMatches: ${requiredMatches}`);
  return `${lines.join('\n')}\n`;
}

/** The named services' gehen.yml entries, each probed at `/` of its load balancer when it has one. */
export function probedServices(e2e: E2e, names: readonly string[]): Record<string, ConfigService> {
  return Object.fromEntries(
    names.map((name) => {
      const url = e2e.sandbox.loadBalancers[name];
      return [name, url ? { url: `${url}/` } : {}];
    }),
  );
}

/** The gate's three services: CANARY, held at POST_TEST_TRAFFIC_SHIFT by a PAUSE hook. */
export const GATED_NAMES = ['api', 'web', 'checkout'];
export const GATED_CANARY = {
  strategy: 'CANARY',
  bakeTimeInMinutes: 1,
  canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
  lifecycleHooks: [
    {
      targetType: 'PAUSE',
      lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
      timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' },
    },
  ],
};
