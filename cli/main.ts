import { processIo } from './io';
import { runCli } from './program';
import { registerSandboxCommands } from './sandbox';

runCli(process.argv.slice(2), processIo(), [registerSandboxCommands]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`gehen: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
