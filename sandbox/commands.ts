import { Command, CommanderError, Option } from 'commander';
import { SANDBOX_ENGINES, type SandboxEngine } from './engine';
import { exampleFleetPath } from './example';
import { ensureSandboxCredentials, type GehenSandbox, startGehenSandbox } from './gehen-sandbox';
import { ACCOUNT } from './ids';

// The sandbox's entry for the CLI (cli/sandbox.ts loads it lazily): `gehen sandbox`, and the example
// fleet `gehen demo` deploys to. It takes its own I/O type, so the sandbox imports nothing of cli/.
export { startExampleSandbox, startGateExampleSandbox } from './example';

/** Where `gehen sandbox` writes, and how it hears Ctrl-C (the CLI's CliIo is one). */
export interface SandboxIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** Calls `handler` on Ctrl-C until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}

/** `gehen sandbox [--fleet FILE] [--port N] [--engine local|moto] [-c KEY=VALUE] [--lambda-logs]`: runs until Ctrl-C. */
export async function sandbox(args: string[], io: SandboxIo): Promise<number> {
  const program = new Command('gehen sandbox')
    .description(
      'Run a local AWS on 127.0.0.1 — ECS, EventBridge, STS and Step Functions — with the synthesized gehen-deploy\n' +
        'workflow running the real Lambda bundles. Point gehen (or any AWS SDK) at it with AWS_ENDPOINT_URL.',
    )
    .option('--fleet <file>', 'the fleet: services, scheduled tasks, faults (default: examples/sandbox/fleet.yml)')
    .option('--port <port>', 'the API port; 0 picks a free one', '4566')
    .addOption(
      new Option(
        '--engine <engine>',
        "the Step Functions interpreter: local (aws-local-stepfunctions, in process) or moto (moto_server's; pip install 'moto[server,stepfunctions]')",
      )
        .choices(SANDBOX_ENGINES)
        .default('local'),
    )
    .option('-c, --context <key=value...>', 'CDK context for the synthesized app, as cdk synth -c takes it', [])
    .option('--lambda-logs', "print the Lambda steps' log lines (JSON; -c gehen:logLevel=DEBUG adds every AWS call)")
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .addHelpText(
      'after',
      '\nExample:\n  gehen sandbox --fleet examples/sandbox/fleet.yml\n' +
        '  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 gehen deploy --gitsha 2222222 --path gehen.yml\n' +
        '\nExit codes:\n  0  stopped with Ctrl-C\n  1  the fleet or the workflow could not start\n',
    );
  try {
    program.parse(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  const options = program.opts<{
    fleet?: string;
    port: string;
    engine: SandboxEngine;
    context: string[];
    lambdaLogs?: boolean;
  }>();
  const context = parseContext(options.context);
  if (typeof context === 'string') {
    io.stderr.write(`gehen sandbox: ${context}\n`);
    return 1;
  }
  ensureSandboxCredentials();
  io.stderr.write('Synthesizing the gehen app and bundling its Lambda steps…\n');
  let running: GehenSandbox;
  try {
    running = await startGehenSandbox({
      fleet: options.fleet ?? exampleFleetPath(),
      port: Number(options.port),
      context,
      engine: options.engine,
      ...(options.lambdaLogs ? { onLambdaLog: (fn: string, line: string) => io.stdout.write(`${fn} ${line}\n`) } : {}),
    });
  } catch (error) {
    io.stderr.write(`gehen sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  io.stdout.write(describeSandbox(running));
  await new Promise<void>((resolve) => {
    const stop = io.onInterrupt(() => {
      stop();
      resolve();
    });
  });
  io.stderr.write('\nStopping the sandbox…\n');
  await running.close();
  return 0;
}

export function describeSandbox(running: GehenSandbox): string {
  const lines = [
    `gehen sandbox listening on ${running.endpoint} (region ${running.region}, account ${ACCOUNT})`,
    `  state machine  ${running.stateMachineArn} (${running.engine} engine)`,
    ...Object.entries(running.loadBalancers).map(([name, url]) => `  ${name.padEnd(13)}  ${url}`),
    ...Object.entries(running.testLoadBalancers).map(([name, url]) => `  ${`${name} (test)`.padEnd(13)}  ${url}`),
    '',
    'Use it from another shell:',
    `  export AWS_ENDPOINT_URL=${running.endpoint} AWS_REGION=${running.region} AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox`,
    '  gehen deploy --gitsha 2222222 --path examples/sandbox/gehen.yml   # for the example fleet',
    '',
    'Ctrl-C stops it.',
    '',
  ];
  return lines.join('\n');
}

function parseContext(pairs: readonly string[]): Record<string, string> | string {
  const context: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) return `-c ${pair}: expected KEY=VALUE`;
    context[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return context;
}
