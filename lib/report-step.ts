import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ERROR_PATH } from './state-data';
import { succeedEnding } from './terminal-states';
import type { WorkflowTask } from './workflow-task';

const $ = sfn.JsonPath;

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
      gitsha: $.stringAt('$.plan.deployment.gitsha'),
      ...(status === 'skipped' ? { reason: $.stringAt('$.plan.skipped') } : {}),
      services: [],
      scheduledTasks: [],
    },
  });
}
