import { regionOfArn } from '../aws/arn';
import * as z from '../zod'; // zod/mini, with classic zod's English messages
import {
  CLUSTER_ACCOUNT_MESSAGE,
  CONTAINER_NAME,
  defaultPollIntervalSeconds,
  EXTERNAL_ID,
  hasBadClusterAccount,
  hasNoCredentials,
  hasNoNestedQuantifier,
  isClusterNameOrArn,
  isRegExp,
  MAX_POLL_INTERVAL_SECONDS,
  MAX_TAG_PATTERN_LENGTH,
  REGION,
  ROLE_ARN,
  RULE_NAME,
  roundsProblem,
  SERVICE_NAME,
  sizeProblem,
  URL_CREDENTIALS_MESSAGE,
} from './bounds';
import { CLEANUP_KEEP, type DeployConfig, UPDATE_STRATEGIES } from './deploy-config';
import { ConfigError, formatPath } from './error';
import { GATE_APPROVALS, GATE_BAKE_MINUTES, type GateStage, gateProblems, gateStageProblem } from './gate';

/**
 * gehen.yml: the original's format, unchanged, plus a few optional keys, parsed and normalized to
 * the DeployConfig an execution takes. The CLI validates it before anything starts; the Prepare
 * step validates the execution input again (execution-input.ts).
 */

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
      z.refine((value: string) => !hasBadClusterAccount(value), { message: CLUSTER_ACCOUNT_MESSAGE, abort: true }),
      z.refine(isClusterNameOrArn, {
        message: 'must be a cluster name or an ECS cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)',
      }),
    ),
    url: nullishOr(
      z
        .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
        .check(z.refine(hasNoCredentials, URL_CREDENTIALS_MESSAGE)),
      null,
    ),
    containers: nullishOr(containers, null),
    testUrl: nullishOr(
      z
        .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
        .check(z.refine(hasNoCredentials, URL_CREDENTIALS_MESSAGE)),
      null,
    ),
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
          externalId: z.optional(
            z.string().check(z.regex(EXTERNAL_ID, 'must be 2 to 1224 characters of letters, digits and +=,.@:/-')),
          ),
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
          tagPattern: nullishOr(tagPatternSchema(), '^[0-9a-f]{7,40}$'),
        }),
      ),
      cleanupRevisions: z.nullish(
        z.strictObject({
          keep: nullishOr(
            z
              .number({ error: 'must be a whole number of revisions' })
              .check(
                z.int('must be a whole number of revisions'),
                z.gte(CLEANUP_KEEP.min, `must be between ${CLEANUP_KEEP.min} and ${CLEANUP_KEEP.max}`),
                z.lte(CLEANUP_KEEP.max, `must be between ${CLEANUP_KEEP.min} and ${CLEANUP_KEEP.max}`),
              ),
            CLEANUP_KEEP.default,
          ),
        }),
      ),
      gate: z.nullish(gateSchema()),
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
        const gated = {
          gate: file.gate,
          updateStrategy: file.updateStrategy,
          services: Object.entries(file.services ?? {}).map(([name, s]) => ({ name, testUrl: s.testUrl })),
        };
        for (const [path, message] of gateProblems(gated)) ctx.addIssue({ code: 'custom', message, path });
      }),
    );
}

/**
 * The trigger's regular expression, run on every push's tag: bounded in length, and without the
 * nested quantifiers that backtrack exponentially (the tag it runs on is bounded too, in Prepare).
 */
export function tagPatternSchema() {
  return z
    .string()
    .check(
      z.maxLength(MAX_TAG_PATTERN_LENGTH, `must be at most ${MAX_TAG_PATTERN_LENGTH} characters`),
      z.refine(isRegExp, 'must be a valid regular expression'),
      z.refine(
        hasNoNestedQuantifier,
        'must not repeat a group that itself repeats, such as (a+)+: it can take exponential time on a tag',
      ),
    );
}

/** gehen.yml's `gate` (and the execution input's `config.gate`, the same once normalized). */
export function gateSchema() {
  const bakeBounds = `must be between ${GATE_BAKE_MINUTES.min} and ${GATE_BAKE_MINUTES.max}`;
  return z.strictObject({
    stage: z.pipe(
      z.string({ error: 'is required: the ECS lifecycle stage where every service has a PAUSE hook' }).check(
        z.superRefine((stage: string, ctx) => {
          const problem = gateStageProblem(stage);
          if (problem) ctx.addIssue({ code: 'custom', message: problem, input: stage });
        }),
      ),
      z.transform((stage: string) => stage as GateStage),
    ),
    approval: nullishOr(z.enum(GATE_APPROVALS, { error: 'must be none or manual' }), 'none'),
    bakeMinutes: nullishOr(
      z
        .number({ error: 'must be a whole number of minutes' })
        .check(
          z.int('must be a whole number of minutes'),
          z.gte(GATE_BAKE_MINUTES.min, bakeBounds),
          z.lte(GATE_BAKE_MINUTES.max, bakeBounds),
        ),
      0,
    ),
  });
}

export const gehenFileSchema = /* @__PURE__ */ buildGehenFileSchema();

/** A parsed gehen.yml: the deploy config plus the keys only the CLI and the CDK app read. */
export interface LoadedConfig {
  config: DeployConfig;
  stateMachineArn: string | null;
  trigger: { ecrRepository: string; tagPattern: string } | null;
}

/** Validates an already-parsed document. `source` names it in errors (a file path, "execution input"). */
export function parseGehenConfig(document: unknown, source: string): LoadedConfig {
  if (document === null || document === undefined) {
    throw new ConfigError(source, ['the file is empty: name at least one service or scheduled task']);
  }
  const lists = (['services', 'scheduledTasks'] as const).filter((key) =>
    Array.isArray((document as Record<string, unknown>)[key]),
  );
  if (lists.length > 0) {
    // The original's README once showed services as a list; gehen.yml never took one.
    throw new ConfigError(
      source,
      lists.map(
        (key) => `${key}: is a map of name to settings (\n  ${key}:\n    api:\n      cluster: prod), not a list`,
      ),
    );
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
      ...(file.role?.externalId === undefined ? {} : { roleExternalId: file.role.externalId }),
      updateStrategy: file.updateStrategy,
      timeoutMinutes: file.timeoutMinutes,
      pollIntervalSeconds: file.pollIntervalSeconds ?? defaultPollIntervalSeconds(file.timeoutMinutes),
      requiredMatches: file.requiredMatches,
      region,
      services: Object.entries(file.services ?? {}).map(([name, service]) => ({
        name,
        cluster: service.cluster,
        region: regionOfArn(service.cluster, 'ecs') ?? region,
        url: service.url,
        containers: service.containers,
        // Absent unless set, as `gate`: execution inputs of files without them stay as they were.
        ...(service.testUrl === null ? {} : { testUrl: service.testUrl }),
      })),
      scheduledTasks: Object.entries(file.scheduledTasks ?? {}).map(([rule, task]) => ({
        rule,
        region,
        containers: task.containers,
      })),
      // Absent unless set: execution inputs of files without it stay as they were.
      ...(file.cleanupRevisions ? { cleanupRevisions: { keep: file.cleanupRevisions.keep } } : {}),
      ...(file.gate ? { gate: file.gate } : {}),
    },
    stateMachineArn: file.stateMachineArn ?? null,
    trigger: file.trigger ? { ecrRepository: file.trigger.ecrRepository, tagPattern: file.trigger.tagPattern } : null,
  };
}
