import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { causeMessage } from '../lambdas/shared/contracts/lambda-cause';
import type { DeploymentReport } from '../lambdas/shared/contracts/state';
import type { ApprovalProgress } from './approval-progress';
import { readHistory } from './execution-history';
import { type ExitCode, outcomeOf, type ReportStatus } from './exit-codes';
import { applyEvent, type ExecutionProgress, newProgress } from './progress';
import type { RestoreStatus } from './restore-status';

/**
 * The --json report, one per run on stdout: the deployment report every reader shares (the
 * notification's detail, the Succeed state's output: lambdas/shared/contracts/state.ts), built
 * here from the history, plus what only the CLI can tell.
 */
export interface CliReport extends Omit<DeploymentReport, 'exitCode'> {
  /** As the deployment report's, or 2 for a watch cut short (--wait-timeout, a running execution). */
  exitCode: ExitCode;
  /** The gate's manual approval, when the deployment reached it: waiting, approved (by whom), rejected (why). */
  approval?: ApprovalProgress;
  /** Stopped, timed out or failed uncatchably: its restore (`restore-<name>`) and how that ended. */
  restore?: RestoreStatus;
}

/** The report of an execution as far as its history goes; `override` for a watch cut short. */
export function buildReport(
  progress: ExecutionProgress,
  override?: { status: ReportStatus; exitCode: ExitCode },
): CliReport {
  const { status, exitCode } = override ?? outcomeOf(progress.termination);
  const final = finalReport(progress.finalOutput);
  const termination = progress.termination;
  return {
    execution: progress.executionArn,
    status,
    exitCode,
    gitsha: progress.gitsha,
    error:
      termination.kind === 'failed' || termination.kind === 'aborted' || termination.kind === 'timed-out'
        ? {
            code: termination.error ?? (termination.kind === 'aborted' ? 'ABORTED' : 'TIMED_OUT'),
            message: causeMessage(termination.cause),
          }
        : null,
    services: [...progress.services.values()].map((service) => {
      const reported = final?.services.find((s) => s.name === service.name);
      return {
        name: service.name,
        cluster: service.cluster,
        previousTaskDefinition: service.previousTaskDefinition ?? reported?.previousTaskDefinition ?? null,
        taskDefinition: service.taskDefinition ?? reported?.taskDefinition ?? null,
        previousSha: service.previousSha ?? reported?.previousSha ?? null,
        sha: progress.gitsha,
        outcome: service.phase,
        reason: service.failure,
        seconds: secondsBetween(service.startedAt, service.finishedAt ?? progress.endedAt),
      };
    }),
    scheduledTasks: [...progress.scheduledTasks.values()].map((task) => ({
      rule: task.rule,
      targets:
        task.targets.length > 0
          ? task.targets
          : (final?.scheduledTasks.find((t) => t.rule === task.rule)?.targets ?? []),
      outcome: task.phase,
      seconds: secondsBetween(task.startedAt, task.finishedAt ?? progress.endedAt),
    })),
    ...(progress.approval ? { approval: progress.approval } : {}),
  };
}

/**
 * The report of an execution started earlier (by the CLI, an ECR push or the console), and the
 * progress it was built from, as far as its history goes.
 */
export async function reportFromHistory(
  sfn: SFNClient,
  executionArn: string,
): Promise<{ report: CliReport; progress: ExecutionProgress }> {
  const progress = newProgress(executionArn);
  for (const event of await readHistory(sfn, executionArn)) applyEvent(progress, event);
  // The history of an execution started a moment ago may not hold its ExecutionStarted event yet
  // (Step Functions' reads are eventually consistent): its input says which SHA it deploys.
  progress.gitsha ??= await gitshaFromInput(sfn, executionArn);
  return { report: buildReport(progress), progress };
}

async function gitshaFromInput(sfn: SFNClient, executionArn: string): Promise<string | null> {
  try {
    const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const gitsha = (JSON.parse(input ?? '{}') as { gitsha?: unknown }).gitsha;
    return typeof gitsha === 'string' ? gitsha.toLowerCase() : null;
  } catch {
    return null; // the report says what the history says; the SHA is a nicety here
  }
}

/** A report for a run that never started an execution (invalid gehen.yml, no state machine…). */
export function notStartedReport(code: string, message: string, problems?: readonly string[]): CliReport {
  return {
    execution: null,
    status: 'failed',
    exitCode: 1,
    gitsha: null,
    error: { code, message, ...(problems ? { problems } : {}) },
    services: [],
    scheduledTasks: [],
  };
}

function secondsBetween(start: Date | null, end: Date | null): number | null {
  return start && end ? Math.max(0, Math.round((end.getTime() - start.getTime()) / 1000)) : null;
}

function finalReport(output: unknown): DeploymentReport | null {
  const report = output as Partial<DeploymentReport> | null | undefined;
  return report && Array.isArray(report.services) && Array.isArray(report.scheduledTasks)
    ? (report as DeploymentReport)
    : null;
}
