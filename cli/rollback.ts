import { DescribeExecutionCommand, GetExecutionHistoryCommand, RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { FailureCodes } from '../lambdas/shared/contracts/errors';
import { parseGitsha } from '../lambdas/shared/contracts/execution-input';
import { type AwsOptions, describe, EXECUTION_ARN, sfnClient } from './aws';
import { type DeployOptions, deploy } from './deploy';
import { CliError, ExitCodes } from './exit-codes';
import { historySource, readDeployments, targetsOf } from './history';
import type { CliIo } from './io';

export interface RollbackOptions extends Omit<DeployOptions, 'gitsha'> {
  to?: string;
}

/**
 * `gehen rollback`: deploys, through the same workflow and checks as any deploy, the SHA of the
 * last successful deployment of these services and rules before the one running now (or `--to`).
 * Refuses when the history cannot tell what that is.
 */
export async function rollback(options: RollbackOptions, io: CliIo): Promise<number> {
  let gitsha = options.to === undefined ? undefined : parseGitsha(options.to);
  if (gitsha === undefined) {
    const { sfn, targets } = await historySource(options, io);
    if (!targets) throw new CliError(`gehen rollback needs ${options.path}: it names the services to roll back`);
    const deployments = (await readDeployments(sfn.client, sfn.stateMachineArn, { limit: 1000, targets })).filter(
      (entry) => entry.status === 'deployed' && entry.gitsha !== null,
    );
    const [current, ...earlier] = deployments;
    const previous = earlier.find((entry) => entry.gitsha?.toLowerCase() !== current?.gitsha?.toLowerCase());
    if (!current || !previous?.gitsha) {
      throw new CliError(
        `cannot tell what to roll back to: the history of ${sfn.stateMachineArn} holds ` +
          `${deployments.length === 0 ? 'no successful deployment' : `only deployments of ${current?.gitsha}`} ` +
          `of these services and rules (Step Functions keeps 90 days). Name the SHA: gehen rollback --to SHA`,
      );
    }
    io.stderr.write(
      `Rolling back from ${current.gitsha} (${current.name}) to ${previous.gitsha}, deployed by ${previous.name}\n`,
    );
    gitsha = previous.gitsha;
  }
  return deploy({ ...options, gitsha }, io);
}

export interface RedriveOptions extends AwsOptions {
  json: boolean;
}

/** Redrive is allowed this long after the execution ended (RedriveExecution's own limit). */
const REDRIVE_DAYS = 14;
/** RedriveExecution refuses histories of 24,999 events or more. */
const MAX_REDRIVE_EVENTS = 24_999;

/**
 * `gehen redrive ARN`: restarts a failed execution from the state that failed, with Step
 * Functions' RedriveExecution — only where that is safe. Redrive skips every state that already
 * succeeded, Prepare's input checks and overlap guard included, so it refuses:
 * - executions that ended in one of gehen's own terminal states (`Gehen.*`): they ended on purpose,
 *   and a redriven Fail state only fails again;
 * - executions whose targets another execution has touched since (the overlap guard would not run);
 * - executions that are running, succeeded, or ended more than 14 days ago (AWS refuses those).
 */
export async function redrive(executionArn: string, options: RedriveOptions, io: CliIo): Promise<number> {
  if (!EXECUTION_ARN.test(executionArn)) throw new CliError(`not an execution ARN: ${executionArn}`);
  const sfn = sfnClient(options, executionArn);
  const described = await call(executionArn, () => sfn.send(new DescribeExecutionCommand({ executionArn })));
  const refuse = (why: string) => {
    throw new CliError(`will not redrive ${executionArn}: ${why}`);
  };
  const status = described.status ?? 'UNKNOWN';
  if (status === 'RUNNING' || status === 'SUCCEEDED' || status === 'PENDING_REDRIVE') {
    refuse(`it is ${status}; only FAILED, ABORTED and TIMED_OUT executions can be redriven`);
  }
  if (described.error?.startsWith('Gehen.')) {
    refuse(
      `it ended in gehen's own terminal state (${described.error}); deploy again instead: gehen deploy --gitsha SHA`,
    );
  }
  if (described.error === FailureCodes.invalidDeployment || described.error === 'States.DataLimitExceeded') {
    refuse(`${described.error} fails again on redrive; fix the input and deploy again`);
  }
  const stopped = described.stopDate?.getTime() ?? Date.now();
  if (Date.now() - stopped > REDRIVE_DAYS * 86_400_000) refuse(`it ended more than ${REDRIVE_DAYS} days ago`);

  const lastEvent = await call(executionArn, () =>
    sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 })),
  );
  if ((lastEvent.events?.[0]?.id ?? 0) >= MAX_REDRIVE_EVENTS) {
    refuse(
      `its history has ${lastEvent.events?.[0]?.id} events; Step Functions redrives fewer than ${MAX_REDRIVE_EVENTS}`,
    );
  }
  const stateMachineArn = described.stateMachineArn ?? '';
  const input = JSON.parse(described.input ?? '{}') as { config?: Parameters<typeof targetsOf>[0] };
  const mine = input.config ? targetsOf(input.config) : [];
  const later = (await readDeployments(sfn, stateMachineArn, { limit: 100, targets: null })).filter(
    (entry) => entry.execution !== executionArn && Date.parse(entry.start) > (described.startDate?.getTime() ?? 0),
  );
  const overlapping = later.find((entry) => entry.targets.some((target) => mine.includes(target)));
  if (overlapping) {
    refuse(
      `${overlapping.name} has deployed ${overlapping.gitsha ?? 'a version'} to the same services or rules since; ` +
        'redriving would skip the overlap check. Deploy the SHA again instead.',
    );
  }
  const redriven = await call(executionArn, () => sfn.send(new RedriveExecutionCommand({ executionArn })));
  const out = options.json ? io.stderr : io.stdout;
  out.write(
    `Redriven: ${executionArn} resumes at the state that failed.\nFollow it with: gehen status ${executionArn} --watch\n`,
  );
  if (options.json)
    io.stdout.write(`${JSON.stringify({ execution: executionArn, redriveDate: redriven.redriveDate })}\n`);
  return ExitCodes.deployed;
}

async function call<T>(executionArn: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw new CliError(`failed to redrive ${executionArn}: ${describe(error)}`, ExitCodes.failed, { cause: error });
  }
}
