import type { Plan } from './contracts';
import { clusterName } from './ecs-names';

/** One thing a deployment changes, as the deployment lock knows it. */
export interface LockTarget {
  /**
   * The lock item's partition key: account, region, cluster and service, or account, region, bus
   * and rule. A bare cluster name and its ARN are the same cluster; the same service name in two
   * accounts or regions is two services.
   */
  key: string;
  /** For messages: `service prod/api`, `scheduled task nightly`. */
  label: string;
}

/** The account of an ARN (`arn:partition:service:region:account:…`); null when it names none. */
export function accountOf(arn: string | null | undefined): string | null {
  const account = arn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : null;
}

/**
 * Every service and scheduled-task rule the plan changes, sorted by key: every execution acquires
 * them in the same order (see deploy-lock.ts). A rule's account is `role.arn`'s (the rules are
 * changed through it), else gehen's own, the execution's.
 */
export function lockTargets(plan: Plan): LockTarget[] {
  const { roleArn, executionArn } = plan.deployment;
  const ruleAccount = accountOf(roleArn) ?? accountOf(executionArn) ?? 'unknown';
  const services = plan.services.map((service) => {
    const account = accountOf(service.cluster) ?? ruleAccount;
    const cluster = clusterName(service.cluster);
    return {
      key: `service#${account}#${service.region}#${cluster}#${service.name}`,
      label: `service ${cluster}/${service.name}`,
    };
  });
  const rules = plan.scheduledTasks.map((rule) => ({
    key: `rule#${ruleAccount}#${rule.region}#${rule.eventBusName}#${rule.rule}`,
    label: `scheduled task ${rule.rule}`,
  }));
  const unique = new Map([...services, ...rules].map((target) => [target.key, target]));
  return [...unique.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
