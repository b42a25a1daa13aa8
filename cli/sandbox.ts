import type { Command } from 'commander';
import type * as SandboxCommands from '../sandbox/commands';
import type { DemoSandbox } from './demo';
import type { GateDemoSandbox } from './demo-gate';
import { CliError } from './exit-codes';
import type { CliIo } from './io';
import { run } from './program';

/**
 * The seam for `gehen sandbox` and `gehen demo`: the one place cli/ reaches sandbox/ (biome.json
 * enforces it). The sandbox (and everything it pulls in: aws-cdk-lib, aws-local-stepfunctions,
 * esbuild) loads only when one of them runs, so the other commands start fast.
 * `../sandbox/commands` (sandbox/commands.ts; dist/sandbox/commands.js next to the bundle) parses
 * `gehen sandbox`'s arguments itself (its own --help included) and starts the example fleet for
 * the demo (cli/demo.ts).
 */
export interface SandboxModule {
  sandbox(args: string[], io: CliIo): Promise<number>;
  startExampleSandbox(): Promise<DemoSandbox>;
  /** examples/sandbox/gate-fleet.yml with examples/sandbox/gate.gehen.yml, for `gehen demo --gate`. */
  startGateExampleSandbox(): Promise<GateDemoSandbox>;
}

interface SandboxCommand {
  description: string;
  /** What the command needs of the sandbox: an older build's sandbox may lack it. */
  needs: keyof SandboxModule;
  run(args: string[], io: CliIo, sandbox: SandboxModule): Promise<number>;
}

const COMMANDS: Record<'sandbox' | 'demo', SandboxCommand> = {
  sandbox: {
    description:
      'run a local AWS (ECS, EventBridge, Step Functions) with the gehen-deploy workflow (see gehen sandbox --help)',
    needs: 'sandbox',
    run: (args, io, sandbox) => sandbox.sandbox(args, io),
  },
  demo: {
    description:
      'start the sandbox, deploy a good SHA and a crashing one, and show the deploy and the rollback ' +
      '(--gate: three canary services through one gate, a good SHA and one the gate rolls back)',
    needs: 'startExampleSandbox',
    run: async (args, io, sandbox) => {
      if (!args.includes('--gate')) return (await import('./demo')).demo(io, () => sandbox.startExampleSandbox());
      return (await import('./demo-gate')).demoGate(io, () => sandbox.startGateExampleSandbox());
    },
  },
};

export function registerSandboxCommands(program: Command, io: CliIo, load: () => SandboxModule = loadSandbox): void {
  for (const [name, command] of Object.entries(COMMANDS)) {
    program
      .command(name)
      .description(command.description)
      .argument('[args...]', 'passed to the sandbox')
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(async (args: string[]) =>
        run(io, false, async () => {
          const sandbox = load();
          if (typeof sandbox[command.needs] !== 'function') {
            throw new CliError(`this build's sandbox has no ${name} command yet`);
          }
          return command.run(args, io, sandbox);
        }),
      );
  }
}

/**
 * What the sandbox needs beyond the CLI: the npm package lists them as optional peer dependencies,
 * so `npm install gehen` stays small for those who only deploy (package.json, README "Install").
 */
export const SANDBOX_PACKAGES = ['aws-cdk-lib', 'constructs', 'aws-local-stepfunctions'] as const;

function loadSandbox(): SandboxModule {
  try {
    // Resolved at run time, next to this bundle: never part of dist/cli/gehen.cjs.
    const commands: typeof SandboxCommands = require('../sandbox/commands');
    return commands;
  } catch (error) {
    throw sandboxLoadError(error);
  }
}

/** A missing sandbox or sandbox dependency as a message that says what to install. */
export function sandboxLoadError(error: unknown): unknown {
  if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') return error;
  const message = String(error);
  if (message.includes('../sandbox/commands')) {
    return new CliError('this build of gehen has no sandbox (build it with npm run build from a clone)', 1, {
      cause: error,
    });
  }
  const missing = SANDBOX_PACKAGES.find((name) => message.includes(`'${name}'`) || message.includes(`'${name}/`));
  if (missing === undefined) return error;
  return new CliError(
    `gehen sandbox and gehen demo need ${SANDBOX_PACKAGES.join(', ')} next to gehen (${missing} is missing): npm install --save-dev ${SANDBOX_PACKAGES.join(' ')}`,
    1,
    { cause: error },
  );
}
