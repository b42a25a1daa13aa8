import { approvalHint } from './approval-progress';
import { type AwsOptions, consoleLink, EXECUTION_ARN, sfnClient } from './aws';
import { CliError } from './exit-codes';
import type { CliIo } from './io';
import { printSummary, progressOutput, renderMode } from './render';
import { reportFromHistory } from './report';
import { withRestore } from './restore-status';
import { watchExecution } from './watch';

export interface StatusOptions extends AwsOptions {
  json: boolean;
  watch: boolean;
  waitTimeout?: number;
}

/**
 * The report of an execution started earlier — by the CLI, an ECR push or from the console —
 * built from its history; with --watch, followed to the end. Same exit codes as deploy.
 */
export async function status(executionArn: string, options: StatusOptions, io: CliIo): Promise<number> {
  if (!EXECUTION_ARN.test(executionArn)) {
    throw new CliError(
      `not an execution ARN: ${executionArn} (expected arn:aws:states:REGION:ACCOUNT:execution:gehen-deploy:NAME)`,
    );
  }
  const sfn = sfnClient(options, executionArn);
  if (options.watch) {
    const report = await watchExecution(sfn, executionArn, io, {
      json: options.json,
      waitTimeoutMinutes: options.waitTimeout,
    });
    return report.exitCode;
  }
  const built = await reportFromHistory(sfn, executionArn);
  const { progress } = built;
  const report = await withRestore(sfn, built.report);
  const out = progressOutput(io, options.json);
  out.write(`${executionArn}\n`);
  if (!(options.endpoint || io.env.AWS_ENDPOINT_URL)) out.write(`  ${consoleLink(executionArn)}\n`);
  printSummary(out, report, progress, renderMode(out, io.env).color, io.clock.now());
  if (report.status === 'running' && progress.approval?.status === 'waiting')
    out.write(`\n${approvalHint(executionArn)}\n`);
  if (report.status === 'running') out.write(`\nStill running. Follow it with: gehen status ${executionArn} --watch\n`);
  if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.exitCode;
}
