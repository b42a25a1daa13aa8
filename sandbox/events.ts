import type {
  DeleteRuleCommandInput,
  DescribeRuleCommandInput,
  ListRulesCommandInput,
  ListTargetsByRuleCommandInput,
  PutEventsCommandInput,
  PutEventsRequestEntry,
  PutRuleCommandInput,
  PutTargetsCommandInput,
  PutTargetsResultEntry,
  RemoveTargetsCommandInput,
  Target,
} from '@aws-sdk/client-eventbridge';
import { SandboxAwsError } from './aws-error';
import { ACCOUNT, hexId, nowSeconds } from './ids';
import { paginate } from './pagination';

export interface RuleRecord {
  name: string;
  arn: string;
  eventBusName: string;
  scheduleExpression?: string;
  eventPattern?: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  roleArn?: string;
  targets: Target[];
}

/** An event PutEvents accepted, with the region it was put in. */
export interface StoredEvent extends PutEventsRequestEntry {
  id: string;
  region: string;
  time: number;
}

const TARGET_ID = /^[.\-_A-Za-z0-9]{1,64}$/;

const validation = (message: string) => new SandboxAwsError('ValidationException', message);

/**
 * The sandbox's EventBridge: rules and their targets per region, and the events put. Rules are
 * kept and listed; nothing fires on schedule. Subscribers (`onEvent`) see every event put, so a
 * later feature can route events to rules.
 */
export class Events {
  private readonly regions = new Map<string, Map<string, RuleRecord>>();
  readonly events: StoredEvent[] = [];
  private readonly subscribers: ((event: StoredEvent) => void)[] = [];

  onEvent(subscriber: (event: StoredEvent) => void): void {
    this.subscribers.push(subscriber);
  }

  rules(region: string): Map<string, RuleRecord> {
    let rules = this.regions.get(region);
    if (!rules) {
      rules = new Map();
      this.regions.set(region, rules);
    }
    return rules;
  }

  async handle(operation: string, input: unknown, region: string): Promise<unknown> {
    const rules = this.rules(region);
    const body: unknown = input ?? {};
    switch (operation) {
      case 'PutRule':
        return this.putRule(region, rules, body as PutRuleCommandInput);
      case 'DescribeRule':
        return describeRule(findRule(rules, (body as DescribeRuleCommandInput).Name));
      case 'DeleteRule':
        return deleteRule(rules, body as DeleteRuleCommandInput);
      case 'ListRules':
        return listRules(rules, body as ListRulesCommandInput);
      case 'ListTargetsByRule':
        return listTargetsByRule(rules, body as ListTargetsByRuleCommandInput);
      case 'PutTargets':
        return putTargets(rules, body as PutTargetsCommandInput);
      case 'RemoveTargets':
        return removeTargets(rules, body as RemoveTargetsCommandInput);
      case 'PutEvents':
        return this.putEvents(region, body as PutEventsCommandInput);
      default:
        throw new SandboxAwsError(
          'UnknownOperationException',
          `The sandbox's EventBridge does not implement ${operation}.`,
        );
    }
  }

  putRule(region: string, rules: Map<string, RuleRecord>, input: PutRuleCommandInput) {
    const name = input.Name ?? '';
    if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(name)) throw validation(`Rule name ${name} is not valid.`);
    if (!input.ScheduleExpression && !input.EventPattern) {
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    const existing = rules.get(name);
    const rule: RuleRecord = {
      name,
      arn: `arn:aws:events:${region}:${ACCOUNT}:rule/${name}`,
      eventBusName: input.EventBusName ?? 'default',
      scheduleExpression: input.ScheduleExpression,
      eventPattern: input.EventPattern,
      state: input.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      description: input.Description,
      roleArn: input.RoleArn,
      targets: existing?.targets ?? [],
    };
    rules.set(name, rule);
    return { RuleArn: rule.arn };
  }

  /**
   * An event that AWS itself puts on the default bus (ECS, Step Functions, ECR): stored and routed
   * like a PutEvents entry, without the checks that apply to customers' events.
   */
  emit(
    region: string,
    entry: { source: string; detailType: string; detail: unknown; resources?: string[] },
  ): StoredEvent {
    const event: StoredEvent = {
      Source: entry.source,
      DetailType: entry.detailType,
      Detail: JSON.stringify(entry.detail),
      Resources: entry.resources ?? [],
      EventBusName: 'default',
      id: hexId(16),
      region,
      time: nowSeconds(),
    };
    this.events.push(event);
    for (const subscriber of this.subscribers) subscriber(event);
    return event;
  }

  private putEvents(region: string, input: PutEventsCommandInput) {
    const entries = input.Entries ?? [];
    if (entries.length === 0 || entries.length > 10) throw validation('Entries must hold 1 to 10 events.');
    const results = entries.map((entry) => {
      if (!entry.Source || !entry.DetailType || !entry.Detail) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required.' };
      }
      // `aws.*` sources belong to AWS services: a customer's entry fails alone, as EventBridge
      // answers it (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html;
      // the message as seen in aws-samples/serverless-patterns PR #3089). AWS's own events: emit().
      if (entry.Source.startsWith('aws.')) {
        return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
      }
      const event: StoredEvent = { ...entry, id: hexId(16), region, time: nowSeconds() };
      this.events.push(event);
      for (const subscriber of this.subscribers) subscriber(event);
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }
}

function findRule(rules: Map<string, RuleRecord>, name: string | undefined): RuleRecord {
  const rule = rules.get(name ?? '');
  if (!rule) throw new SandboxAwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus default.`);
  return rule;
}

function describeRule(rule: RuleRecord) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventBusName: rule.eventBusName,
    ScheduleExpression: rule.scheduleExpression,
    EventPattern: rule.eventPattern,
    State: rule.state,
    Description: rule.description,
    RoleArn: rule.roleArn,
    CreatedBy: ACCOUNT,
  };
}

function deleteRule(rules: Map<string, RuleRecord>, input: DeleteRuleCommandInput) {
  const rule = rules.get(input.Name ?? '');
  if (rule && rule.targets.length > 0 && !input.Force) throw validation("Rule can't be deleted since it has targets.");
  rules.delete(input.Name ?? '');
  return {};
}

function listRules(rules: Map<string, RuleRecord>, input: ListRulesCommandInput) {
  const matching = [...rules.values()]
    .filter((r) => input.NamePrefix === undefined || r.name.startsWith(input.NamePrefix))
    .sort((a, b) => a.name.localeCompare(b.name));
  const { page, nextToken } = paginate(matching, {
    limit: input.Limit,
    nextToken: input.NextToken,
    max: 100,
    errorType: 'ValidationException',
  });
  return { Rules: page.map(describeRule), NextToken: nextToken };
}

function listTargetsByRule(rules: Map<string, RuleRecord>, input: ListTargetsByRuleCommandInput) {
  const rule = findRule(rules, input.Rule);
  const { page, nextToken } = paginate(rule.targets, {
    limit: input.Limit,
    nextToken: input.NextToken,
    max: 100,
    errorType: 'ValidationException',
  });
  return { Targets: page, NextToken: nextToken };
}

/** The problem EventBridge reports for one target entry, if any. */
function targetProblem(target: Target): string | undefined {
  if (!target.Id || !TARGET_ID.test(target.Id)) return `Target Id ${target.Id ?? ''} is not valid.`;
  if (!target.Arn) return `Target ${target.Id} has no Arn.`;
  const ecs = target.EcsParameters;
  if (target.Arn.startsWith('arn:aws:ecs:') || ecs) {
    if (!target.RoleArn) return `RoleArn is required for target ${target.Id}.`;
    if (!ecs?.TaskDefinitionArn) return `EcsParameters.TaskDefinitionArn is required for target ${target.Id}.`;
    if (ecs.TaskCount !== undefined && (ecs.TaskCount < 1 || ecs.TaskCount > 10)) {
      return `EcsParameters.TaskCount must be between 1 and 10 for target ${target.Id}.`;
    }
  }
  return undefined;
}

/** Puts targets; an invalid entry fails alone (FailedEntries) and the others are still put. */
function putTargets(rules: Map<string, RuleRecord>, input: PutTargetsCommandInput) {
  const rule = findRule(rules, input.Rule);
  const targets = input.Targets ?? [];
  if (targets.length === 0 || targets.length > 10) throw validation('Targets must hold 1 to 10 entries.');
  const failed: PutTargetsResultEntry[] = [];
  for (const target of targets) {
    const problem = targetProblem(target);
    if (problem) {
      failed.push({ TargetId: target.Id, ErrorCode: 'ValidationException', ErrorMessage: problem });
      continue;
    }
    const index = rule.targets.findIndex((t) => t.Id === target.Id);
    if (index === -1 && rule.targets.length >= 5) {
      failed.push({
        TargetId: target.Id,
        ErrorCode: 'LimitExceededException',
        ErrorMessage: 'A rule has at most 5 targets.',
      });
      continue;
    }
    const copy = structuredClone(target);
    if (index === -1) rule.targets.push(copy);
    else rule.targets[index] = copy;
  }
  return { FailedEntryCount: failed.length, FailedEntries: failed };
}

function removeTargets(rules: Map<string, RuleRecord>, input: RemoveTargetsCommandInput) {
  const rule = findRule(rules, input.Rule);
  const ids = new Set(input.Ids ?? []);
  rule.targets = rule.targets.filter((t) => !ids.has(t.Id ?? ''));
  return { FailedEntryCount: 0, FailedEntries: [] };
}
