import {
  type IAMClient,
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandOutput,
} from '@aws-sdk/client-iam';
import { awsProblem, type Problems } from '../prepare/lookups';
import type { PlannedRule } from '../shared/contracts/state';
import { shaMatches } from '../shared/verify/round';

/** What EventBridge runs a scheduled task's target with: its role, in its cluster. */
export interface TargetRole {
  roleArn: string;
  /** The target's `Arn`: the cluster the task runs in, which CDK's policies name in an ecs:cluster condition. */
  cluster: string;
}

/** Keyed by `targetKey(rule, id)`. */
export type TargetRoles = Map<string, TargetRole>;

export function targetKey(rule: string, id: string): string {
  return `${rule}|${id}`;
}

const REVISION = /:\d+$/;

/**
 * Every revision of the target's family, `arn:…:task-definition/FAMILY:*`: the resource gehen asks
 * IAM about. The exact new revision is not known before RegisterTaskDefinition (the family's next
 * number can be taken by anyone registering meanwhile), and a role that allows only `FAMILY:N+1`
 * would break again at the next deploy. A role must allow the whole family to be deployable.
 */
export function familyWildcard(taskDefinitionArn: string): string {
  return REVISION.test(taskDefinitionArn) ? taskDefinitionArn.replace(REVISION, ':*') : `${taskDefinitionArn}:*`;
}

/**
 * A scheduled task's target runs with its RoleArn, which needs ecs:RunTask on the revision the
 * target names; CDK's EcsTask target grants it on the exact revision only (aws/aws-cdk#30390), so
 * after gehen retargets the rule every scheduled run would fail, silently. Before anything changes,
 * Prepare asks IAM (SimulatePrincipalPolicy, with the ecs:cluster context such policies check)
 * whether each role may run any revision of its family, and refuses with the fix when not.
 * Targets already on the SHA are left alone: gehen does not retarget them.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/tasks-scheduled.html
 */
export async function checkTargetRoles(
  iam: IAMClient,
  rules: readonly PlannedRule[],
  roles: TargetRoles,
  gitsha: string,
): Promise<Problems> {
  const problems: string[] = [];
  // One simulation per role, family and cluster, however many targets share them.
  const checks = new Map<string, { role: TargetRole; resource: string; paths: string[] }>();
  for (const rule of rules) {
    for (const target of rule.targets) {
      if (target.previousSha !== null && shaMatches(gitsha, target.previousSha)) continue;
      const role = roles.get(targetKey(rule.rule, target.id));
      // No role: EventBridge cannot run the task today either; gehen does not change that.
      if (!role) continue;
      const resource = familyWildcard(target.previousTaskDefinition);
      const key = `${role.roleArn}|${resource}|${role.cluster}`;
      const check = checks.get(key) ?? { role, resource, paths: [] };
      check.paths.push(`scheduledTasks.${rule.rule}.targets.${target.id}`);
      checks.set(key, check);
    }
  }
  // IAM's API rates are low: one simulation at a time.
  for (const { role, resource, paths } of checks.values()) {
    const problem = await simulateRunTask(iam, role, resource);
    if (problem) problems.push(...paths.map((path) => `${path}: ${problem}`));
  }
  return problems;
}

async function simulateRunTask(iam: IAMClient, role: TargetRole, resource: string): Promise<string | null> {
  let response: SimulatePrincipalPolicyCommandOutput;
  try {
    response = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: role.roleArn,
        ActionNames: ['ecs:RunTask'],
        ResourceArns: [resource],
        ContextEntries: [{ ContextKeyName: 'ecs:cluster', ContextKeyType: 'string', ContextKeyValues: [role.cluster] }],
      }),
    );
  } catch (error) {
    return `${awsProblem(error, `check that role ${role.roleArn} may run ecs:RunTask on ${resource}`)} (gehen needs iam:SimulatePrincipalPolicy on the rule's role)`;
  }
  const results = response.EvaluationResults ?? [];
  const denied = results.find((r) => r.EvalDecision !== 'allowed');
  if (results.length > 0 && !denied) return null;
  const decision = denied?.EvalDecision ?? 'no evaluation result';
  return (
    `role ${role.roleArn} may not run ecs:RunTask on the new revision (${decision} for ${resource}), so the ` +
    `schedule would stop running it: allow ecs:RunTask on ${resource} in role ${role.roleArn}`
  );
}
