// The AWS SDK warns on every run under Node 20 (gehen supports it); the warning says nothing about gehen.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
