import { GITSHA } from './gitsha';
import * as z from './zod'; // zod/mini, with classic zod's English messages

export { GITSHA };

/**
 * gehen.yml: the original's format, unchanged, plus a few optional keys. One schema shared by
 * the CLI (validates before anything starts) and the Prepare step (validates the execution input
 * again, since the console and EventBridge can start executions too).
 */

export const UPDATE_STRATEGIES = ['current', 'latest', 'redeploy', 'none'] as const;
export type UpdateStrategy = (typeof UPDATE_STRATEGIES)[number];

const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/;
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

/**
 * Each poll round costs 9 execution-history events and a deployment has up to four polling
 * phases; this many rounds a phase keeps a 200-service rollback well inside the 25,000-event cap.
 */
export const MAX_ROUNDS_PER_PHASE = 250;

/**
 * The plan travels in the state data, about 0.55 KB a service (measured by npm run bench): this
 * many services and scheduled tasks keep it well inside Step Functions' 256 KB payload limit.
 */
export const MAX_TARGETS = 300;

function sizeProblem(count: number): string | null {
  if (count <= MAX_TARGETS) return null;
  return `${count} services and scheduled tasks; at most ${MAX_TARGETS} fit one deployment's state (Step Functions' 256 KB payload limit): split them across gehen.yml files`;
}

const DEFAULT_POLL_INTERVAL_SECONDS = 15;
const MAX_POLL_INTERVAL_SECONDS = 300;

/**
 * The poll interval when gehen.yml sets none: 15 s, or longer when a long timeoutMinutes would
 * otherwise need more than MAX_ROUNDS_PER_PHASE rounds. The original had no round cap, so a file
 * it accepted (timeoutMinutes 90, no interval) must still be valid: it is polled every 22 s.
 */
export function defaultPollIntervalSeconds(timeoutMinutes: number): number {
  const fitting = Math.ceil((timeoutMinutes * 60) / MAX_ROUNDS_PER_PHASE);
  return Math.min(MAX_POLL_INTERVAL_SECONDS, Math.max(DEFAULT_POLL_INTERVAL_SECONDS, fitting));
}

function roundsProblem(timeoutMinutes: number, pollIntervalSeconds: number): string | null {
  const rounds = Math.ceil((timeoutMinutes * 60) / pollIntervalSeconds);
  if (rounds <= MAX_ROUNDS_PER_PHASE) return null;
  return `timeoutMinutes ${timeoutMinutes} polled every ${pollIntervalSeconds} s is ${rounds} rounds a phase; at most ${MAX_ROUNDS_PER_PHASE} fit Step Functions' history limit: raise pollIntervalSeconds or lower timeoutMinutes`;
}

/** Classic zod's `.nullish().transform((value) => value ?? fallback)`. */
function nullishOr<T extends z.ZodMiniType, const F>(schema: T, fallback: F) {
  return z.pipe(
    z.nullish(schema),
    z.transform((value: z.output<T> | null | undefined) => value ?? fallback),
  );
}

/**
 * Built in a function, called with a pure annotation, so bundles that never parse a gehen.yml
 * (the Prepare step validates only the execution input) drop this schema: zod/mini's `.check()`
 * is a method call, which a bundler otherwise keeps.
 */
function buildGehenFileSchema() {
  const containers = z
    .array(z.string().check(z.regex(CONTAINER_NAME, 'must be a container name')))
    .check(z.minLength(1, 'must name at least one container, or be left out to mean every container'));

  const serviceSchema = z.strictObject({
    cluster: z.string({ error: 'is required: a cluster name or ARN' }).check(
      z.refine((value) => CLUSTER_ARN.test(value) || CLUSTER_NAME.test(value), {
        message: 'must be a cluster name or an ECS cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)',
      }),
    ),
    url: nullishOr(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }), null),
    containers: nullishOr(containers, null),
  });

  const scheduledTaskSchema = z.pipe(
    z.nullish(z.strictObject({ containers: nullishOr(containers, null) })),
    z.transform((value: { containers: string[] | null } | null | undefined) => ({
      containers: value?.containers ?? null,
    })),
  );

  return z
    .strictObject({
      role: z.nullish(
        z.strictObject({
          arn: z.string().check(z.regex(ROLE_ARN, 'must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)')),
        }),
      ),
      updateStrategy: nullishOr(
        z.pipe(
          z.pipe(
            z.string(),
            z.transform((value: string) => value.toLowerCase()),
          ),
          z.enum(UPDATE_STRATEGIES, { error: 'must be one of current, latest, redeploy, none' }),
        ),
        'current',
      ),
      timeoutMinutes: nullishOr(
        z
          .number({ error: 'must be a number of minutes' })
          .check(z.positive('must be greater than 0'), z.lte(24 * 60, 'must be at most 1440 (one day)')),
        10,
      ),
      // No default here: it depends on timeoutMinutes (defaultPollIntervalSeconds).
      pollIntervalSeconds: z.nullish(
        z
          .number({ error: 'must be a whole number of seconds' })
          .check(
            z.int('must be a whole number of seconds'),
            z.gte(1, 'must be between 1 and 300'),
            z.lte(MAX_POLL_INTERVAL_SECONDS, 'must be between 1 and 300'),
          ),
      ),
      requiredMatches: nullishOr(
        z
          .number()
          .check(
            z.int('must be a whole number'),
            z.gte(1, 'must be between 1 and 20'),
            z.lte(20, 'must be between 1 and 20'),
          ),
        3,
      ),
      region: z.nullish(z.string().check(z.regex(REGION, 'must be an AWS region such as us-east-1'))),
      stateMachineArn: z.nullish(
        z
          .string()
          .check(
            z.regex(
              /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w-]{1,80}$/,
              'must be a state machine ARN',
            ),
          ),
      ),
      trigger: z.nullish(
        z.strictObject({
          ecrRepository: z.string().check(z.regex(/^[a-z0-9][a-z0-9._\-/]{1,255}$/, 'must be an ECR repository name')),
          tagPattern: nullishOr(
            z.string().check(z.refine(isRegExp, 'must be a valid regular expression')),
            '^[0-9a-f]{7,40}$',
          ),
        }),
      ),
      services: z.nullish(
        z.record(
          z.string().check(z.regex(SERVICE_NAME, 'must be an ECS service name')),
          // `api:` with nothing under it is a service without a cluster: reported with the other problems.
          z.pipe(
            z.transform((value: unknown) => value ?? {}),
            serviceSchema,
          ),
        ),
      ),
      scheduledTasks: z.nullish(
        z.record(z.string().check(z.regex(RULE_NAME, 'must be an EventBridge rule name')), scheduledTaskSchema),
      ),
    })
    .check(
      z.superRefine((file, ctx) => {
        const services = Object.keys(file.services ?? {}).length;
        const rules = Object.keys(file.scheduledTasks ?? {}).length;
        if (services + rules === 0) {
          ctx.addIssue({ code: 'custom', message: 'name at least one service or scheduled task', path: ['services'] });
        }
        const interval = file.pollIntervalSeconds ?? defaultPollIntervalSeconds(file.timeoutMinutes);
        const rounds = roundsProblem(file.timeoutMinutes, interval);
        if (rounds) ctx.addIssue({ code: 'custom', message: rounds, path: ['timeoutMinutes'] });
        const size = sizeProblem(services + rules);
        if (size) ctx.addIssue({ code: 'custom', message: size, path: ['services'] });
      }),
    );
}

export const gehenFileSchema = /* @__PURE__ */ buildGehenFileSchema();

export type GehenFile = z.output<typeof gehenFileSchema>;

/** A service as the workflow receives it. */
export interface ServiceConfig {
  name: string;
  /** As written: a cluster ARN or a bare name. */
  cluster: string;
  /** From the cluster ARN, else the file's `region`, else null (the caller's region). */
  region: string | null;
  url: string | null;
  /** null: every container of the task definition. */
  containers: string[] | null;
}

export interface ScheduledTaskConfig {
  rule: string;
  region: string | null;
  containers: string[] | null;
}

/** The normalized gehen.yml: what an execution of gehen-deploy takes as `config`. */
export interface DeployConfig {
  roleArn: string | null;
  updateStrategy: UpdateStrategy;
  timeoutMinutes: number;
  pollIntervalSeconds: number;
  requiredMatches: number;
  region: string | null;
  services: ServiceConfig[];
  scheduledTasks: ScheduledTaskConfig[];
}

/** A parsed gehen.yml: the deploy config plus the keys only the CLI and the CDK app read. */
export interface LoadedConfig {
  config: DeployConfig;
  stateMachineArn: string | null;
  trigger: { ecrRepository: string; tagPattern: string } | null;
}

/** All problems of a config at once, each naming its path ("services.api.url: …"). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is not a valid gehen config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function isRegExp(value: string): boolean {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}

export function regionOfClusterArn(cluster: string): string | null {
  return CLUSTER_ARN.exec(cluster)?.[1] ?? null;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(top level)';
}

/** Validates an already-parsed document. `source` names it in errors (a file path, "execution input"). */
export function parseGehenConfig(document: unknown, source: string): LoadedConfig {
  if (document === null || document === undefined) {
    throw new ConfigError(source, ['the file is empty: name at least one service or scheduled task']);
  }
  const result = gehenFileSchema.safeParse(document);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => {
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (a typo?)`
            : issue.message;
        return `${formatPath(issue.path)}: ${message}`;
      }),
    );
  }
  const file = result.data;
  const region = file.region ?? null;
  return {
    config: {
      roleArn: file.role?.arn ?? null,
      updateStrategy: file.updateStrategy,
      timeoutMinutes: file.timeoutMinutes,
      pollIntervalSeconds: file.pollIntervalSeconds ?? defaultPollIntervalSeconds(file.timeoutMinutes),
      requiredMatches: file.requiredMatches,
      region,
      services: Object.entries(file.services ?? {}).map(([name, service]) => ({
        name,
        cluster: service.cluster,
        region: regionOfClusterArn(service.cluster) ?? region,
        url: service.url,
        containers: service.containers,
      })),
      scheduledTasks: Object.entries(file.scheduledTasks ?? {}).map(([rule, task]) => ({
        rule,
        region,
        containers: task.containers,
      })),
    },
    stateMachineArn: file.stateMachineArn ?? null,
    trigger: file.trigger ? { ecrRepository: file.trigger.ecrRepository, tagPattern: file.trigger.tagPattern } : null,
  };
}

/**
 * Validates a git SHA: 7 to 40 hex characters. Returns it as given: it becomes the image tag, and
 * image tags are case-sensitive (`ABCDEF1` and `abcdef1` are two tags). Matching is case-insensitive.
 */
export function parseGitsha(value: unknown): string {
  if (typeof value !== 'string' || !GITSHA.test(value)) {
    throw new ConfigError('gitsha', [
      `gitsha: must be 7 to 40 hexadecimal characters (a git commit SHA), got ${JSON.stringify(value ?? null)}`,
    ]);
  }
  return value;
}

const regionSchema = z.nullable(z.string().check(z.regex(REGION)));
const containerListSchema = z.nullable(z.array(z.string().check(z.regex(CONTAINER_NAME))).check(z.minLength(1)));

const deployConfigSchema = z.strictObject({
  roleArn: z.nullable(z.string().check(z.regex(ROLE_ARN))),
  updateStrategy: z.enum(UPDATE_STRATEGIES),
  timeoutMinutes: z.number().check(z.positive(), z.lte(24 * 60)),
  pollIntervalSeconds: z.number().check(z.int(), z.gte(1), z.lte(MAX_POLL_INTERVAL_SECONDS)),
  requiredMatches: z.number().check(z.int(), z.gte(1), z.lte(20)),
  region: regionSchema,
  services: z.array(
    z.strictObject({
      name: z.string().check(z.regex(SERVICE_NAME)),
      cluster: z
        .string()
        .check(z.refine((v) => CLUSTER_ARN.test(v) || CLUSTER_NAME.test(v), 'must be a cluster name or ARN')),
      region: regionSchema,
      url: z.nullable(z.url({ protocol: /^https?$/ })),
      containers: containerListSchema,
    }),
  ),
  scheduledTasks: z.array(
    z.strictObject({
      rule: z.string().check(z.regex(RULE_NAME)),
      region: regionSchema,
      containers: containerListSchema,
    }),
  ),
});

export const executionInputSchema = z.strictObject({
  gitsha: z.string().check(z.regex(GITSHA, 'must be 7 to 40 hexadecimal characters')),
  config: deployConfigSchema,
  source: z.optional(z.enum(['cli', 'ecr', 'console'])),
  /** Push-started executions: the trigger's tagPattern, which the image tag (the gitsha) must match. */
  tagPattern: z.optional(z.string().check(z.refine(isRegExp, 'must be a valid regular expression'))),
});

export type ExecutionInput = z.output<typeof executionInputSchema>;

/** Validates an execution input (started by the CLI, an ECR push or a person in the console). */
export function parseExecutionInput(input: unknown): ExecutionInput {
  const result = executionInputSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      'execution input',
      result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    );
  }
  const parsed = result.data;
  if (parsed.config.services.length + parsed.config.scheduledTasks.length === 0) {
    throw new ConfigError('execution input', ['config.services: name at least one service or scheduled task']);
  }
  const rounds = roundsProblem(parsed.config.timeoutMinutes, parsed.config.pollIntervalSeconds);
  if (rounds) throw new ConfigError('execution input', [`config.timeoutMinutes: ${rounds}`]);
  const size = sizeProblem(parsed.config.services.length + parsed.config.scheduledTasks.length);
  if (size) throw new ConfigError('execution input', [`config.services: ${size}`]);
  return parsed;
}
