import type { Target } from '@aws-sdk/client-eventbridge';
import type { AwsClients } from '../shared/aws/clients';
import {
  describeFailedEntries,
  type EcsTarget,
  isEcsTarget,
  listRuleTargets,
  putRuleTargets,
} from '../shared/aws/rule-targets';
import { registerRevision } from '../shared/aws/task-definition';
import type { UpdateStrategy } from '../shared/config/deploy-config';
import {
  DeploymentFailedError,
  RollbackFailedError,
  TransientAwsError,
  wrapAwsError,
} from '../shared/contracts/errors';
import type { ScheduledTaskResult, ScheduledTaskStepInput } from '../shared/contracts/state';
import { shortReason } from '../shared/report/rollback-summary';

type TargetResult = ScheduledTaskResult['targets'][number];

/**
 * The revision a scheduled task is cloned from. `redeploy` and `none` are about services (the
 * original updated scheduled tasks whatever the strategy, and a scheduled task has no running
 * deployment to redeploy): its next run starts a new task anyway.
 */
export function scheduledTaskBase(strategy: UpdateStrategy): 'current' | 'latest' {
  return strategy === 'latest' ? 'latest' : 'current';
}

/**
 * Update Scheduled Task: in deploy mode, a new revision for every ECS target of the rule, put
 * back with every other field of the target kept; in rollback mode, each target's recorded
 * previous revision.
 */
export async function updateScheduledTask(
  input: ScheduledTaskStepInput,
  clients: AwsClients,
): Promise<ScheduledTaskResult> {
  if (input.mode === 'deploy') return putTargets(input, clients, []);
  // A rollback never fails the Map: every other rule must still be put back. A rule that cannot
  // be is returned `restored: false`, with what its targets run now and why.
  const seen: Target[] = [];
  try {
    return { ...(await putTargets(input, clients, seen)), restored: true };
  } catch (error) {
    if (error instanceof TransientAwsError) throw error;
    const targets = input.rule.targets.map((planned) => {
      const running = seen.find((t) => t.Id === planned.id)?.EcsParameters?.TaskDefinitionArn ?? 'unknown';
      return {
        id: planned.id,
        previousTaskDefinition: planned.previousTaskDefinition,
        taskDefinition: running,
        changed: false,
      };
    });
    const reason = shortReason(error instanceof Error ? error.message : String(error));
    return { rule: input.rule.rule, targets, restored: false, reason };
  }
}

/** `seen` receives the rule's targets as listed, for the report of a rollback that failed. */
async function putTargets(
  input: ScheduledTaskStepInput,
  clients: AwsClients,
  seen: Target[],
): Promise<ScheduledTaskResult> {
  const { rule, deployment, mode } = input;
  const failure = mode === 'deploy' ? DeploymentFailedError : RollbackFailedError;
  const verb = mode === 'deploy' ? 'update' : 'roll back';
  const events = clients.events(rule.region);

  let current: Target[];
  try {
    current = await listRuleTargets(events, rule.rule, rule.eventBusName);
  } catch (error) {
    throw wrapAwsError(`list the targets of scheduled task rule ${rule.rule} (${rule.region})`, error, failure);
  }
  seen.push(...current);

  const results: TargetResult[] = [];
  const changed: EcsTarget[] = [];
  for (const planned of rule.targets) {
    const target = current.find((t) => t.Id === planned.id);
    if (!target || !isEcsTarget(target)) {
      throw new failure(`failed to ${verb} scheduled task rule ${rule.rule}: its ECS target ${planned.id} is gone`);
    }
    const running = target.EcsParameters.TaskDefinitionArn;
    const wanted =
      mode === 'rollback'
        ? planned.previousTaskDefinition
        : (
            await registerRevision(clients.ecs(rule.region), {
              taskDefinition: running,
              base: scheduledTaskBase(deployment.updateStrategy),
              containers: rule.containers,
              gitsha: deployment.gitsha,
              owner: `target ${planned.id} of scheduled task rule ${rule.rule}`,
            })
          ).taskDefinition;
    results.push({
      id: planned.id,
      previousTaskDefinition: planned.previousTaskDefinition,
      taskDefinition: wanted,
      changed: wanted !== running,
    });
    if (wanted !== running) {
      changed.push({ ...target, EcsParameters: { ...target.EcsParameters, TaskDefinitionArn: wanted } });
    }
  }

  if (changed.length > 0) {
    let failed: Awaited<ReturnType<typeof putRuleTargets>>;
    try {
      failed = await putRuleTargets(events, rule.rule, rule.eventBusName, changed);
    } catch (error) {
      throw wrapAwsError(`${verb} the targets of scheduled task rule ${rule.rule} (${rule.region})`, error, failure);
    }
    if (failed.length > 0) {
      throw new failure(
        `failed to ${verb} the targets of scheduled task rule ${rule.rule} (${rule.region}): ${describeFailedEntries(failed)}`,
      );
    }
  }
  return { rule: rule.rule, targets: results };
}
