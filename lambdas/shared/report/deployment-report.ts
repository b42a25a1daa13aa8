import type { DeploymentReport, Plan, ScheduledTaskResult, ServiceDeployment } from '../contracts/state';
import type { DeploymentStatus, EndingExitCode, Phase } from '../contracts/terminal-states';

/** Report Deployment's input: the plan and what the deploy steps did. */
export interface ReportInput {
  plan: Plan;
  /** Deploy Services' results; [] for updateStrategy none. */
  deployed: ServiceDeployment[];
  /** Update Scheduled Tasks' results. */
  scheduled: ScheduledTaskResult[];
  executionArn: string;
}

/** What happened to a service or rule gehen changed, by the deployment's final status. */
const CHANGED_OUTCOME: Record<DeploymentStatus, Phase> = {
  deployed: 'deployed',
  skipped: 'unchanged',
  'rolled-back': 'rolled-back',
  failed: 'failed',
  'timed-out': 'unknown',
  // Its deploy step returned: the CLI's phase after Update Service.
  running: 'updated',
  aborted: 'unknown',
};

/** How an execution ended, as the report says it: its status and the CLI's exit code for it. */
export interface ReportEnding {
  status: DeploymentStatus;
  exitCode: EndingExitCode;
}

/**
 * The outcome of a service or rule whose deploy step left no result: a deploy Map that failed
 * part-way loses every result, so "unchanged" would be a guess. A rollback puts everything back on
 * its previous revision; after any other failure the truth is unknown.
 */
function missingResultOutcome(status: DeploymentStatus, strategy: string): Phase {
  if (status === 'deployed' || status === 'skipped' || status === 'running' || strategy === 'none') return 'unchanged';
  return status === 'rolled-back' ? 'rolled-back' : 'unknown';
}

/**
 * The deployment report: per service and rule, what ran before, what runs now and what gehen did.
 * Pure, so Report Deployment, Notify (for an execution that ended without a report) and Prepare's
 * size check (contracts/state-size.ts) build the same thing. The CLI's --json takes it from the
 * execution's output and, when there is none, builds its own from the history (cli/report.ts).
 */
export function buildDeploymentReport(
  input: ReportInput,
  ending: ReportEnding = { status: 'deployed', exitCode: 0 },
): DeploymentReport {
  const { plan } = input;
  const { status, exitCode } = ending;
  const deployed = new Map(input.deployed.map((d) => [d.name, d]));
  const scheduled = new Map(input.scheduled.map((s) => [s.rule, s]));
  return {
    execution: input.executionArn,
    status,
    exitCode,
    gitsha: plan.deployment.gitsha,
    error: null,
    services: plan.services.map((service) => {
      const deployment = deployed.get(service.name);
      return {
        name: service.name,
        cluster: service.cluster,
        previousTaskDefinition: service.previousTaskDefinition,
        taskDefinition: deployment?.taskDefinition ?? service.previousTaskDefinition,
        previousSha: service.previousSha,
        sha: plan.deployment.gitsha,
        outcome: deployment
          ? deployment.updated
            ? CHANGED_OUTCOME[status]
            : 'unchanged'
          : missingResultOutcome(status, plan.deployment.updateStrategy),
        reason: null,
      };
    }),
    scheduledTasks: plan.scheduledTasks.map((rule) => {
      const result = scheduled.get(rule.rule);
      const targets = result
        ? result.targets.map(({ id, previousTaskDefinition, taskDefinition }) => ({
            id,
            previousTaskDefinition,
            taskDefinition,
          }))
        : rule.targets.map(({ id, previousTaskDefinition }) => ({
            id,
            previousTaskDefinition,
            taskDefinition: previousTaskDefinition,
          }));
      const outcome = result
        ? result.targets.some((t) => t.changed)
          ? CHANGED_OUTCOME[status]
          : 'unchanged'
        : missingResultOutcome(status, 'current');
      return { rule: rule.rule, targets, outcome };
    }),
  };
}
