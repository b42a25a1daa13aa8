import type { AwsClients } from '../shared/aws/clients';
import { shortTaskDefinition } from '../shared/aws/ecs-names';
import { selectContainers, shaOfContainers } from '../shared/aws/task-definition';
import { type Allowlists, NO_ALLOWLISTS } from '../shared/config/allowlists';
import type { PlannedRule, PlannedService } from '../shared/contracts/state';
import { repositoryProblems } from './allowed';
import { describeTaskDefinitions, type Problems } from './lookups';
import type { ResolvedService } from './resolve-services';

/** The services and rules with the SHA their containers run now (previousSha), and the problems. */
export interface InspectedContainers {
  services: PlannedService[];
  rules: PlannedRule[];
  problems: Problems;
}

/**
 * Describes the task definitions the services and rule targets run now, checks that each names
 * the containers the config deploys, and records the SHA those containers run (previousSha).
 */
export async function inspectContainers(
  clients: AwsClients,
  services: readonly ResolvedService[],
  rules: readonly PlannedRule[],
  allow: Allowlists = NO_ALLOWLISTS,
): Promise<InspectedContainers> {
  const definitions = await describeTaskDefinitions(
    clients,
    [
      ...services.map((s) => s.planned),
      ...rules.flatMap((r) => r.targets.map((t) => ({ region: r.region, ...t }))),
    ].map((item) => ({ region: item.region, taskDefinition: item.previousTaskDefinition })),
  );
  const problems = [...definitions.problems];
  const shaOf = (region: string, taskDefinition: string, containers: readonly string[] | null) => {
    const definition = definitions.get(region, taskDefinition);
    return definition ? shaOfContainers(definition, containers) : null;
  };
  for (const { planned, path } of services) {
    const definition = definitions.get(planned.region, planned.previousTaskDefinition);
    if (!definition) continue;
    const { missing } = selectContainers(definition, planned.containers);
    if (missing.length > 0) {
      problems.push(`${path}.containers: ${missingMessage(missing, planned.previousTaskDefinition, definition)}`);
    }
    problems.push(...repositoryProblems(path, definition, planned.containers, allow));
  }
  for (const rule of rules) {
    for (const target of rule.targets) {
      const definition = definitions.get(rule.region, target.previousTaskDefinition);
      if (!definition) continue;
      const { missing } = selectContainers(definition, rule.containers);
      if (missing.length > 0) {
        problems.push(
          `scheduledTasks.${rule.rule}.containers: target ${target.id}: ${missingMessage(missing, target.previousTaskDefinition, definition)}`,
        );
      }
      problems.push(
        ...repositoryProblems(`scheduledTasks.${rule.rule}: target ${target.id}`, definition, rule.containers, allow),
      );
    }
  }
  return {
    services: services.map(({ planned }) => ({
      ...planned,
      previousSha: shaOf(planned.region, planned.previousTaskDefinition, planned.containers),
    })),
    rules: rules.map((rule) => ({
      ...rule,
      targets: rule.targets.map((target) => ({
        ...target,
        previousSha: shaOf(rule.region, target.previousTaskDefinition, rule.containers),
      })),
    })),
    problems,
  };
}

function missingMessage(
  missing: readonly string[],
  taskDefinition: string,
  definition: { containerDefinitions?: { name?: string }[] },
): string {
  const names = (definition.containerDefinitions ?? []).map((c) => c.name).join(', ');
  return `task definition ${shortTaskDefinition(taskDefinition)} has no container ${missing.join(', ')} (it has ${names})`;
}
