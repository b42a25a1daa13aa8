// The GitHub Action's entry (action.yml runs it): the CLI's deploy, reported the way GitHub shows it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { runGitHubAction } from './github-action';
import { processIo } from './io';

runGitHubAction(processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stdout.write(`::error title=gehen::${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
