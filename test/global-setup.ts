import { sandboxAssembly } from '../sandbox/gehen-sandbox';
import { probeMoto, rememberMoto } from './moto-probe';

/**
 * Runs once before all suites: synthesizes the app with its real Lambda bundles (cached under
 * .cache/sandbox/) so every end-to-end suite starts its sandbox in milliseconds, and probes moto
 * once for the files that need it (test/moto-probe.ts).
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_REGION ??= 'us-east-1';
  // The AWS SDK warns on every client under Node 20; the warning says nothing about gehen.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // The probe's Python runs on the other core while this one synthesizes (or reads the cache).
  const moto = probeMoto();
  sandboxAssembly({});
  rememberMoto(await moto);
}
