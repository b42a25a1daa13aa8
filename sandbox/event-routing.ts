import type { Target } from '@aws-sdk/client-eventbridge';
import { type EventEnvelope, type InputTransformer, matchesPattern, readPath, transformInput } from './event-pattern';
import type { Events, StoredEvent } from './events';
import { ACCOUNT } from './ids';
import type { Json, LambdaFunctionSpec } from './stepfunctions/local-workflow';
import type { StartExecutionRequest } from './stepfunctions/service';
import type { TemplateLike } from './stepfunctions/template-workflow';

export interface EventRoutingOptions {
  events: Events;
  template: TemplateLike;
  region: string;
  stackName: string;
  /** The one state machine of the template, as the sandbox serves it. */
  stateMachineArn: string;
  startExecution: (request: StartExecutionRequest) => { executionArn: string };
  /** The template's functions as the sandbox runs them (their ARNs, by logical id). @default none */
  functions?: readonly LambdaFunctionSpec[];
  /** Invokes one of them asynchronously (Lambda's Event invocation); false when it is unknown. */
  invokeFunction?: (functionArn: string, event: Json) => boolean;
}

/** One event delivered (or not) to one target. */
export interface Delivery {
  rule: string;
  targetId: string;
  eventId: string;
  /** The target's ARN: the state machine's, a role's, or a stand-in for other resources of the template. */
  targetArn?: string;
  /** What the target was sent (after Input, InputPath or InputTransformer). */
  input?: string;
  executionArn?: string;
  /** A Lambda function target was invoked (asynchronously: its result is nobody's). */
  invoked?: boolean;
  error?: string;
}

export interface EventRouting {
  /** The names of the rules created from the template. */
  readonly rules: string[];
  /** Every delivery to a target, in order: what started which execution, and what failed. */
  readonly deliveries: Delivery[];
}

/**
 * EventBridge rules for the sandbox: creates the template's AWS::Events::Rule resources (with
 * their targets) on the sandbox's EventBridge, then routes every event put on a bus to the
 * enabled rules on it whose pattern matches, with the target's Input, InputPath or
 * InputTransformer applied: a state machine target starts an execution; a target that is one of
 * the template's Lambda functions is invoked asynchronously with the event, as EventBridge invokes
 * Lambda (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge.html); every other target (SNS
 * topics, log groups, API destinations) is recorded with what it was sent.
 */
export async function routeEvents(options: EventRoutingOptions): Promise<EventRouting> {
  const { events, region } = options;
  const resources = options.template.Resources;
  const functionArns = new Map(
    (options.functions ?? []).flatMap((fn) => (fn.logicalId === undefined ? [] : [[fn.logicalId, fn.arn] as const])),
  );
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': region,
    'AWS::AccountId': ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  // Targets and patterns name the template's resources: the state machine and roles as the sandbox
  // serves them, anything else (topics, log groups, API destinations) by a stand-in ARN.
  const resolve = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map(resolve);
    const record = value as Record<string, unknown>;
    const ref = record.Ref;
    if (typeof ref === 'string') {
      if (pseudo[ref]) return pseudo[ref];
      if (resources[ref]?.Type === 'AWS::StepFunctions::StateMachine') return options.stateMachineArn;
      return standIn(ref);
    }
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') {
      if (resources[getAtt[0]]?.Type === 'AWS::IAM::Role') return `arn:aws:iam::${ACCOUNT}:role/${getAtt[0]}`;
      const functionArn = functionArns.get(getAtt[0]);
      if (functionArn !== undefined && getAtt[1] === 'Arn') return functionArn;
      return standIn(getAtt[0]);
    }
    const join = record['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return (join[1] as unknown[]).map((part) => String(resolve(part))).join(join[0]);
    }
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, resolve(inner)]));
  };
  const standIn = (logicalId: string) =>
    `arn:aws:sandbox:${region}:${ACCOUNT}:${resources[logicalId]?.Type ?? 'resource'}/${logicalId}`;

  const names: string[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const props = resource.Properties ?? {};
    if (props.EventPattern === undefined) continue; // schedules: nothing fires on schedule here
    const name = typeof props.Name === 'string' ? props.Name : `${options.stackName}-${logicalId}`.slice(0, 64);
    await events.handle(
      'PutRule',
      {
        Name: name,
        EventPattern: JSON.stringify(resolve(props.EventPattern)),
        State: props.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
        Description: props.Description,
      },
      region,
    );
    const targets = ((props.Targets ?? []) as Array<Record<string, unknown>>).map(
      (target): Target => ({
        ...(target as unknown as Target),
        Arn: resolve(target.Arn) as string,
        RoleArn: resolve(target.RoleArn) as string | undefined,
        // The trigger's dead-letter queue (an AWS::SQS::Queue): kept as a stand-in ARN, nothing is delivered to it here.
        DeadLetterConfig: resolve(target.DeadLetterConfig) as Target['DeadLetterConfig'],
      }),
    );
    if (targets.length > 0) await events.handle('PutTargets', { Rule: name, Targets: targets }, region);
    names.push(name);
  }

  const deliveries: Delivery[] = [];
  events.onEvent((stored) => {
    const envelope = envelopeOf(stored);
    if (envelope === null) return;
    const bus = busName(stored.EventBusName);
    for (const rule of events.rules(stored.region).values()) {
      if (rule.state !== 'ENABLED' || rule.eventBusName !== bus || rule.eventPattern === undefined) continue;
      if (!matchesPattern(JSON.parse(rule.eventPattern), envelope)) continue;
      for (const target of rule.targets) {
        const delivery: Delivery = { rule: rule.name, targetId: target.Id ?? '', eventId: stored.id };
        deliveries.push(delivery);
        try {
          const input = targetInput(target, envelope, { ruleArn: rule.arn, ruleName: rule.name });
          delivery.targetArn = target.Arn;
          delivery.input = input;
          if (target.Arn === options.stateMachineArn) {
            delivery.executionArn = options.startExecution({ stateMachineArn: target.Arn, input }).executionArn;
          } else if (target.Arn?.startsWith('arn:aws:lambda:') && options.invokeFunction) {
            // The input is JSON: the event itself, or what Input/InputPath/InputTransformer made of it.
            delivery.invoked = options.invokeFunction(target.Arn, JSON.parse(input) as Json);
            if (!delivery.invoked) delivery.error = `no function ${target.Arn} in this sandbox`;
          }
          // Other targets (SNS, logs, API destinations) keep what they were sent.
        } catch (error) {
          delivery.error = error instanceof Error ? error.message : String(error);
        }
      }
    }
  });
  return { rules: names, deliveries };
}

function busName(name: string | undefined): string {
  if (!name) return 'default';
  return name.startsWith('arn:') ? name.slice(name.lastIndexOf('/') + 1) : name;
}

/** The event as EventBridge delivers it to targets; null when its Detail is not JSON. */
export function envelopeOf(stored: StoredEvent): EventEnvelope | null {
  let detail: unknown;
  try {
    detail = JSON.parse(stored.Detail ?? '{}');
  } catch {
    return null; // EventBridge refuses such an event; the sandbox stores it but routes nothing
  }
  const time = stored.Time ? new Date(stored.Time) : new Date(stored.time * 1000);
  return {
    version: '0',
    id: stored.id,
    'detail-type': stored.DetailType ?? '',
    source: stored.Source ?? '',
    account: ACCOUNT,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: stored.region,
    resources: stored.Resources ?? [],
    detail,
  };
}

function targetInput(target: Target, event: EventEnvelope, rule: { ruleArn: string; ruleName: string }): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) {
    return JSON.stringify(readPath(event, target.InputPath) ?? null);
  }
  if (target.InputTransformer?.InputTemplate !== undefined) {
    const transformer = target.InputTransformer as InputTransformer;
    return transformInput(transformer, event, { ...rule, ingestionTime: new Date().toISOString() });
  }
  return JSON.stringify(event);
}
