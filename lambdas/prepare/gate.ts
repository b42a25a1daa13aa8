import type { DeploymentLifecycleHook } from '@aws-sdk/client-ecs';
import { strategyOf } from '../shared/aws/service-deployments';
import type { GateConfig } from '../shared/config/gate';
import type { GatePlan } from '../shared/contracts/state';
import type { Problems } from './lookups';
import type { ResolvedService } from './resolve-services';

/**
 * The gate, checked against what DescribeServices says each service deploys with, before anything
 * changes: every service must pause at the gate's stage (a PAUSE lifecycle hook there), or the
 * gate would hold some services and let the others through. Each refusal names the service and the
 * exact hook to add. docs/steps.md: The gate.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHook.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHookTimeoutConfiguration.html
 */

/** A PAUSE hook without timeoutConfiguration waits this long (API_DeploymentLifecycleHookTimeoutConfiguration.html). */
export const DEFAULT_HOOK_TIMEOUT_MINUTES = 1440;

/** The gate as the plan carries it. */
export function gatePlan(gate: GateConfig): GatePlan {
  return {
    stage: gate.stage,
    approval: gate.approval,
    bakeMinutes: gate.bakeMinutes,
    bakeSeconds: gate.bakeMinutes * 60,
  };
}

/**
 * How long a service may stay paused before gehen decides, at most: the wait for every other
 * service to pause and pass (one phase), the operator (one more phase, manual only), the bake, and
 * a minute for the last round and Continue Gate. A PAUSE hook that times out sooner acts on its own.
 */
export function minutesHeldAtGate(gate: GateConfig, timeoutMinutes: number): number {
  const phases = gate.approval === 'manual' ? 2 : 1;
  return Math.ceil(timeoutMinutes * phases + gate.bakeMinutes + 1);
}

/** Why each service cannot be held at the gate: none when every one can. */
export function gateServiceProblems(
  gate: GateConfig,
  timeoutMinutes: number,
  services: readonly ResolvedService[],
): Problems {
  const held = minutesHeldAtGate(gate, timeoutMinutes);
  const hookToAdd = JSON.stringify({
    targetType: 'PAUSE',
    lifecycleStages: [gate.stage],
    timeoutConfiguration: { timeoutInMinutes: Math.max(held, 60), action: 'ROLLBACK' },
  });
  const add = `add this hook to its deploymentConfiguration.lifecycleHooks: ${hookToAdd}`;
  return services.flatMap(({ path, deploymentConfiguration }): string[] => {
    const strategy = strategyOf({ deploymentConfiguration });
    if (strategy === 'ROLLING') {
      return [
        `${path}: deploys with the ROLLING strategy, which has no lifecycle stages to pause at; a gate needs deploymentConfiguration.strategy BLUE_GREEN, LINEAR or CANARY, and ${add}`,
      ];
    }
    if (gate.stage === 'PRE_PRODUCTION_TRAFFIC_SHIFT' && strategy !== 'BLUE_GREEN') {
      // "For linear and canary deployments, this stage is invoked before every traffic shift step."
      return [
        `${path}: deploys with ${strategy}, which reaches PRE_PRODUCTION_TRAFFIC_SHIFT before every traffic shift step, so a PAUSE hook there would stop it again after the gate; use gate.stage POST_TEST_TRAFFIC_SHIFT`,
      ];
    }
    const hook = pauseHookAt(deploymentConfiguration?.lifecycleHooks ?? [], gate.stage);
    if (!hook) return [`${path}: has no PAUSE hook at ${gate.stage}; ${add}`];
    const timeout = hook.timeoutConfiguration?.timeoutInMinutes ?? DEFAULT_HOOK_TIMEOUT_MINUTES;
    const action = hook.timeoutConfiguration?.action ?? 'ROLLBACK';
    if (action === 'CONTINUE') {
      return [
        `${path}: its PAUSE hook at ${gate.stage} continues the deployment when it times out, so a deployment gehen never decided on (a stopped execution) would go to production; set its timeoutConfiguration.action to ROLLBACK`,
      ];
    }
    if (timeout < held) {
      return [
        `${path}: its PAUSE hook at ${gate.stage} times out after ${timeout} minutes, but the gate may hold it ${held} (timeoutMinutes${gate.approval === 'manual' ? ' twice: pausing, then the approval' : ''}, bakeMinutes and a minute to continue); raise its timeoutConfiguration.timeoutInMinutes to at least ${held}`,
      ];
    }
    return [];
  });
}

function pauseHookAt(hooks: readonly DeploymentLifecycleHook[], stage: string): DeploymentLifecycleHook | undefined {
  return hooks.find((hook) => hook.targetType === 'PAUSE' && (hook.lifecycleStages ?? []).some((s) => s === stage));
}
