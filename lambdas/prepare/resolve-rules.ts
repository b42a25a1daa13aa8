import type { AwsClients } from '../shared/aws/clients';
import { DEFAULT_EVENT_BUS, isEcsTarget, listRuleTargets } from '../shared/aws/rule-targets';
import { type Allowlists, NO_ALLOWLISTS } from '../shared/config/allowlists';
import type { ExecutionInput } from '../shared/contracts/execution-input';
import type { PlannedRule } from '../shared/contracts/state';
import { clusterProblem } from './allowed';
import { awsProblem, type Problems } from './lookups';
import { type TargetRoles, targetKey } from './target-roles';

/**
 * Lists the targets of every scheduled-task rule of the config: each must exist on the default
 * event bus and have ECS task targets. A rule that fails is a problem, and is left out.
 */
export async function resolveRules(
  execution: ExecutionInput,
  clients: AwsClients,
  defaultRegion: string,
  problems: Problems,
  /** Filled with each ECS target's role and cluster, for checkTargetRoles. */
  roles: TargetRoles = new Map(),
  allow: Allowlists = NO_ALLOWLISTS,
): Promise<PlannedRule[]> {
  const { config } = execution;
  const rules = await Promise.all(
    config.scheduledTasks.map(async (task): Promise<PlannedRule | null> => {
      const region = task.region ?? config.region ?? defaultRegion;
      const path = `scheduledTasks.${task.rule}`;
      let targets: Awaited<ReturnType<typeof listRuleTargets>>;
      try {
        targets = await listRuleTargets(clients.events(region), task.rule, DEFAULT_EVENT_BUS);
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') {
          problems.push(`${path}: no such rule on event bus ${DEFAULT_EVENT_BUS} in ${region}`);
        } else {
          problems.push(`${path}: ${awsProblem(error, `list the targets of rule ${task.rule} (${region})`)}`);
        }
        return null;
      }
      const ecsTargets = targets.filter(isEcsTarget);
      if (ecsTargets.length === 0) {
        problems.push(`${path}: the rule has no ECS task targets in ${region}`);
        return null;
      }
      // An ECS target's Arn is its cluster's ARN.
      const outside = ecsTargets.flatMap((t) => clusterProblem(`${path}: target ${t.Id}`, t.Arn ?? '', allow) ?? []);
      if (outside.length > 0) {
        problems.push(...outside);
        return null;
      }
      for (const t of ecsTargets) {
        if (t.RoleArn) roles.set(targetKey(task.rule, t.Id), { roleArn: t.RoleArn, cluster: t.Arn ?? '' });
      }
      return {
        rule: task.rule,
        region,
        eventBusName: DEFAULT_EVENT_BUS,
        containers: task.containers,
        targets: ecsTargets.map((t) => ({
          id: t.Id,
          previousTaskDefinition: t.EcsParameters.TaskDefinitionArn,
          previousSha: null,
        })),
      };
    }),
  );
  return rules.filter((rule): rule is PlannedRule => rule !== null);
}
