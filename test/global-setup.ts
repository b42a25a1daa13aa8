import { sandboxAssembly } from '../sandbox/gehen-sandbox';

/**
 * Runs once before all suites: synthesizes the app with its real Lambda bundles (cached under
 * .cache/sandbox/) so every end-to-end suite starts its sandbox in milliseconds.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_REGION ??= 'us-east-1';
  // The AWS SDK warns on every client under Node 20; the warning says nothing about gehen.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  sandboxAssembly({});
}
