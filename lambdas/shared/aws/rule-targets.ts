import {
  type EventBridgeClient,
  ListTargetsByRuleCommand,
  PutTargetsCommand,
  type PutTargetsResultEntry,
  type Target,
} from '@aws-sdk/client-eventbridge';

/** The event bus of gehen.yml's scheduled tasks: ECS scheduled tasks live on the default bus. */
export const DEFAULT_EVENT_BUS = 'default';

// PutTargets takes at most 10 targets per call.
const PUT_TARGETS_BATCH = 10;

/** A target that runs an ECS task, with its task definition known. */
export type EcsTarget = Target & {
  Id: string;
  EcsParameters: NonNullable<Target['EcsParameters']> & { TaskDefinitionArn: string };
};

export function isEcsTarget(target: Target): target is EcsTarget {
  return target.Id !== undefined && target.EcsParameters?.TaskDefinitionArn !== undefined;
}

/** Every target of a rule, all pages. SDK errors are thrown as they are: callers add context. */
export async function listRuleTargets(
  events: EventBridgeClient,
  rule: string,
  eventBusName: string,
): Promise<Target[]> {
  const targets: Target[] = [];
  let nextToken: string | undefined;
  do {
    const page = await events.send(
      new ListTargetsByRuleCommand({ Rule: rule, EventBusName: eventBusName, NextToken: nextToken }),
    );
    targets.push(...(page.Targets ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return targets;
}

/**
 * Puts targets back with everything kept, 10 per call. Returns the failed entries (PutTargets
 * reports them in a successful response, so they are easy to miss). SDK errors are thrown as they are.
 */
export async function putRuleTargets(
  events: EventBridgeClient,
  rule: string,
  eventBusName: string,
  targets: readonly Target[],
): Promise<PutTargetsResultEntry[]> {
  const failed: PutTargetsResultEntry[] = [];
  for (let start = 0; start < targets.length; start += PUT_TARGETS_BATCH) {
    const response = await events.send(
      new PutTargetsCommand({
        Rule: rule,
        EventBusName: eventBusName,
        Targets: targets.slice(start, start + PUT_TARGETS_BATCH),
      }),
    );
    const count = response.FailedEntryCount ?? 0;
    if (count > 0) {
      const entries = response.FailedEntries ?? [];
      failed.push(...(entries.length > 0 ? entries : [{ ErrorMessage: `${count} target(s) failed` }]));
    }
  }
  return failed;
}

export function describeFailedEntries(entries: readonly PutTargetsResultEntry[]): string {
  return entries
    .map((e) => `target ${e.TargetId ?? '?'}: ${e.ErrorCode ?? 'error'}: ${e.ErrorMessage ?? ''}`)
    .join('; ');
}
