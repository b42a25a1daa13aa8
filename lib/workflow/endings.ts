import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { FailureOutcome } from '../../lambdas/notify/core';
import { StateNames as S } from '../state-names';
import { ERROR_PATH } from './state-data';
import type { WorkflowTask } from './task';

const $ = sfn.JsonPath;

// How every execution ends: Release Lock → Notify → a terminal state. The success endings (Report
// first) are built here; the failure endings' table is lib/terminal-states.ts.

/** The Release Lock and Notify states before one terminal state. */
export interface EndingNames {
  readonly release: string;
  readonly notify: string;
}

/**
 * Release Lock, Notify, then `terminal`. Release Lock frees every service and rule this execution
 * holds in the deployment lock (none: nothing happens), so the next deployment of them may start
 * once this one has ended. Notify puts the outcome on the default bus. Both leave the state as it
 * is (the Fail states read $.error.Cause; the Succeed states' output is the report); whatever goes
 * wrong with either, the execution still ends in the terminal state it was going to (a lock not
 * released expires with its TTL).
 */
export function endThen(
  task: WorkflowTask,
  names: EndingNames,
  terminal: sfn.State,
  failure?: FailureOutcome,
): sfn.IChainable {
  const release = task(names.release, 'release-lock', {
    payload: sfn.TaskInput.fromObject({ executionArn: $.stringAt('$$.Execution.Id') }),
    resultPath: $.DISCARD,
    // Idempotent: a second attempt after a crash releases what the first did not.
    retryCrashes: true,
  });
  const notify = notifyThen(task, names.notify, terminal, failure);
  release.addCatch(notify, { resultPath: $.DISCARD });
  return release.next(notify);
}

/** Notify, then `terminal`. */
function notifyThen(task: WorkflowTask, name: string, terminal: sfn.State, failure?: FailureOutcome): sfn.IChainable {
  const payload = failure
    ? sfn.TaskInput.fromObject({
        failure,
        executionArn: $.stringAt('$$.Execution.Id'),
        state: $.entirePayload,
      })
    : sfn.TaskInput.fromObject({ report: $.entirePayload });
  const notify = task(name, 'notify', { payload, resultPath: $.DISCARD });
  notify.addCatch(terminal, { resultPath: $.DISCARD });
  return notify.next(terminal);
}

/**
 * A restore's first step: the `aborted` notification of the execution it restores (the aborted
 * one cannot send it: no state of it runs after a stop or an uncatchable error), then `next`.
 */
export function notifyAborted(task: WorkflowTask, next: sfn.IChainable): sfn.IChainable {
  const notify = task(S.notifyAborted, 'notify', {
    payload: sfn.TaskInput.fromObject({
      // Notify reads the aborted execution's own error (ABORTED, States.Timeout…) from the plan,
      // which has it already: no second copy in the payload.
      failure: { code: 'ABORTED', status: 'aborted' },
      executionArn: $.stringAt('$.plan.restoreOf.executionArn'),
      state: $.entirePayload,
    }),
    resultPath: $.DISCARD,
  });
  notify.addCatch(next, { resultPath: $.DISCARD });
  return notify.next(next);
}

/** Release Lock, Notify, then the Succeed state `name`. */
export function succeedEnding(scope: Construct, task: WorkflowTask, names: EndingNames, name: string): sfn.IChainable {
  return endThen(task, names, new sfn.Succeed(scope, name));
}

export interface ReportStepProps {
  readonly task: WorkflowTask;
  /** The Report Task, its Pass for when it fails, and the Release Lock, Notify and Succeed states it ends in. */
  readonly names: { report: string; withoutDetails: string; release: string; notify: string; succeed: string };
  readonly status: 'deployed' | 'skipped';
  /**
   * The Clean Up Old Revisions state, run before Report (it needs the plan, which Report's output
   * replaces). Its failure never changes how the deployment ended: its Catch goes on to Report.
   */
  readonly cleanUp?: { choice: string; task: string };
}

/**
 * [Clean Up Revisions? → Clean Up Old Revisions →] Report → Release Lock → Notify → Succeed. A Report step that fails after its retries must not turn a finished
 * deployment into a raw Lambda error (CLI exit 1, no notification): its Catch ends in the same
 * Succeed state, with a report that has no per-service lists (the CLI reads those from the
 * history; the Report step's error stays in it).
 */
export function reportStep(scope: Construct, props: ReportStepProps): sfn.IChainable {
  const { names } = props;
  const report = props.task(names.report, 'report', {
    payload: sfn.TaskInput.fromObject({
      plan: $.objectAt('$.plan'),
      deployed: $.listAt('$.deployed'),
      scheduled: $.listAt('$.scheduled'),
      executionArn: $.stringAt('$$.Execution.Id'),
    }),
  });
  const end = succeedEnding(scope, props.task, { release: names.release, notify: names.notify }, names.succeed);
  report.addCatch(reportWithoutDetails(scope, names.withoutDetails, props.status).next(end), {
    resultPath: ERROR_PATH,
  });
  report.next(end);
  if (props.cleanUp === undefined) return report;
  // Its result stays in the history only: the state Report reads is unchanged.
  const cleanUp = props.task(props.cleanUp.task, 'clean-up-revisions', {
    payload: sfn.TaskInput.fromObject({
      plan: $.objectAt('$.plan'),
      deployed: $.listAt('$.deployed'),
      scheduled: $.listAt('$.scheduled'),
    }),
    resultPath: $.DISCARD,
  });
  cleanUp.addCatch(report, { resultPath: $.DISCARD });
  // Without gehen.yml's cleanupRevisions no Lambda runs at all.
  return new sfn.Choice(scope, props.cleanUp.choice)
    .when(sfn.Condition.isPresent('$.plan.deployment.keepRevisions'), cleanUp.next(report))
    .otherwise(report);
}

/**
 * The report of a deployment whose Report step failed: the DeploymentReport shape without the
 * per-service and per-rule lists, so Notify and the Succeed state still say what happened.
 */
function reportWithoutDetails(scope: Construct, name: string, status: 'deployed' | 'skipped'): sfn.Pass {
  return new sfn.Pass(scope, name, {
    parameters: {
      execution: $.stringAt('$$.Execution.Id'),
      status,
      // Both endings exit 0 (lambdas/shared/contracts/terminal-states.ts).
      exitCode: 0,
      gitsha: $.stringAt('$.plan.deployment.gitsha'),
      ...(status === 'skipped' ? { reason: $.stringAt('$.plan.skipped') } : {}),
      // No `error: null` here: CDK drops null values from a Pass state's Parameters.
      services: [],
      scheduledTasks: [],
    },
  });
}
