import {
  CLUSTER_ACCOUNT_MESSAGE,
  CONTAINER_NAME,
  EXTERNAL_ID,
  hasBadClusterAccount,
  hasNoCredentials,
  isClusterNameOrArn,
  MAX_POLL_INTERVAL_SECONDS,
  REGION,
  ROLE_ARN,
  RULE_NAME,
  roundsProblem,
  SERVICE_NAME,
  sizeProblem,
  URL_CREDENTIALS_MESSAGE,
} from '../config/bounds';
import { CLEANUP_KEEP, UPDATE_STRATEGIES } from '../config/deploy-config';
import { ConfigError, formatPath } from '../config/error';
import { gateProblems } from '../config/gate';
import { GITSHA } from '../config/gitsha';
import { gateSchema, tagPatternSchema } from '../config/schema';
import * as z from '../zod'; // zod/mini, with classic zod's English messages

/**
 * What an execution of gehen-deploy takes: a gitsha and the normalized gehen.yml. Validated again
 * by the Prepare step, since the console and EventBridge can start executions too.
 */

const regionSchema = z.nullable(z.string().check(z.regex(REGION)));
const containerListSchema = z.nullable(z.array(z.string().check(z.regex(CONTAINER_NAME))).check(z.minLength(1)));

const deployConfigSchema = z.strictObject({
  roleArn: z.nullable(z.string().check(z.regex(ROLE_ARN))),
  roleExternalId: z.optional(z.string().check(z.regex(EXTERNAL_ID))),
  updateStrategy: z.enum(UPDATE_STRATEGIES),
  timeoutMinutes: z.number().check(z.positive(), z.lte(24 * 60)),
  pollIntervalSeconds: z.number().check(z.int(), z.gte(1), z.lte(MAX_POLL_INTERVAL_SECONDS)),
  requiredMatches: z.number().check(z.int(), z.gte(1), z.lte(20)),
  region: regionSchema,
  services: z.array(
    z.strictObject({
      name: z.string().check(z.regex(SERVICE_NAME)),
      cluster: z.string().check(
        z.refine((value: string) => !hasBadClusterAccount(value), { message: CLUSTER_ACCOUNT_MESSAGE, abort: true }),
        z.refine(isClusterNameOrArn, 'must be a cluster name or ARN'),
      ),
      region: regionSchema,
      url: z.nullable(z.url({ protocol: /^https?$/ }).check(z.refine(hasNoCredentials, URL_CREDENTIALS_MESSAGE))),
      containers: containerListSchema,
      testUrl: z.optional(
        z.nullable(z.url({ protocol: /^https?$/ }).check(z.refine(hasNoCredentials, URL_CREDENTIALS_MESSAGE))),
      ),
    }),
  ),
  scheduledTasks: z.array(
    z.strictObject({
      rule: z.string().check(z.regex(RULE_NAME)),
      region: regionSchema,
      containers: containerListSchema,
    }),
  ),
  // Optional: executions started before the key existed (rules, scripts) stay valid.
  cleanupRevisions: z.optional(
    z.nullable(z.strictObject({ keep: z.number().check(z.int(), z.gte(CLEANUP_KEEP.min), z.lte(CLEANUP_KEEP.max)) })),
  ),
  gate: z.optional(z.nullable(gateSchema())),
});

export const executionInputSchema = z.strictObject({
  gitsha: z.string().check(z.regex(GITSHA, 'must be 7 to 40 hexadecimal characters')),
  config: deployConfigSchema,
  source: z.optional(z.enum(['cli', 'ecr', 'console'])),
  /** Push-started executions: the trigger's tagPattern, which the image tag (the gitsha) must match. */
  tagPattern: z.optional(tagPatternSchema()),
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
  const duplicates = [
    ...duplicated(parsed.config.services.map((s) => s.name)).map(
      (name) => `config.services: names service ${name} more than once`,
    ),
    ...duplicated(parsed.config.scheduledTasks.map((t) => t.rule)).map(
      (rule) => `config.scheduledTasks: names rule ${rule} more than once`,
    ),
  ];
  // gehen.yml's maps cannot repeat a name; an input written by hand can, and would deploy it twice.
  if (duplicates.length > 0) throw new ConfigError('execution input', duplicates);
  const rounds = roundsProblem(parsed.config.timeoutMinutes, parsed.config.pollIntervalSeconds);
  if (rounds) throw new ConfigError('execution input', [`config.timeoutMinutes: ${rounds}`]);
  const size = sizeProblem(parsed.config.services.length + parsed.config.scheduledTasks.length);
  if (size) throw new ConfigError('execution input', [`config.services: ${size}`]);
  // Services are a list here: the path names the service, not its position.
  const gated = gateProblems(parsed.config);
  if (gated.length > 0) {
    throw new ConfigError(
      'execution input',
      gated.map(([path, problem]) => `config.${path.join('.')}: ${problem}`),
    );
  }
  return parsed;
}

function duplicated(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const name of names) (seen.has(name) ? twice : seen).add(name);
  return [...twice];
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
