import type { Command } from 'commander';
import { CliError } from './exit-codes';
import type { CliIo } from './io';
import { run } from './program';

/**
 * The seam for `gehen sandbox` and `gehen demo`. The sandbox (and everything it pulls in:
 * aws-cdk-lib, aws-local-stepfunctions, esbuild) loads only when one of them runs, so the other
 * commands start fast. `../sandbox/commands` (sandbox/commands.ts; dist/sandbox/commands.js next to the bundle)
 * exports one function per command, which parses its own arguments (its own --help included).
 */
export interface SandboxModule {
  sandbox(args: string[], io: CliIo): Promise<number>;
  demo(args: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<keyof SandboxModule, string> = {
  sandbox:
    'run a local AWS (ECS, EventBridge, Step Functions) with the gehen-deploy workflow (see gehen sandbox --help)',
  demo: 'start the sandbox, deploy a good SHA and a crashing one, and show the deploy and the rollback',
};

export function registerSandboxCommands(program: Command, io: CliIo, load: () => SandboxModule = loadSandbox): void {
  for (const [name, description] of Object.entries(COMMANDS) as Array<[keyof SandboxModule, string]>) {
    program
      .command(name)
      .description(description)
      .argument('[args...]', 'passed to the sandbox')
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(async (args: string[]) =>
        run(io, false, async () => {
          const command = load()[name];
          if (typeof command !== 'function') throw new CliError(`this build's sandbox has no ${name} command yet`);
          return command(args, io);
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
    return require('../sandbox/commands') as SandboxModule;
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
