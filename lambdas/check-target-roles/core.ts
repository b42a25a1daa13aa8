import type { IAMClient } from '@aws-sdk/client-iam';
import { InvalidDeploymentError } from '../shared/contracts/errors';
import type { Plan } from '../shared/contracts/state';
import { checkTargetRoles, type TargetRoles, targetKey } from './target-roles';

/** Check Scheduled Task Roles' input: Prepare Deployment's plan. */
export interface CheckTargetRolesInput {
  plan: Plan;
}

/**
 * Check Scheduled Task Roles, between Prepare Deployment and Acquire Lock: refuses, before anything
 * changes, a deployment where a scheduled task's role could not run the revision gehen would
 * retarget it to (target-roles.ts). IAM is asked with `role.arn`'s credentials (the rules' roles
 * are in that account). A plan without scheduled tasks to retarget makes no call.
 */
export async function checkScheduledTaskRoles(input: CheckTargetRolesInput, iam: () => IAMClient): Promise<void> {
  const { plan } = input;
  const roles: TargetRoles = new Map();
  for (const rule of plan.scheduledTasks) {
    for (const target of rule.targets) {
      if (target.roleArn)
        roles.set(targetKey(rule.rule, target.id), { roleArn: target.roleArn, cluster: target.cluster ?? '' });
    }
  }
  if (plan.skipped !== undefined || roles.size === 0) return;
  const problems = await checkTargetRoles(iam(), plan.scheduledTasks, roles, plan.deployment.gitsha);
  if (problems.length > 0) {
    throw new InvalidDeploymentError(
      `the deployment cannot start, nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      problems,
    );
  }
}
