import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { type AwsOptions, consoleLink, sfnClient } from './aws';
import { CliError } from './exit-codes';
import type { CliIo } from './io';
import { applyEvent, newProgress } from './progress';
import { renderMode } from './render';
import { buildReport } from './report';
import { withRestore } from './restore-status';
import { readHistory } from './watch';
import { printSummary, progressOutput, watchExecution } from './watch-execution';

export interface StatusOptions extends AwsOptions {
  json: boolean;
  watch: boolean;
  waitTimeout?: number;
}

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

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
  const progress = newProgress(executionArn);
  for (const event of await readHistory(sfn, executionArn)) applyEvent(progress, event);
  // The history of an execution started a moment ago may not hold its ExecutionStarted event yet
  // (Step Functions' reads are eventually consistent): its input says which SHA it deploys.
  progress.gitsha ??= await gitshaFromInput(sfn, executionArn);
  const report = await withRestore(sfn, buildReport(progress));
  const out = progressOutput(io, options.json);
  out.write(`${executionArn}\n`);
  if (!(options.endpoint || io.env.AWS_ENDPOINT_URL)) out.write(`  ${consoleLink(executionArn)}\n`);
  printSummary(out, report, progress, renderMode(out, io.env).color, io.clock.now());
  if (report.status === 'running') out.write(`\nStill running. Follow it with: gehen status ${executionArn} --watch\n`);
  if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.exitCode;
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
