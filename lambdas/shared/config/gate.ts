/**
 * gehen.yml's `gate` and each service's `testUrl`: what both schemas (gehen.yml and the execution
 * input) accept, so they never drift. docs/steps.md: The gate.
 */

/**
 * ECS's lifecycle stages, in the order a blue/green, linear or canary deployment passes them
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHook.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-how-it-works.html).
 * SCALE_UP, BAKE_TIME and CLEAN_UP are stages a deployment reports but takes no hook.
 */
export const LIFECYCLE_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** The stages a lifecycle hook may be configured at (API_DeploymentLifecycleHook.html `lifecycleStages`). */
export const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;
export type HookStage = (typeof HOOK_STAGES)[number];

/**
 * The stages gehen holds a gate at: the new revision runs (so there is something to check) and no
 * production traffic reaches it yet (so a failed check costs users nothing). Why each other stage
 * is refused, in the words the refusal uses.
 */
export const GATE_STAGES = ['POST_SCALE_UP', 'POST_TEST_TRAFFIC_SHIFT', 'PRE_PRODUCTION_TRAFFIC_SHIFT'] as const;
export type GateStage = (typeof GATE_STAGES)[number];

const REFUSED_STAGES: Record<Exclude<HookStage, GateStage>, string> = {
  // "PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages"
  // (API_DeploymentLifecycleHook.html).
  TEST_TRAFFIC_SHIFT: 'ECS takes no PAUSE hook at TEST_TRAFFIC_SHIFT (only AWS_LAMBDA hooks)',
  PRODUCTION_TRAFFIC_SHIFT: 'ECS takes no PAUSE hook at PRODUCTION_TRAFFIC_SHIFT (only AWS_LAMBDA hooks)',
  POST_PRODUCTION_TRAFFIC_SHIFT: 'production traffic already reaches the new version there: a gate must come before it',
  RECONCILE_SERVICE:
    'the new version does not run yet there (and the stage happens only with several ACTIVE revisions)',
  PRE_SCALE_UP: 'the new version does not run yet there: there is nothing to check',
};

/** Where the gate's test probes make sense: the test listener sends all its traffic to the new revision. */
export const TEST_TRAFFIC_STAGES: readonly GateStage[] = ['POST_TEST_TRAFFIC_SHIFT', 'PRE_PRODUCTION_TRAFFIC_SHIFT'];

export const GATE_APPROVALS = ['none', 'manual'] as const;
export type GateApproval = (typeof GATE_APPROVALS)[number];

/** `bakeMinutes` bounds: a day at most, the default timeout of a PAUSE hook (API_DeploymentLifecycleHookTimeoutConfiguration). */
export const GATE_BAKE_MINUTES = { min: 0, max: 1440 } as const;

/** gehen.yml's `gate`, normalized. */
export interface GateConfig {
  stage: GateStage;
  approval: GateApproval;
  bakeMinutes: number;
}

/** Why gehen refuses a gate at `stage`, or null when it holds gates there. */
export function gateStageProblem(stage: string): string | null {
  if ((GATE_STAGES as readonly string[]).includes(stage)) return null;
  const reason = REFUSED_STAGES[stage as keyof typeof REFUSED_STAGES];
  const allowed = GATE_STAGES.join(', ');
  if (reason) return `cannot be ${stage}: ${reason}; use one of ${allowed}`;
  return `must be one of ${allowed} (an ECS lifecycle stage)`;
}

/**
 * The longest a gated deployment's phases may add up to: four days, the four phases the state
 * machine's default timeout (5 days) was sized for, its fifth day kept as margin. A gate adds one
 * phase (two with `approval: manual`) and the bake to verify, drain and the rollback's two, and one
 * more to the rollback: Release Rollback At Hooks, which continues its own deployments at the hooks.
 */
export const MAX_GATED_MINUTES = 4 * 1440;

/** What a gate-less or gated file may not combine, as [path, problem] pairs. */
export function gateProblems(config: {
  gate?: GateConfig | null;
  timeoutMinutes: number;
  updateStrategy: string;
  services: ReadonlyArray<{ name: string; testUrl?: string | null }>;
}): Array<[path: Array<string | number>, problem: string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  const { gate } = config;
  if (!gate) {
    for (const service of config.services) {
      if (service.testUrl) {
        problems.push([
          ['services', service.name, 'testUrl'],
          'is probed only at a gate: add `gate` (with a stage where the test listener serves the new version), or remove testUrl',
        ]);
      }
    }
    return problems;
  }
  if (config.services.length === 0) {
    problems.push([
      ['gate'],
      'holds services: name at least one service (scheduled tasks have no ECS deployment to pause)',
    ]);
  }
  const phases = gate.approval === 'manual' ? 7 : 6;
  const total = phases * config.timeoutMinutes + gate.bakeMinutes;
  if (total > MAX_GATED_MINUTES) {
    problems.push([
      ['gate'],
      `${phases} phases of timeoutMinutes ${config.timeoutMinutes} plus bakeMinutes ${gate.bakeMinutes} is ${total} minutes; a gated deployment may take at most ${MAX_GATED_MINUTES} (the state machine's timeout, less a day): lower timeoutMinutes or bakeMinutes`,
    ]);
  }
  if (config.updateStrategy === 'none') {
    problems.push([['gate'], 'needs a deployment to hold: updateStrategy none starts none']);
  }
  if (!TEST_TRAFFIC_STAGES.includes(gate.stage)) {
    for (const service of config.services) {
      if (service.testUrl) {
        problems.push([
          ['services', service.name, 'testUrl'],
          `cannot be probed at ${gate.stage}: the test listener serves the new version only from POST_TEST_TRAFFIC_SHIFT`,
        ]);
      }
    }
  }
  return problems;
}
