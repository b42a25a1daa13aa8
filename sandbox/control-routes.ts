import type { Target } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import type { Ecs } from './ecs/ecs';
import { runTask } from './ecs/run-task';
import type { TrafficLog } from './ecs/traffic-log';
import { envelopeOf } from './event-routing';
import type { Events, StoredEvent } from './events';
import type { Fleet } from './fleet';
import type { ExtraRoute } from './server';

/**
 * The sandbox's control endpoints, for what AWS does on its own and a test must trigger:
 * - `POST /_sandbox/ecr-push` — ECR finished a push: its `ECR Image Action` event goes to the rules;
 * - `POST /_sandbox/rules/<name>/fire` — a rule's schedule came round: EventBridge runs its ECS targets;
 * - `GET /_sandbox/events` — every event put on any bus, oldest first;
 * - `GET /_sandbox/traffic` — per service, the image tags its production and test listeners served.
 */
export interface ControlRoutesOptions {
  events: Events;
  ecs: Ecs;
  fleet: Pick<Fleet, 'region' | 'roles'>;
  traffic?: TrafficLog;
}

// A repository name as ECR accepts it, and a manifest digest
// (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Repository.html;
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageIdentifier.html: tags up to 300).
const ecrPush = z.strictObject({
  repository: z
    .string()
    .min(2)
    .max(256)
    .regex(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, 'an ECR repository name'),
  tag: z.string().min(1).max(300).optional(),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex digits>'),
});

const FIRE = /^\/_sandbox\/rules\/([.\-_A-Za-z0-9]{1,64})\/fire$/;

type Answer = Awaited<ReturnType<ExtraRoute>>;

const invalid = (message: string): Answer => ({ status: 400, body: { __type: 'ValidationException', message } });

export function controlRoutes(options: ControlRoutesOptions): ExtraRoute {
  return async ({ method, path, body }) => {
    if (method === 'POST' && path === '/_sandbox/ecr-push') return pushImage(options, body);
    const fire = FIRE.exec(path);
    if (method === 'POST' && fire?.[1]) return fireRule(options, fire[1]);
    if (method === 'GET' && path === '/_sandbox/events') {
      return { status: 200, body: { events: options.events.events.map(eventView) } };
    }
    if (method === 'GET' && path === '/_sandbox/traffic') {
      return { status: 200, body: { services: options.traffic?.snapshot() ?? {} } };
    }
    return undefined;
  };
}

/**
 * The event ECR puts when a push completes: source aws.ecr, detail-type ECR Image Action
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html). A push by digest
 * only (multi-platform children, attestations) carries no `image-tag`.
 */
function pushImage(options: ControlRoutesOptions, text: string): Answer {
  let parsed: z.infer<typeof ecrPush>;
  try {
    parsed = ecrPush.parse(JSON.parse(text || '{}'));
  } catch (error) {
    const message =
      error instanceof z.ZodError
        ? error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ')
        : `the body is not JSON: ${(error as Error).message}`;
    return invalid(message);
  }
  const event = options.events.emit(options.fleet.region, {
    source: 'aws.ecr',
    detailType: 'ECR Image Action',
    detail: {
      result: 'SUCCESS',
      'repository-name': parsed.repository,
      'image-digest': parsed.digest,
      'action-type': 'PUSH',
      ...(parsed.tag === undefined ? {} : { 'image-tag': parsed.tag }),
    },
    resources: [],
  });
  return { status: 200, body: { eventId: event.id } };
}

/** One ECS target EventBridge could not run, with the reason it gives. */
interface FailedTarget {
  target: string;
  reason: string;
}

/**
 * Runs the rule's ECS targets as EventBridge does when the schedule fires: RunTask of the
 * target's TaskDefinitionArn on its cluster, TaskCount tasks, started by `events-rule/<name>`,
 * under the target's RoleArn, which needs ecs:RunTask on that revision
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/CWE_IAM_role.html). Other targets
 * are not run here.
 */
function fireRule(options: ControlRoutesOptions, name: string): Answer {
  const { region } = options.fleet;
  const rule = options.events.rules(region).get(name);
  if (!rule) {
    return {
      status: 404,
      body: { __type: 'ResourceNotFoundException', message: `Rule ${name} does not exist on EventBus default.` },
    };
  }
  if (rule.state === 'DISABLED') {
    return { status: 409, body: { __type: 'RuleDisabled', message: `Rule ${name} is DISABLED: nothing fires.` } };
  }
  let launched = 0;
  const failed: FailedTarget[] = [];
  const tasks: string[] = [];
  for (const target of rule.targets.filter(isEcsTarget)) {
    const taskDefinition = target.EcsParameters?.TaskDefinitionArn ?? '';
    const denied = runTaskDenied(options.fleet.roles, target.RoleArn ?? '', taskDefinition);
    if (denied) {
      failed.push({ target: target.Id ?? '', reason: denied });
      continue;
    }
    try {
      const answer = runTask(options.ecs.context(region), {
        cluster: target.Arn,
        taskDefinition,
        count: target.EcsParameters?.TaskCount ?? 1,
        launchType: target.EcsParameters?.LaunchType,
        group: target.EcsParameters?.Group,
        startedBy: `events-rule/${name}`,
      });
      launched += answer.tasks.length;
      tasks.push(...answer.tasks.map((task) => task.taskArn));
    } catch (error) {
      const type = (error as { type?: string }).type ?? 'Error';
      failed.push({ target: target.Id ?? '', reason: `${type}: ${(error as Error).message}` });
    }
  }
  return { status: 200, body: { launched, failed, tasks } };
}

function isEcsTarget(target: Target): boolean {
  return target.EcsParameters !== undefined || (target.Arn ?? '').startsWith('arn:aws:ecs:');
}

/**
 * Why the role may not RunTask the revision, as ECS's AccessDeniedException words it; undefined
 * when it may. A role the fleet does not declare (or declares without allowRunTask) may run any.
 */
export function runTaskDenied(roles: Fleet['roles'], roleArn: string, taskDefinition: string): string | undefined {
  const allowed = roles.find((role) => role.arn === roleArn)?.allowRunTask;
  if (allowed === undefined || allowed.some((pattern) => globMatches(pattern, taskDefinition))) return undefined;
  return (
    `AccessDeniedException: User: ${roleArn} is not authorized to perform: ecs:RunTask on resource: ` +
    `${taskDefinition} because no identity-based policy allows the ecs:RunTask action`
  );
}

/** IAM's resource globbing: `*` any run of characters, `?` one. */
function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(value);
}

/** An event as EventBridge delivers it (its envelope), with the bus it was put on. */
function eventView(stored: StoredEvent) {
  const envelope = envelopeOf(stored) ?? {
    id: stored.id,
    source: stored.Source,
    'detail-type': stored.DetailType,
    region: stored.region,
    detail: stored.Detail,
  };
  return { ...envelope, eventBusName: stored.EventBusName ?? 'default' };
}
