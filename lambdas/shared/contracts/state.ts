import type { DeploymentStrategy } from '../aws/service-deployments';
import type { UpdateStrategy } from '../config/deploy-config';
import type { DeploymentStatus, EndingExitCode, Phase } from './terminal-states';

/**
 * The data each workflow step takes and returns. State data carries ARNs, names, SHAs and
 * outcomes only — never container definitions or environment values: execution history is
 * readable in the console and task definitions hold secrets.
 * docs/steps.md describes the same contract in prose.
 */

/** What every step needs to know about the deployment as a whole. */
export interface DeploymentContext {
  gitsha: string;
  updateStrategy: UpdateStrategy;
  roleArn: string | null;
  /** gehen.yml's `role.externalId`, sent with AssumeRole; absent when the file has none. */
  roleExternalId?: string;
  /** Each phase (verify, drain, and each again for a rollback) gets this long. */
  timeoutSeconds: number;
  pollIntervalSeconds: number;
  requiredMatches: number;
  /** The execution's ARN ($$.Execution.Id), for tags and messages. */
  executionArn: string;
  /**
   * gehen.yml's `cleanupRevisions.keep`: Clean Up Old Revisions keeps this many ACTIVE revisions
   * of each deployed family. Absent: no cleanup (and plans written before the key existed).
   */
  keepRevisions?: number;
}

export interface PlannedService {
  name: string;
  /** Cluster ARN, as DescribeServices reported it. */
  cluster: string;
  region: string;
  url: string | null;
  /** null: every container. */
  containers: string[] | null;
  /** The exact revision running before the deployment: what a rollback restores. */
  previousTaskDefinition: string;
  /** The image tag its selected containers ran; null when untagged or the containers disagree. */
  previousSha: string | null;
  /** Its `deploymentConfiguration.strategy` when Prepare read it; absent: ROLLING (and older plans). */
  strategy?: DeploymentStrategy;
  /** gehen.yml's `testUrl`: probed at the gate, behind the service's test listener. */
  testUrl?: string | null;
}

export interface PlannedTarget {
  id: string;
  previousTaskDefinition: string;
  previousSha: string | null;
  /**
   * The target's RoleArn, what EventBridge runs the task with, and its Arn (the cluster):
   * Check Scheduled Task Roles asks IAM whether that role may run the new revision there. Absent
   * when the target has no role (and in plans written before the check was its own step).
   */
  roleArn?: string;
  cluster?: string;
}

export interface PlannedRule {
  rule: string;
  region: string;
  eventBusName: string;
  containers: string[] | null;
  targets: PlannedTarget[];
}

/**
 * Prepare Deployment's input: the execution input as it was started (validated by Prepare, since
 * the console and EventBridge can start executions too) and the execution's ARN. The state passes
 * `{ "execution.$": "$$.Execution.Input", "executionArn.$": "$$.Execution.Id" }`.
 */
export interface PrepareInput {
  execution: unknown;
  executionArn: string;
}

/** Prepare's output, kept at `$.plan` for the whole execution. */
export interface Plan {
  deployment: DeploymentContext;
  services: PlannedService[];
  scheduledTasks: PlannedRule[];
  /**
   * Set when there is nothing to deploy (push-started only: a tag that is not a SHA, a SHA the
   * services already run or another execution is deploying): why. The execution then ends at once
   * in the Succeed state Nothing To Deploy.
   */
  skipped?: string;
  /**
   * A restore (input `{ restoreOf }`, execution `restore-…`): the execution that ended without
   * reaching a gehen terminal state, whose plan this is. The workflow notifies the abort, then goes
   * straight to the rollback, which puts every target back on the revision recorded before it.
   */
  restoreOf?: AbortedExecution;
  /**
   * gehen.yml's `gate`: every service's deployment is held at this ECS lifecycle stage (a PAUSE
   * hook) until all of them passed their checks, then continued together or rolled back together.
   */
  gate?: GatePlan;
}

/** The gate, as planned. docs/steps.md: The gate. */
export interface GatePlan {
  /** An ECS lifecycle stage where every service has a PAUSE hook (e.g. POST_TEST_TRAFFIC_SHIFT). */
  stage: string;
  approval: 'none' | 'manual';
  /** Held at the gate this long after every check passed; 0 when not set. */
  bakeMinutes: number;
  /** bakeMinutes × 60: Bake At Gate's SecondsPath (JSONPath has no multiplication). */
  bakeSeconds: number;
}

/** An execution stopped, timed out or failed uncatchably: what a restore puts back. */
export interface AbortedExecution {
  executionArn: string;
  status: 'ABORTED' | 'TIMED_OUT' | 'FAILED';
  /** The error it ended with (States.Timeout, States.DataLimitExceeded…), or its status when none. */
  error: string;
  /** How it ended, in a sentence, with its cause when it has one. */
  cause: string;
}

/** One Deploy Services Map iteration's input (ItemSelector). */
export interface ServiceStepInput {
  service: PlannedService;
  deployment: DeploymentContext;
}

/** Register Task Definition's output, kept at `$.registration` inside the iteration. */
export interface RegistrationResult {
  taskDefinition: string;
  registered: boolean;
}

/** Update Service's input: the iteration's input plus the registration. */
export interface UpdateServiceInput extends ServiceStepInput {
  registration: RegistrationResult;
}

/**
 * Update Service's output; the Map's result array lands at `$.deployed` and is carried to the end.
 * No cluster: the plan has it (docs/design.md, State size budget).
 */
export interface ServiceDeployment {
  name: string;
  taskDefinition: string;
  updated: boolean;
  /**
   * The ECS service deployment UpdateService started (its response's `currentServiceDeployment`):
   * what verify, the gate, drain and a rollback read and act on. Absent when nothing was updated
   * or ECS did not name one.
   */
  serviceDeploymentArn?: string;
}

/** One Update Scheduled Tasks Map iteration's input. */
export interface ScheduledTaskStepInput {
  rule: PlannedRule;
  deployment: DeploymentContext;
  mode: 'deploy' | 'rollback';
}

/** Output per rule; the Map's result array lands at `$.scheduled` (and `$.scheduledRollback`). */
export interface ScheduledTaskResult {
  rule: string;
  /** `taskDefinition`: what the target runs now (after a failed rollback: what it was left on). */
  targets: Array<{ id: string; previousTaskDefinition: string; taskDefinition: string; changed: boolean }>;
  /** Rollback mode only: false when the rule could not be put back; `reason` says why. */
  restored?: boolean;
  reason?: string;
}

/** Which version a verify or drain round looks for. */
export type Expectation = 'new' | 'previous';

/**
 * A poll round's state, carried from round to round at `$.round`. The step sets the deadline on
 * the first round (deadline null) and reports whether it has passed: the runner has no
 * `$$.State.EnteredTime`, and the Choice state branches on `status` alone.
 */
export interface RoundState {
  status: 'waiting' | 'done' | 'failed' | 'expired';
  round: number;
  /** ISO timestamp. */
  deadline: string | null;
  done: number;
  total: number;
  /** Up to 10 names still waiting, for the console. */
  waiting: string[];
  failures: Array<{ service: string; reason: string }>;
  /**
   * Probe rounds only: the services whose url has answered the expected SHA `requiredMatches`
   * times in a row in this phase, this round or an earlier one, as their positions in
   * `plan.services` (ascending, at most one per planned service; names, as rounds written before
   * positions carry them, are read as names). Later rounds of the phase do not probe them again, so a fleet
   * too slow to confirm in one Lambda call still finishes over several; their ECS deployment is
   * still checked every round. A phase starts with none (`round: null`); absent from Check
   * Drain's rounds and from state written before it existed (read as none).
   */
  confirmed?: Array<number | string>;
  /**
   * Check Drain rounds: every service still waiting; Check Gate rounds: every service whose
   * deployment is not paused at the gate's stage yet (not one waiting on its testUrl alone). As
   * positions in `plan.services` (ascending; `waiting` names ten at most). Park Wait parks these
   * alone, so a wait ends when they have all reported (docs/design.md, "Waiting on ECS events").
   * Absent: every service for a drain; none for a gate, whose loop then polls.
   */
  pending?: number[];
  /**
   * Seconds the phase's deadline adds to `timeoutSeconds` for ECS's own waiting: a blue/green,
   * linear or canary deployment's traffic-shift bakes (verify) or bake time (drain), read on the
   * phase's first round and capped so a phase stays within 250 rounds (docs/design.md, History
   * budget). Absent: none (rolling services, and rounds written before it existed).
   */
  bakeSeconds?: number;
}

/** Probe New Version's and Check Drain's input. */
export interface RoundInput {
  plan: Plan;
  /** Deploy Services' results; [] for updateStrategy none. */
  deployed: ServiceDeployment[];
  expect: Expectation;
  round: RoundState | null;
}

/** One Roll Back Services Map iteration's input. */
export interface RollbackStepInput extends ServiceStepInput {
  /** How many services the Map rolls back: their reasons share a budget. Absent: one. */
  services?: number;
}

export interface RollbackResult {
  name: string;
  /** What the service runs now: its previous revision, or (not restored) what it was left on; null: unknown. */
  taskDefinition: string | null;
  /** gehen wrote to the service (UpdateService back to the previous revision). */
  rolledBack: boolean;
  /** The service is on its previous revision, or on its way there; false: it could not be put back. */
  restored: boolean;
  /** Why it could not be put back (at most 300 characters). */
  reason?: string;
  /**
   * The service deployment its UpdateService back to the previous revision started (a blue/green,
   * linear or canary service only): in a gated deployment it pauses at the gate's PAUSE hook like
   * any other, and Release Rollback At Hooks continues it.
   */
  serviceDeploymentArn?: string;
}

/**
 * A gated service's rollback deployment (Roll Back Service's UpdateService) that may pause at the
 * service's PAUSE hooks: Check Rolled Back Services lists them at `$.heldRollbacks`.
 */
export interface HeldRollback {
  name: string;
  serviceDeploymentArn: string;
}

/** Release Rollback At Hooks' input: a round of the loop that continues the rollback's own deployments. */
export interface ReleaseRollbackInput extends RoundInput {
  heldRollbacks: HeldRollback[];
}

/** A service or rule the rollback could not put back, and what it runs now. */
export interface NotRestored {
  kind: 'service' | 'scheduled-task';
  name: string;
  /** null: unknown (the step itself failed). For a rule, its targets' revisions joined by ", ". */
  taskDefinition: string | null;
  reason: string;
}

/**
 * The deployment report, one shape for every reader: the Succeed state's output, the notification
 * event's detail (Notify) and the CLI's --json report (cli/report.ts adds only what the CLI alone
 * can know: its restore's and its approval's status). Each service's and rule's `outcome` is a
 * phase word (`deployed`, `rolled-back`, `unknown`…), the CLI's progress vocabulary.
 */
export interface DeploymentReport {
  /** null only for a CLI run that never started an execution (invalid gehen.yml…). */
  execution: string | null;
  status: DeploymentStatus;
  /** The CLI's exit code for this ending: 0 deployed or skipped, 1 failed with everything back, 2 something may be left. */
  exitCode: EndingExitCode;
  gitsha: string | null;
  /** A restore's report: the execution it restored after. */
  restoreOf?: string;
  /** Why nothing was deployed (status skipped). */
  reason?: string;
  /** The terminal Fail state's error and its message; null when it deployed or still runs. */
  error: { code: string; message: string | null; problems?: readonly string[] } | null;
  services: ServiceReport[];
  scheduledTasks: ScheduledTaskReport[];
}

/** One service's row of the report. */
export interface ServiceReport {
  name: string;
  cluster: string;
  /** null: not known yet (the CLI reading the history of an execution that has not planned it). */
  previousTaskDefinition: string | null;
  taskDefinition: string | null;
  previousSha: string | null;
  sha: string | null;
  outcome: Phase;
  /** Why it failed, if it did; null otherwise. */
  reason: string | null;
  /** From its first step to its last phase's end, when the history was read (the CLI); else absent. */
  seconds?: number | null;
}

/** One scheduled-task rule's row of the report. */
export interface ScheduledTaskReport {
  rule: string;
  targets: Array<{ id: string; previousTaskDefinition: string; taskDefinition: string }>;
  outcome: Phase;
  seconds?: number | null;
}
