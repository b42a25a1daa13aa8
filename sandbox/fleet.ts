import { readFile } from 'node:fs/promises';
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ACCOUNT } from './ids';

/**
 * The fleet file (`gehen sandbox --fleet FILE`): the services, scheduled tasks and faults the
 * sandbox starts with. Fleet keys are strict (a typo is an error); `taskDefinition` is
 * RegisterTaskDefinition input in ECS's own JSON, kept whole, so only `family` and each
 * container's `name` and `image` are checked.
 */

const containerDefinition = z.looseObject({ name: z.string().min(1), image: z.string().min(1) });

/** RegisterTaskDefinition input whose containers all have a name and an image. */
export type FleetTaskDefinition = RegisterTaskDefinitionCommandInput & {
  containerDefinitions: (ContainerDefinition & { name: string; image: string })[];
};

// Checked loosely (ECS validates the rest on registration), typed as the SDK's input.
const taskDefinition = z.looseObject({
  family: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'letters, digits, hyphens and underscores, up to 255'),
  containerDefinitions: z.array(containerDefinition).min(1),
}) as unknown as z.ZodType<FleetTaskDefinition, FleetTaskDefinition>;

const port = z.number().int().min(0).max(65535);

/**
 * ECS's lifecycle stages a hook may run at (DeploymentLifecycleHook.lifecycleStages,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHook.html).
 */
export const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;

/** Stages a PAUSE hook may not be at: they are for AWS_LAMBDA hooks only (same page). */
export const NO_PAUSE_STAGES: readonly string[] = ['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT'];

/** ECS's DeploymentLifecycleHook; the sandbox runs PAUSE hooks only (AWS_LAMBDA is refused). */
const lifecycleHook = z.strictObject({
  targetType: z.literal('PAUSE'),
  lifecycleStages: z.array(z.enum(HOOK_STAGES)).min(1),
  /** @default { timeoutInMinutes: 1440, action: ROLLBACK } */
  timeoutConfiguration: z
    .strictObject({
      timeoutInMinutes: z.number().positive().optional(),
      action: z.enum(['ROLLBACK', 'CONTINUE']).optional(),
    })
    .optional(),
});

/** ECS's DeploymentConfiguration, with the same names (API_DeploymentConfiguration.html). */
const deploymentConfiguration = z.strictObject({
  minimumHealthyPercent: z.number().int().min(0).max(100).default(100),
  maximumPercent: z.number().int().min(100).max(200).default(200),
  /** @default ROLLING */
  strategy: z.enum(['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY']).optional(),
  /** Blue and green both run this long after production traffic shifted; required for BLUE_GREEN. */
  bakeTimeInMinutes: z.number().min(0).max(1440).optional(),
  /** @default { canaryPercent: 5, canaryBakeTimeInMinutes: 10 } */
  canaryConfiguration: z
    .strictObject({
      canaryPercent: z.number().min(0.1).max(100).optional(),
      canaryBakeTimeInMinutes: z.number().min(0).max(1440).optional(),
    })
    .optional(),
  /** @default { stepPercent: 10, stepBakeTimeInMinutes: 6 } */
  linearConfiguration: z
    .strictObject({
      stepPercent: z.number().min(3).max(100).optional(),
      stepBakeTimeInMinutes: z.number().min(0).max(1440).optional(),
    })
    .optional(),
  lifecycleHooks: z.array(lifecycleHook).optional(),
  /** CloudWatch alarms that fail the deployment (a fault `{ alarm: NAME }` puts one into ALARM). */
  alarms: z
    .strictObject({ alarmNames: z.array(z.string().min(1)).min(1), enable: z.boolean(), rollback: z.boolean() })
    .optional(),
});

const service = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
    cluster: z.string().min(1).default('default'),
    desiredCount: z.number().int().min(0).max(1000).default(1),
    /** The service's load balancer on 127.0.0.1:<listen> (0: a free port). None without it. */
    listen: port.optional(),
    /** Whose image tag the Server header reports; default the first container. */
    serverContainer: z.string().min(1).optional(),
    /** ECS's DeploymentCircuitBreaker, with the same names. */
    circuitBreaker: z
      .strictObject({
        enable: z.boolean(),
        rollback: z.boolean(),
        /** A task turning healthy resets the deployment's failed-task count. @default true */
        resetOnHealthyTask: z.boolean().optional(),
        /** Failures that trip it. @default { type: BOUNDED_PERCENT, value: 50 } */
        thresholdConfiguration: z
          .strictObject({
            type: z.enum(['COUNT', 'BOUNDED_PERCENT', 'UNBOUNDED_PERCENT']),
            value: z.number().int().min(0),
          })
          .optional(),
      })
      .optional(),
    deploymentConfiguration: deploymentConfiguration.optional(),
    /**
     * The test listener on 127.0.0.1:<testListen> (0: a free port), for BLUE_GREEN, LINEAR and
     * CANARY services: it serves the green revision from TEST_TRAFFIC_SHIFT on.
     */
    testListen: port.optional(),
    taskDefinition,
    /**
     * Its load balancer is internal: it answers only Lambda functions that run in a VPC (a
     * VpcConfig in the template), as an internal ALB does. @default false
     */
    private: z.boolean().default(false),
    /** The service has the pre-2021 short ARN `service/<name>` (no cluster segment). @default false */
    shortArn: z.boolean().default(false),
  })
  .superRefine((value, ctx) => {
    const names = value.taskDefinition.containerDefinitions.map((c) => c.name);
    if (value.serverContainer !== undefined && !names.includes(value.serverContainer)) {
      ctx.addIssue({
        code: 'custom',
        path: ['serverContainer'],
        message: `no container named ${value.serverContainer} (containers: ${names.join(', ')})`,
      });
    }
    checkStrategy(value, ctx);
  });

/**
 * What ECS refuses in a strategy's configuration
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHook.html):
 * blue/green, linear and canary shift traffic between two target groups (the sandbox: `listen`
 * and `testListen`), hooks run in those strategies only, and never PAUSE at a traffic shift.
 */
function checkStrategy(
  value: { listen?: number; testListen?: number; deploymentConfiguration?: z.output<typeof deploymentConfiguration> },
  ctx: z.RefinementCtx,
): void {
  const config = value.deploymentConfiguration;
  const strategy = config?.strategy ?? 'ROLLING';
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (strategy === 'ROLLING') {
    if (value.testListen !== undefined)
      issue(['testListen'], 'a test listener needs strategy BLUE_GREEN, LINEAR or CANARY');
    if (config?.lifecycleHooks?.length) {
      issue(
        ['deploymentConfiguration', 'lifecycleHooks'],
        'lifecycle hooks run in BLUE_GREEN, LINEAR and CANARY deployments',
      );
    }
    return;
  }
  if (value.listen === undefined)
    issue(['listen'], `strategy ${strategy} shifts traffic behind a load balancer: give listen`);
  if (strategy === 'BLUE_GREEN' && config?.bakeTimeInMinutes === undefined) {
    issue(['deploymentConfiguration', 'bakeTimeInMinutes'], 'BLUE_GREEN needs bakeTimeInMinutes');
  }
  if (config?.canaryConfiguration && strategy !== 'CANARY') {
    issue(['deploymentConfiguration', 'canaryConfiguration'], 'canaryConfiguration is for strategy CANARY');
  }
  if (config?.linearConfiguration && strategy !== 'LINEAR') {
    issue(['deploymentConfiguration', 'linearConfiguration'], 'linearConfiguration is for strategy LINEAR');
  }
  config?.lifecycleHooks?.forEach((hook, index) => {
    for (const stage of hook.lifecycleStages) {
      if (NO_PAUSE_STAGES.includes(stage)) {
        issue(
          ['deploymentConfiguration', 'lifecycleHooks', index, 'lifecycleStages'],
          `PAUSE hooks cannot be configured at ${stage}`,
        );
      }
    }
  });
}

const target = z.strictObject({
  id: z.string().regex(/^[.\-_A-Za-z0-9]{1,64}$/),
  cluster: z.string().min(1).default('default'),
  taskCount: z.number().int().min(1).max(10).default(1),
  launchType: z.enum(['FARGATE', 'EC2', 'EXTERNAL']).default('FARGATE'),
  /** The role EventBridge uses to run the task. */
  roleArn: z.string().default(`arn:aws:iam::${ACCOUNT}:role/ecsEventsRole`),
  subnets: z.array(z.string()).min(1).default(['subnet-00000000000000000']),
  securityGroups: z.array(z.string()).optional(),
  taskDefinition,
});

const scheduledTask = z.strictObject({
  rule: z.string().regex(/^[.\-_A-Za-z0-9]{1,64}$/),
  scheduleExpression: z.string().regex(/^(rate|cron)\(.+\)$/, 'rate(…) or cron(…)'),
  targets: z.array(target).min(1).max(5),
});

const fault = z.union([
  z.literal('crash'),
  z.literal('unhealthy'),
  z.strictObject({ startSeconds: z.number().min(0) }),
  z.strictObject({ reports: z.string().min(1) }),
  /** Tasks of this tag drain this long when stopped (instead of timing.drainSeconds): keyed by the OLD tag. */
  z.strictObject({ drainSeconds: z.number().min(0) }),
  /** This share of the new tasks is UNHEALTHY (replaced, counted as failed); the rest run healthy. */
  z.strictObject({ unhealthyFraction: z.number().min(0).max(1) }),
  /** While tasks of this tag serve production traffic, this CloudWatch alarm is in ALARM. */
  z.strictObject({ alarm: z.string().min(1) }),
]);

/** Request fields of an API call, exact or glob (`*`, `?`), to pick the calls an apiFault fails. */
const apiFault = z.strictObject({
  /** The API operation, such as UpdateService or PutTargets (any service the sandbox serves). */
  operation: z.string().regex(/^[A-Z][A-Za-z0-9]+$/, 'an API operation name such as UpdateService'),
  /** Request fields that must all match (exact or glob; ARNs also match by their last segment). */
  match: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** The error type answered, e.g. AccessDeniedException, ThrottlingException, ClientException. */
  error: z.string().regex(/^[A-Za-z.]+$/),
  message: z.string().optional(),
  /** How many matching calls fail; 0: every one. @default 0 */
  count: z.number().int().min(0).default(0),
});

/** An IAM policy statement, as in a policy document. */
const policyStatement = z.looseObject({
  Effect: z.enum(['Allow', 'Deny']),
  Action: z.union([z.string(), z.array(z.string())]).optional(),
  NotAction: z.union([z.string(), z.array(z.string())]).optional(),
  Resource: z.union([z.string(), z.array(z.string())]).optional(),
  NotResource: z.union([z.string(), z.array(z.string())]).optional(),
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

const role = z.strictObject({
  arn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN'),
  /** Task-definition ARNs (globs allowed) this role may RunTask, for scheduled rules' targets. Undeclared: any. */
  allowRunTask: z.array(z.string().min(1)).optional(),
  /** The role's policy statements: calls made under it (gehen's `role.arn`) are evaluated against them. */
  policy: z.array(policyStatement).optional(),
});

const seconds = z.number().min(0);

const fleetObject = z.strictObject({
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')
    .default('us-east-1'),
  services: z.array(service).default([]),
  scheduledTasks: z.array(scheduledTask).default([]),
  /** `ideal`: today's instant, consistent, kind world. `realistic`: every model below at AWS's defaults. */
  profile: z.enum(['ideal', 'realistic']).default('ideal'),
  timing: z
    .strictObject({
      /** Multiplies every modelled duration (0.01 runs a 10-minute rollout in 6 s). */
      scale: z.number().positive().optional(),
      taskStartSeconds: seconds.optional(),
      /** The older name of deregistrationDelaySeconds. */
      drainSeconds: seconds.optional(),
      healthCheckGracePeriodSeconds: seconds.optional(),
      healthyThresholdCount: z.number().int().min(1).max(10).optional(),
      healthCheckIntervalSeconds: seconds.optional(),
      deregistrationDelaySeconds: seconds.optional(),
    })
    .default({}),
  /** How long reads may lag writes. */
  consistency: z.strictObject({ ecsSeconds: seconds.optional(), executionsSeconds: seconds.optional() }).default({}),
  /** `aws`: token buckets at AWS's published rates; a number: that random fraction of calls throttled. */
  throttling: z.union([z.literal('aws'), z.number().min(0).lt(1)]).optional(),
  /** The older spelling of `throttling: <fraction>`. */
  throttle: z.number().min(0).lt(1).optional(),
  /** Evaluate every call against the caller's IAM policy (the template's, or `roles[].policy`). */
  iam: z.enum(['on', 'off']).optional(),
  roles: z.array(role).default([]),
  apiFaults: z.array(apiFault).default([]),
  faults: z.record(z.string().min(1), fault).default({}),
});

export const fleetSchema = fleetObject
  .superRefine((fleet, ctx) => {
    const seen = new Map<string, number>();
    fleet.services.forEach((s, index) => {
      if (seen.has(s.name)) {
        ctx.addIssue({ code: 'custom', path: ['services', index, 'name'], message: `duplicate service ${s.name}` });
      }
      seen.set(s.name, index);
    });
    const ports = new Set<number>();
    fleet.services.forEach((s, index) => {
      for (const key of ['listen', 'testListen'] as const) {
        const value = s[key];
        if (!value) continue;
        if (ports.has(value)) {
          ctx.addIssue({ code: 'custom', path: ['services', index, key], message: `port ${value} used twice` });
        }
        ports.add(value);
      }
    });
    const rules = new Set<string>();
    fleet.scheduledTasks.forEach((t, index) => {
      if (rules.has(t.rule)) {
        ctx.addIssue({ code: 'custom', path: ['scheduledTasks', index, 'rule'], message: `duplicate rule ${t.rule}` });
      }
      rules.add(t.rule);
    });
    if (fleet.timing.drainSeconds !== undefined && fleet.timing.deregistrationDelaySeconds !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['timing', 'drainSeconds'],
        message: 'drainSeconds is the older name of deregistrationDelaySeconds: give one, not both',
      });
    }
    if (fleet.throttle !== undefined && fleet.throttling !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['throttle'], message: 'give throttling or throttle, not both' });
    }
  })
  .transform(resolveProfile);

/**
 * AWS's defaults for the realistic models, each from the page that states it:
 * - ALB target group health checks: every 30 s, 5 consecutive successes to turn healthy
 *   (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html);
 * - deregistration delay 300 s
 *   (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ModifyTargetGroupAttributes.html);
 * - healthCheckGracePeriodSeconds: ECS uses 0 when unset; services behind a load balancer commonly set
 *   60 (the issue's figure), which is the value modelled here;
 * - task start: pulling and starting a Fargate task takes tens of seconds (no AWS figure: an assumption).
 */
export const REALISTIC_TIMING: ModelTiming = {
  taskStartSeconds: 20,
  drainSeconds: 300,
  healthCheckGracePeriodSeconds: 60,
  healthyThresholdCount: 5,
  healthCheckIntervalSeconds: 30,
  deregistrationDelaySeconds: 300,
};

/** The ideal world: tasks start in a second, pass health checks at once, drain in a second. */
export const IDEAL_TIMING: ModelTiming = {
  taskStartSeconds: 1,
  drainSeconds: 1,
  healthCheckGracePeriodSeconds: 0,
  healthyThresholdCount: 1,
  healthCheckIntervalSeconds: 0,
  deregistrationDelaySeconds: 1,
};

/** Modelled durations in seconds (before `timing.scale`) and the health-check threshold. */
export interface ModelTiming {
  taskStartSeconds: number;
  drainSeconds: number;
  healthCheckGracePeriodSeconds: number;
  healthyThresholdCount: number;
  healthCheckIntervalSeconds: number;
  deregistrationDelaySeconds: number;
}

type ParsedFleet = z.output<typeof fleetObject>;

/** Fills every model's setting from the profile unless the file sets it. */
function resolveProfile(fleet: ParsedFleet) {
  const realistic = fleet.profile === 'realistic';
  const base = realistic ? REALISTIC_TIMING : IDEAL_TIMING;
  const { scale = 1, drainSeconds, ...given } = fleet.timing;
  const timing: ModelTiming & { scale: number } = { scale, ...base, ...definedOnly(given) };
  // One concept, two names: a stopped task drains for the target group's deregistration delay.
  timing.deregistrationDelaySeconds =
    given.deregistrationDelaySeconds ?? drainSeconds ?? base.deregistrationDelaySeconds;
  timing.drainSeconds = timing.deregistrationDelaySeconds;
  const consistency = {
    ecsSeconds: fleet.consistency.ecsSeconds ?? (realistic ? 2 : 0),
    executionsSeconds: fleet.consistency.executionsSeconds ?? (realistic ? 2 : 0),
  };
  const fraction = fleet.throttling ?? fleet.throttle;
  const throttling: Throttling =
    fraction === 'aws' || (fraction === undefined && realistic)
      ? { kind: 'aws' }
      : fraction
        ? { kind: 'fraction', fraction }
        : { kind: 'off' };
  const { throttle: _throttle, ...rest } = fleet;
  return { ...rest, timing, consistency, throttling, iam: (fleet.iam ?? (realistic ? 'on' : 'off')) === 'on' };
}

/** How the sandbox throttles ECS and EventBridge calls. */
export type Throttling = { kind: 'off' } | { kind: 'aws' } | { kind: 'fraction'; fraction: number };

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The fleet file as written (defaults optional). */
export type FleetInput = z.input<typeof fleetSchema>;
/** The fleet with every default filled in. */
export type Fleet = z.output<typeof fleetSchema>;
export type FleetService = Fleet['services'][number];
export type FleetScheduledTask = Fleet['scheduledTasks'][number];
export type Fault = Fleet['faults'][string];
export type FleetTiming = Fleet['timing'];

export class FleetError extends Error {
  override readonly name = 'FleetError';
}

/** Validates a fleet document, reporting every problem with its path at once. */
export function parseFleet(document: unknown, source = 'fleet'): Fleet {
  const result = fleetSchema.safeParse(document ?? undefined);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `  ${path || '(root)'}: ${issue.message}`;
  });
  throw new FleetError(`invalid fleet ${source}:\n${problems.join('\n')}`, { cause: result.error });
}

/** Reads and validates a fleet YAML (or JSON) file. */
export async function loadFleet(path: string): Promise<Fleet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FleetError(`cannot read fleet file ${path}`, { cause: error });
  }
  if (text.trim() === '') throw new FleetError(`fleet file ${path} is empty`);
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new FleetError(`fleet file ${path} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  return parseFleet(document, path);
}

/**
 * A small Fargate task definition for a fleet: one essential container per [name, image].
 * Tests and benchmarks generate fleets with it.
 */
export function fleetTaskDefinition(family: string, containers: Array<[string, string]>) {
  return {
    family,
    requiresCompatibilities: ['FARGATE' as const],
    networkMode: 'awsvpc' as const,
    cpu: '256',
    memory: '512',
    containerDefinitions: containers.map(([name, image]) => ({ name, image, essential: true })),
  };
}
