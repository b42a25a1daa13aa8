import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../lib/package-root';
import { ensureSandboxCredentials, sandboxAssembly } from '../sandbox/gehen-sandbox';
import { benchFunctions } from './bench-functions';
import { BIG_CONFIG_COMMAND, writeBigConfig } from './big-config';
import { bundleStarts, cliStarts } from './cold-start';
import { costOf } from './cost';
import { measureDetectionLatency } from './detection-latency';
import { measureEventWait } from './event-wait';
import { measureGateWait } from './gate-wait';
import { largestFittingFleet } from './largest-fleet';
import { machine } from './machine';
import type { BenchResult, BenchSection, ScaleRun } from './result';
import { runScale, type ScaleSpec } from './scale';
import { targetChecks } from './targets';

export interface BenchOptions {
  /** Tiny sizes (1 and 3 services, one latency sample, one spawn each): what `npm test` runs. */
  smoke: boolean;
  /** Recorded in the result. */
  command: string;
  /** Run this section alone (`--only event-wait`, `--only gate-wait`): the machine is shared. @default every section */
  only?: BenchSection;
  /** Progress lines. @default dropped */
  log?: (line: string) => void;
}

const REGION = 'us-east-1';

function plan(smoke: boolean) {
  // The smoke run proves the code runs and its tables build, one run a row kind: no sizes to compare.
  const deploys = smoke ? [3] : [1, 10, 50, 200];
  const scale: ScaleSpec[] = deploys.map((services) => ({
    label: `${services} service${services === 1 ? '' : 's'}`,
    services,
    rollback: false,
    pollIntervalSeconds: 1,
  }));
  const rollbackServices = smoke ? 3 : 200;
  scale.push({
    label: `${rollbackServices} services, rollback`,
    services: rollbackServices,
    rollback: true,
    pollIntervalSeconds: 1,
  });
  // The largest fleet of 200-character names with 300-character urls Prepare accepts, by bytes:
  // its largest state, deploying and rolling back, is measured from the history.
  const shape = { nameLength: 200, urlLength: 300, clusters: 4 };
  for (const rollback of smoke ? [] : [false, true]) {
    const largest = largestFittingFleet(shape);
    scale.push({
      label: `${largest} services of 200-character names${rollback ? ', rollback' : ''}`,
      services: largest,
      rollback,
      pollIntervalSeconds: 1,
      shape,
    });
  }
  // RegisterTaskDefinition's bucket (burst 20, 1 a second) sets a floor on a large deploy.
  const throttledServices = smoke ? 3 : 200;
  scale.push({
    label: `${throttledServices} services, throttling: aws`,
    services: throttledServices,
    rollback: false,
    pollIntervalSeconds: 1,
    throttling: 'aws',
  });
  return {
    scale,
    latency: smoke
      ? [{ pollIntervalSeconds: 1, samples: 1 }]
      : [
          { pollIntervalSeconds: 1, samples: 5 },
          { pollIntervalSeconds: 5, samples: 3 },
        ],
    spawns: smoke ? 1 : 5,
    costServices: smoke ? [3] : [1, 50],
    // At gehen's default poll interval: the event wait's whole point is not to wait for it.
    eventWait: (smoke ? [1] : [1, 10, 50]).map((services) => ({
      services,
      samples: smoke ? 1 : 3,
      pollIntervalSeconds: smoke ? 2 : 15,
    })),
    // The gate's hook wait, likewise.
    gateWait: (smoke ? [1] : [1, 10, 50]).map((services) => ({
      services,
      samples: smoke ? 1 : 3,
      pollIntervalSeconds: smoke ? 2 : 15,
    })),
  };
}

/** Measures gehen on the sandbox: every section of issue 7, all from this one run. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const root = packageRoot(__dirname);
  const cli = join(root, 'dist', 'cli', 'gehen.cjs');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  ensureSandboxCredentials();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const steps = plan(options.smoke);

  log('synthesizing the app with its Lambda bundles (cached under .cache/sandbox/)');
  const assembly = sandboxAssembly({});
  const functions = benchFunctions(assembly, REGION);
  const memoryMbByArn = new Map(functions.map((fn) => [fn.arn, fn.memoryMb]));
  const dir = mkdtempSync(join(tmpdir(), 'gehen-bench-'));
  const context = { assembly, memoryMbByArn, dir, log };
  const header = {
    command: options.command,
    smoke: options.smoke,
    only: options.only ?? null,
    startedAt: new Date(started).toISOString(),
    machine: machine(),
  };
  try {
    if (options.only) {
      log(`${options.only} against polling`);
      const eventWait = options.only === 'event-wait' ? await measureEventWait(steps.eventWait, context) : [];
      const gateWait = options.only === 'gate-wait' ? await measureGateWait(steps.gateWait, context) : [];
      const partial = {
        ...header,
        durationSeconds: (Date.now() - started) / 1000,
        scale: [],
        apiLoad: null,
        latency: [],
        eventWait,
        gateWait,
        coldStart: { bundles: [], cli: [] },
        cost: [],
      };
      return { ...partial, targets: targetChecks(partial) };
    }
    log('cold start');
    const bundles = bundleStarts(functions, steps.spawns);
    const bigConfig = writeBigConfig(dir);
    const cliRuns = cliStarts(
      cli,
      [
        { args: ['--version'] },
        { args: ['--help'] },
        { args: ['validate', '--path', bigConfig], exitCode: 1, name: BIG_CONFIG_COMMAND },
      ],
      steps.spawns,
    );

    log('scale');
    const scale: ScaleRun[] = [];
    for (const spec of steps.scale) scale.push(await runScale(spec, context));

    log('detection latency');
    const latency = await measureDetectionLatency(steps.latency, context);

    log('event wait against polling');
    const eventWait = await measureEventWait(steps.eventWait, context);

    log('gate wait against polling');
    const gateWait = await measureGateWait(steps.gateWait, context);

    const loadRun = scale.filter((run) => run.apiLoad !== null).sort((a, b) => b.services - a.services)[0];
    if (!loadRun?.apiLoad) throw new Error('no deployment measured the API load');
    const cost = steps.costServices.map((services) => {
      const run = scale.find((r) => r.services === services && !r.rollback);
      if (!run) throw new Error(`no ${services}-service deployment to cost`);
      return costOf(run);
    });

    const partial = {
      ...header,
      durationSeconds: (Date.now() - started) / 1000,
      scale,
      apiLoad: loadRun.apiLoad,
      latency,
      eventWait,
      gateWait,
      coldStart: { bundles, cli: cliRuns },
      cost,
    };
    return { ...partial, targets: targetChecks(partial) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
