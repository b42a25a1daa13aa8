import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { DeployConfig } from '../lambdas/shared/config/deploy-config';
import type { ExecutionInput } from '../lambdas/shared/contracts/execution-input';
import {
  type AwsOptions,
  consoleLink,
  describe,
  executionName,
  resolvedRegion,
  resolveStateMachineArn,
  sfnClient,
} from './aws';
import { loadConfig } from './config-file';
import { CliError, ExitCodes } from './exit-codes';
import type { CliIo } from './io';
import { newProgress } from './progress';
import { paint, progressOutput, renderMode } from './render';
import { buildReport } from './report';
import { watchExecution } from './watch';

export interface DeployOptions extends AwsOptions {
  gitsha: string;
  path: string;
  stateMachine?: string;
  json: boolean;
  wait: boolean;
  waitTimeout?: number;
}

/**
 * Validates gehen.yml and the SHA (nothing starts unless both are valid), starts an execution of
 * gehen-deploy, and watches it to the end. Returns the exit code.
 */
export async function deploy(options: DeployOptions, io: CliIo): Promise<number> {
  const { loaded, gitsha } = loadConfig(options.path, io.cwd, options.gitsha);
  if (gitsha === null) throw new CliError('--gitsha is required');
  const out = progressOutput(io, options.json);
  const { color } = renderMode(out, io.env);

  const stateMachineArn = await resolveStateMachineArn(
    { flag: options.stateMachine, env: io.env.GEHEN_STATE_MACHINE_ARN, file: loaded.stateMachineArn },
    options,
  );
  const sfn = sfnClient(options, stateMachineArn);
  const config = await withRegions(loaded.config, options);
  const input: ExecutionInput = { gitsha, config, source: 'cli' };
  const name = executionName(gitsha, new Date(io.clock.now()));

  let executionArn: string;
  try {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    if (!started.executionArn) throw new Error('StartExecution returned no executionArn');
    executionArn = started.executionArn;
  } catch (error) {
    throw new CliError(`failed to start ${name} on ${stateMachineArn}: ${describe(error)}`, ExitCodes.failed, {
      cause: error,
    });
  }

  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  out.write(
    `Deploying ${paint(color, 'bold', gitsha.slice(0, 7))} to ${count(config.services.length, 'service')} and ` +
      `${count(config.scheduledTasks.length, 'scheduled task')}: ${name}\n`,
  );
  if (!(options.endpoint || io.env.AWS_ENDPOINT_URL)) out.write(`  ${consoleLink(executionArn)}\n`);
  out.write(`  ${executionArn}\n\n`);

  if (!options.wait) {
    out.write(`Not waiting. Follow it with: gehen status ${executionArn} --watch\n`);
    if (options.json) {
      const progress = newProgress(executionArn);
      progress.gitsha = gitsha;
      io.stdout.write(`${JSON.stringify(buildReport(progress, { status: 'running', exitCode: 0 }), null, 2)}\n`);
    }
    return ExitCodes.deployed;
  }
  const report = await watchExecution(sfn, executionArn, io, {
    json: options.json,
    waitTimeoutMinutes: options.waitTimeout,
  });
  return report.exitCode;
}

/**
 * Fills in the region of services on bare cluster names (and of scheduled tasks): the file's
 * `region`, else the SDK's (--region, AWS_REGION, the profile). Left null when none is known:
 * Prepare then uses its own region.
 */
async function withRegions(config: DeployConfig, options: AwsOptions): Promise<DeployConfig> {
  const needsRegion =
    config.services.some((s) => s.region === null) || config.scheduledTasks.some((t) => t.region === null);
  if (!needsRegion) return config;
  const region = config.region ?? (await resolvedRegion(sfnClient(options)));
  if (region === null) return config;
  return {
    ...config,
    services: config.services.map((s) => ({ ...s, region: s.region ?? region })),
    scheduledTasks: config.scheduledTasks.map((t) => ({ ...t, region: t.region ?? region })),
  };
}
