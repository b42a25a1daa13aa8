import type { AwsClients } from '../shared/aws/clients';
import { DEFAULT_EVENT_BUS, isEcsTarget, listRuleTargets } from '../shared/aws/rule-targets';
import { type Allowlists, NO_ALLOWLISTS } from '../shared/config/allowlists';
import type { ExecutionInput } from '../shared/contracts/execution-input';
import type { PlannedRule } from '../shared/contracts/state';
import { clusterProblem } from './allowed';
import { awsProblem, type Problems } from './lookups';

/** The rules resolved, and the problems. */
export interface ResolvedRules {
  rules: PlannedRule[];
  problems: Problems;
}

/** One rule's outcome: planned, or left out with its problems. */
type RuleOutcome = { rule: PlannedRule } | { problems: readonly string[] };

/**
 * Lists the targets of every scheduled-task rule of the config: each must exist on the default
 * event bus and have ECS task targets. A rule that fails is a problem, and is left out.
 */
export async function resolveRules(
  execution: ExecutionInput,
  clients: AwsClients,
  defaultRegion: string,
  allow: Allowlists = NO_ALLOWLISTS,
): Promise<ResolvedRules> {
  const { config } = execution;
  const outcomes = await Promise.all(
    config.scheduledTasks.map(async (task): Promise<RuleOutcome> => {
      const region = task.region ?? config.region ?? defaultRegion;
      const path = `scheduledTasks.${task.rule}`;
      let targets: Awaited<ReturnType<typeof listRuleTargets>>;
      try {
        targets = await listRuleTargets(clients.events(region), task.rule, DEFAULT_EVENT_BUS);
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') {
          return { problems: [`${path}: no such rule on event bus ${DEFAULT_EVENT_BUS} in ${region}`] };
        }
        return { problems: [`${path}: ${awsProblem(error, `list the targets of rule ${task.rule} (${region})`)}`] };
      }
      const ecsTargets = targets.filter(isEcsTarget);
      if (ecsTargets.length === 0) return { problems: [`${path}: the rule has no ECS task targets in ${region}`] };
      // An ECS target's Arn is its cluster's ARN.
      const outside = ecsTargets.flatMap((t) => clusterProblem(`${path}: target ${t.Id}`, t.Arn ?? '', allow) ?? []);
      if (outside.length > 0) return { problems: outside };
      const rule: PlannedRule = {
        rule: task.rule,
        region,
        eventBusName: DEFAULT_EVENT_BUS,
        containers: task.containers,
        targets: ecsTargets.map((t) => ({
          id: t.Id,
          previousTaskDefinition: t.EcsParameters.TaskDefinitionArn,
          previousSha: null,
          // What Check Scheduled Task Roles asks IAM about (lambdas/check-target-roles).
          ...(t.RoleArn ? { roleArn: t.RoleArn, cluster: t.Arn ?? '' } : {}),
        })),
      };
      return { rule };
    }),
  );
  return {
    rules: outcomes.flatMap((o) => ('rule' in o ? [o.rule] : [])),
    problems: outcomes.flatMap((o) => ('problems' in o ? o.problems : [])),
  };
}
