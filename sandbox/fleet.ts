import { readFile } from 'node:fs/promises';
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

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

const service = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
    cluster: z.string().min(1).default('default'),
    desiredCount: z.number().int().min(0).max(1000).default(1),
    /** The service's load balancer on 127.0.0.1:<listen> (0: a free port). None without it. */
    listen: port.optional(),
    /** Whose image tag the Server header reports; default the first container. */
    serverContainer: z.string().min(1).optional(),
    circuitBreaker: z.strictObject({ enable: z.boolean(), rollback: z.boolean() }).optional(),
    deploymentConfiguration: z
      .strictObject({
        minimumHealthyPercent: z.number().int().min(0).max(100).default(100),
        maximumPercent: z.number().int().min(100).max(200).default(200),
      })
      .optional(),
    taskDefinition,
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
  });

const target = z.strictObject({
  id: z.string().regex(/^[.\-_A-Za-z0-9]{1,64}$/),
  cluster: z.string().min(1).default('default'),
  taskCount: z.number().int().min(1).max(10).default(1),
  launchType: z.enum(['FARGATE', 'EC2', 'EXTERNAL']).default('FARGATE'),
  /** The role EventBridge uses to run the task. */
  roleArn: z.string().default('arn:aws:iam::000000000000:role/ecsEventsRole'),
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
]);

export const fleetSchema = z
  .strictObject({
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')
      .default('us-east-1'),
    services: z.array(service).default([]),
    scheduledTasks: z.array(scheduledTask).default([]),
    timing: z
      .strictObject({
        taskStartSeconds: z.number().min(0).default(1),
        drainSeconds: z.number().min(0).default(1),
      })
      .default({ taskStartSeconds: 1, drainSeconds: 1 }),
    faults: z.record(z.string().min(1), fault).default({}),
    throttle: z.number().min(0).lt(1).default(0),
  })
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
      if (!s.listen) return;
      if (ports.has(s.listen)) {
        ctx.addIssue({ code: 'custom', path: ['services', index, 'listen'], message: `port ${s.listen} used twice` });
      }
      ports.add(s.listen);
    });
    const rules = new Set<string>();
    fleet.scheduledTasks.forEach((t, index) => {
      if (rules.has(t.rule)) {
        ctx.addIssue({ code: 'custom', path: ['scheduledTasks', index, 'rule'], message: `duplicate rule ${t.rule}` });
      }
      rules.add(t.rule);
    });
  });

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
