import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { version } from '../package.json';
import type { ApproveOptions, RejectOptions } from './approve';
import type { DeployOptions } from './deploy';
import { CliError, ENVIRONMENT_HELP, EXIT_CODES_HELP, ExitCodes } from './exit-codes';
import type { HistoryOptions } from './history';
import { type CliIo, processIo } from './io';
import { rewriteLegacyArgs } from './legacy-args';
import type { RedriveOptions, RollbackOptions } from './rollback';
import type { StatusOptions } from './status';
import type { ValidateOptions } from './validate';

/** Adds commands from elsewhere (the sandbox's `sandbox` and `demo`). */
export type CommandRegistrar = (program: Command, io: CliIo) => void;

const HELP_FOOTER = `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n`;
/** approve and reject list their own exit codes. */
const APPROVAL_FOOTER = `\n${ENVIRONMENT_HELP}\n`;

/**
 * The gehen program. Output goes through `io`; commander's own exits (help, version, usage
 * errors) throw a CommanderError instead of exiting, for main and for tests.
 * The verbs are imported when they run: `gehen --version` never loads the AWS SDK.
 */
export function makeProgram(io: CliIo = processIo(), registrars: readonly CommandRegistrar[] = []): Command {
  const program = new Command('gehen')
    .description(
      'Deploy a git SHA to Amazon ECS services and scheduled tasks with the gehen-deploy Step Functions workflow.',
    )
    .version(`gehen version ${version}`, '-v, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `\nThe original's invocation works too: gehen -gitsha SHA [-path gehen.yml], gehen -version\n${HELP_FOOTER}`,
    );

  withAwsOptions(
    program
      .command('deploy')
      .description('validate gehen.yml, start a deployment of SHA, and watch it to the end')
      .requiredOption('--gitsha <sha>', 'the git SHA to deploy: the image tag, 7 to 40 hex characters')
      .option('-p, --path <file>', 'the gehen config file', 'gehen.yml')
      .option(
        '--state-machine <arn>',
        'the gehen-deploy state machine (default: $GEHEN_STATE_MACHINE_ARN, stateMachineArn: in the file, or found by name)',
      )
      .option('--json', 'print one JSON report on stdout; progress goes to stderr', false)
      .option('--no-wait', 'start the deployment, print its ARN, and exit 0 without watching')
      .addOption(waitTimeoutOption()),
  ).action(async (options: DeployOptions) =>
    run(io, options.json, async () => (await import('./deploy')).deploy(options, io)),
  );

  program
    .command('validate')
    .description('check gehen.yml without calling AWS, and say what a deploy would touch')
    .option('-p, --path <file>', 'the gehen config file', 'gehen.yml')
    .option('--gitsha <sha>', 'check a SHA too')
    .addHelpText('after', `\nExit codes:\n  0  valid\n  1  invalid: every problem is printed with its path\n`)
    .action(async (options: ValidateOptions) =>
      run(io, false, async () => (await import('./validate')).validate(options, io)),
    );

  withAwsOptions(
    program
      .command('status')
      .description('report on an execution started earlier (by gehen deploy, an ECR push or the console)')
      .argument('<execution-arn>', 'the execution ARN')
      .option('--json', 'print one JSON report on stdout; progress goes to stderr', false)
      .option('-w, --watch', 'follow the execution until it ends', false)
      .addOption(waitTimeoutOption()),
  ).action(async (executionArn: string, options: StatusOptions) =>
    run(io, options.json, async () => (await import('./status')).status(executionArn, options, io)),
  );

  withAwsOptions(
    program
      .command('approve')
      .description("let a deployment waiting at its gate's manual approval through: every service continues")
      .argument('<execution-arn>', 'the execution ARN (gehen deploy and gehen status print it)')
      .addHelpText('after', approvalHelp('approve')),
    APPROVAL_FOOTER,
  ).action(async (executionArn: string, options: ApproveOptions) =>
    run(io, false, async () => (await import('./approve')).approve(executionArn, options, io)),
  );

  withAwsOptions(
    program
      .command('reject')
      .description("refuse a deployment waiting at its gate's manual approval: every service rolls back")
      .argument('<execution-arn>', 'the execution ARN (gehen deploy and gehen status print it)')
      .option('--reason <text>', "why: the deployment's report and notification carry it (default: who rejected)")
      .addHelpText('after', approvalHelp('reject')),
    APPROVAL_FOOTER,
  ).action(async (executionArn: string, options: RejectOptions) =>
    run(io, false, async () => (await import('./approve')).reject(executionArn, options, io)),
  );

  withAwsOptions(
    program
      .command('history')
      .description('list past deployments of these services and rules, newest first')
      .option('-p, --path <file>', 'the gehen config file (its services and rules; without it: --all)', 'gehen.yml')
      .option('--state-machine <arn>', 'the gehen-deploy state machine (default: as deploy finds it)')
      .option('--limit <n>', 'at most this many', positiveInteger, 20)
      .option('--all', 'every deployment of the state machine, whatever it deployed', false)
      .option('--json', 'print them as JSON', false),
  ).action(async (options: HistoryOptions) =>
    run(io, options.json, async () => (await import('./history')).history(options, io)),
  );

  withAwsOptions(
    program
      .command('rollback')
      .description(
        'deploy the SHA of the last successful deployment before the current one (or --to SHA), with every check of deploy',
      )
      .option('-p, --path <file>', 'the gehen config file', 'gehen.yml')
      .option('--to <sha>', 'the SHA to go back to (default: read from the history)')
      .option('--state-machine <arn>', 'the gehen-deploy state machine (default: as deploy finds it)')
      .option('--json', 'print one JSON report on stdout; progress goes to stderr', false)
      .option('--no-wait', 'start the deployment, print its ARN, and exit 0 without watching')
      .addOption(waitTimeoutOption()),
  ).action(async (options: RollbackOptions) =>
    run(io, options.json, async () => (await import('./rollback')).rollback(options, io)),
  );

  withAwsOptions(
    program
      .command('redrive')
      .description('restart a failed, aborted or timed-out execution from the state that failed, where that is safe')
      .argument('<execution-arn>', 'the execution ARN')
      .option('--json', 'print the result as JSON', false)
      .addHelpText(
        'after',
        "\nRefused for executions that ended in one of gehen's own terminal states, whose services another\n" +
          'deployment has touched since, or that ended more than 14 days ago: deploy again instead.\n',
      ),
  ).action(async (executionArn: string, options: RedriveOptions) =>
    run(io, options.json, async () => (await import('./rollback')).redrive(executionArn, options, io)),
  );

  for (const register of registrars) register(program, io);
  return program;
}

/** Parses `args` (without node and the script) and runs the command; returns the exit code. */
export async function runCli(
  args: readonly string[],
  io: CliIo,
  registrars: readonly CommandRegistrar[] = [],
): Promise<number> {
  const program = makeProgram(io, registrars);
  const commands = new Set(program.commands.flatMap((command) => [command.name(), ...command.aliases()]));
  io.exitCode = ExitCodes.deployed;
  try {
    await program.parseAsync(rewriteLegacyArgs(args, commands), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return io.exitCode;
}

/** approve's and reject's help: what they answer, an example, their exit codes. */
function approvalHelp(verb: 'approve' | 'reject'): string {
  const example =
    verb === 'approve'
      ? 'gehen approve arn:aws:states:us-east-1:123456789012:execution:gehen-deploy:abc1234-20250101T120000Z-1a2b'
      : "gehen reject arn:aws:states:us-east-1:123456789012:execution:gehen-deploy:abc1234-20250101T120000Z-1a2b --reason 'checkout is slow on test'";
  return (
    '\nWith gate: {approval: manual} in gehen.yml, a deployment holds every service at the gate until someone\n' +
    'answers: gehen approve lets all of them continue to production traffic, gehen reject rolls all of them\n' +
    "back (so does the gate's timeout). gehen deploy and gehen status --watch print the command to run.\n" +
    `It finds the open approval in the execution's history and answers its task token (${verb === 'approve' ? 'SendTaskSuccess' : 'SendTaskFailure'});\n` +
    "the console's Send task success/failure does the same.\n" +
    `\nExample:\n  ${example}\n` +
    `\nExit codes:\n  0  ${verb === 'approve' ? 'approved' : 'rejected'}\n` +
    '  1  refused: no such execution, or it is not waiting for approval (it says what it is doing instead:\n' +
    '     not at the gate yet, already answered, timed out, ended)\n'
  );
}

function withAwsOptions(command: Command, footer = HELP_FOOTER): Command {
  return command
    .option('--region <region>', "the AWS region (default: the SDK's: $AWS_REGION, the profile)")
    .option('--endpoint <url>', 'send AWS calls there, e.g. the sandbox (default: $AWS_ENDPOINT_URL)')
    .addHelpText('after', footer);
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number above 0');
  return n;
}

function waitTimeoutOption(): Option {
  return new Option(
    '--wait-timeout <minutes>',
    'stop watching after this long and exit 2 (default: watch until the execution ends)',
  ).argParser((value) => {
    const minutes = Number(value);
    if (!Number.isFinite(minutes) || minutes <= 0)
      throw new InvalidArgumentError('must be a number of minutes above 0');
    return minutes;
  });
}

/** Runs a verb; a failure becomes a message on stderr (and a JSON report with --json) and exit 1. */
export async function run(io: CliIo, json: boolean, verb: () => Promise<number> | number): Promise<void> {
  try {
    io.exitCode = await verb();
  } catch (error) {
    // Loaded here, not at the top: `gehen --version` loads neither zod nor the AWS SDK.
    const { ConfigError } = await import('../lambdas/shared/config/error');
    const { formatConfigError } = await import('./config-file');
    const { notStartedReport } = await import('./report');
    if (error instanceof ConfigError) {
      io.stderr.write(formatConfigError(error));
      if (json)
        io.stdout.write(
          `${JSON.stringify(notStartedReport('Gehen.InvalidConfig', `${error.source} is not valid`, error.problems), null, 2)}\n`,
        );
      io.exitCode = ExitCodes.failed;
    } else if (error instanceof CliError) {
      io.stderr.write(`gehen: ${error.message}\n`);
      if (json) io.stdout.write(`${JSON.stringify(notStartedReport('Gehen.CliError', error.message), null, 2)}\n`);
      io.exitCode = error.exitCode;
    } else {
      throw error;
    }
  }
}
