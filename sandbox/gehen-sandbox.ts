import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '../lib/package-root';
import type { SynthesizedGehen, SynthesizeGehenOptions } from '../lib/synth';
import { ContextKeys, STACK_NAME } from '../lib/synth-names';
import type { EngineOptions, GehenStepFunctions, SandboxEngine } from './engine';
import { type EventRouting, routeEvents } from './event-routing';
import { iamGuard } from './iam/iam-guard';
import { type ApiGuard, type ExtraRoute, type Fleet, type FleetInput, type Sandbox, startSandbox } from './index';
import { LambdaInvokeApi } from './lambda/invoke-api';
import { startMotoStepFunctions } from './moto/moto-step-functions';
import type { Json, LambdaFunctionSpec } from './stepfunctions/local-workflow';
import { createStepFunctionsService } from './stepfunctions/service';
import { workflowFromTemplate } from './stepfunctions/template-workflow';

/** A synthesized Gehen app with bundled Lambdas: what the sandbox runs. */
export interface SandboxAssembly {
  dir: string;
  template: Parameters<typeof workflowFromTemplate>[0]['template'];
}

export interface GehenSandboxOptions {
  fleet: Fleet | FleetInput | string;
  /** @default 4566; 0 picks a free port */
  port?: number;
  seed?: number;
  /** CDK context, as `cdk synth -c KEY=VALUE` takes it. */
  context?: Record<string, string>;
  /** A ready assembly (tests synthesize once for every suite). @default synthesized, cached under .cache/ */
  assembly?: SandboxAssembly;
  /** Receives the Lambda functions' log lines. @default dropped */
  onLambdaLog?: (functionName: string, line: string) => void;
  /**
   * Wait states (by name) that wait this many seconds instead (local engine): for tests whose
   * subject is not the wait. @default none: every Wait waits as the definition says
   */
  waitSeconds?: Record<string, number>;
  /** Extra checks before every API call (see startSandbox). */
  guards?: ApiGuard[];
  /** Extra routes beside the AWS APIs (see startSandbox). */
  routes?: ExtraRoute[];
  /** Which Step Functions interpreter runs the workflow (see sandbox/engine.ts). @default local */
  engine?: SandboxEngine;
}

export interface GehenSandbox extends Sandbox {
  stateMachineArn: string;
  /** Which interpreter runs the workflow. */
  engine: SandboxEngine;
  stepFunctions: GehenStepFunctions;
  /** The template's EventBridge rules (the ECR push triggers) and what they delivered. */
  eventRouting: EventRouting;
}

/**
 * The whole product on one machine: the sandbox's AWS APIs plus the synthesized gehen-deploy
 * workflow, its Tasks running the real esbuild bundles of the Lambda steps.
 */
export async function startGehenSandbox(options: GehenSandboxOptions): Promise<GehenSandbox> {
  const assembly = options.assembly ?? sandboxAssembly(options.context ?? {});
  let service: GehenStepFunctions | undefined;
  // Set once the fleet and the state machine are known, before any Lambda step can call.
  let iam: ApiGuard | undefined;
  // Lambda's Invoke API for the workflow's functions, on both engines (moto's Tasks go through it).
  const invokeApi = new LambdaInvokeApi();
  // The template's functions, for the rules whose targets they are.
  let functions: readonly LambdaFunctionSpec[] = [];
  const started = await startSandbox({
    fleet: options.fleet,
    port: options.port,
    seed: options.seed,
    guards: [...(options.guards ?? []), (call) => iam?.(call)],
    routes: [...(options.routes ?? []), invokeApi.route],
    stepFunctions: async ({ endpoint, region, privateAddresses, fleet, events }) => {
      const workflow = workflowFromTemplate({
        template: assembly.template,
        assemblyDir: assembly.dir,
        region,
        stackName: STACK_NAME,
        privateAddresses,
      });
      functions = workflow.functions;
      const engine = options.engine ?? 'local';
      service = await startEngine({
        engine,
        endpoint,
        region,
        workflow,
        invokeApi,
        onLambdaLog: options.onLambdaLog,
        local: {
          onExecutionStatusChange: (event) => events.emit(region, event),
          // Replication lag, in real seconds: not a modelled duration, so timing.scale leaves it alone.
          executionsLagSeconds: fleet.consistency.executionsSeconds,
          waitSeconds: options.waitSeconds,
          putEvents: async (entries) => (await events.handle('PutEvents', { Entries: entries }, region)) as Json,
        },
      });
      return service;
    },
  }).catch(async (error: unknown) => {
    await invokeApi.close();
    throw error;
  });
  const sandbox: Sandbox = {
    ...started,
    close: async () => {
      await started.close();
      await invokeApi.close();
    },
  };
  if (!service) {
    await sandbox.close();
    throw new Error('the sandbox started without its Step Functions service');
  }
  const stepFunctions = service;
  let eventRouting: EventRouting;
  try {
    sandbox.dynamodb.createTablesFromTemplate(assembly.template, sandbox.region);
    if (sandbox.fleet.iam) {
      const { template } = assembly;
      const { region, fleet } = sandbox;
      iam = iamGuard({
        template,
        stackName: STACK_NAME,
        region,
        stateMachineArn: stepFunctions.stateMachineArn,
        fleet,
      });
    }
    eventRouting = await routeEvents({
      events: sandbox.events,
      template: assembly.template,
      region: sandbox.region,
      stackName: STACK_NAME,
      stateMachineArn: stepFunctions.stateMachineArn,
      startExecution: (request) => stepFunctions.startExecution(request),
      functions,
      invokeFunction: (functionArn, event) => invokeApi.invokeAsync(functionArn, event),
    });
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  return {
    ...sandbox,
    stateMachineArn: stepFunctions.stateMachineArn,
    engine: options.engine ?? 'local',
    stepFunctions,
    eventRouting,
  };
}

/**
 * `local`: aws-local-stepfunctions in this process, Tasks calling the bundles directly.
 * `moto`: moto_server's ASL interpreter, Tasks calling the sandbox's Invoke API. The functions are
 * the same bundles either way; see docs/design.md "Two Step Functions engines" for where they differ.
 */
async function startEngine(options: EngineOptions): Promise<GehenStepFunctions> {
  const { endpoint, region, workflow, onLambdaLog } = options;
  options.invokeApi.bind(workflow.functions, { endpoint, region, onLog: onLambdaLog });
  if (options.engine === 'moto') {
    return startMotoStepFunctions({
      sandboxPort: Number(new URL(endpoint).port),
      region,
      workflow,
      onLog: onLambdaLog && ((line) => onLambdaLog('moto_server', line)),
    });
  }
  return createStepFunctionsService({ endpoint, region, workflow, onLambdaLog, ...options.local });
}

/**
 * Synthesizes the app with bundling on, once per source version: the assembly is cached under
 * .cache/sandbox/<hash of lib/, lambdas/, the lockfile and the context>, so a second start is instant.
 *
 * Another context reuses the bundles of the empty context's assembly instead of bundling all
 * seventeen again (15 s of esbuild processes each time a test file's context meets a changed
 * source): the bundles do not depend on the context, as lib/step-lambda.ts bundles every step with
 * the same esbuild options whatever the props. Its template is synthesized without bundling, and
 * each function's Code (the `asset.<hash>` it runs) is the empty context's, linked in.
 */
export function sandboxAssembly(context: Record<string, string>): SandboxAssembly {
  const root = packageRoot(__dirname);
  const hash = createHash('sha256').update(sourceHash(root));
  // The template embeds the gehen.yml files' contents, not their paths: hash what it embeds.
  const { [ContextKeys.configs]: configs, ...rest } = context;
  hash.update(JSON.stringify(Object.entries(rest).sort()));
  for (const path of (configs ?? '').split(',').map((p) => p.trim())) {
    if (path !== '') hash.update(existsSync(path) ? readFileSync(path) : `missing ${path}`);
  }
  const dir = join(root, '.cache', 'sandbox', hash.digest('hex').slice(0, 16));
  const templatePath = join(dir, `${STACK_NAME}.template.json`);
  if (!existsSync(templatePath)) {
    const staging = `${dir}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    if (Object.keys(context).length === 0) synthesize({ outdir: staging, bundling: true, context });
    else withBundlesOf(sandboxAssembly({}), synthesize({ outdir: staging, bundling: false, context }));
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  }
  return { dir, template: JSON.parse(readFileSync(templatePath, 'utf8')) };
}

/**
 * lib/synth's synthesizeGehen, loaded only when an assembly is not cached: it loads aws-cdk-lib
 * (0.2 s of CPU), which a sandbox started from the cache never needs.
 */
function synthesize(options: SynthesizeGehenOptions): SynthesizedGehen {
  const { synthesizeGehen } = require('../lib/synth') as typeof import('../lib/synth');
  return synthesizeGehen(options);
}

/** Points every function of an unbundled synth at `bundled`'s asset of the same function, linked into its outdir. */
function withBundlesOf(bundled: SandboxAssembly, synth: SynthesizedGehen): void {
  const { template } = synth;
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const code = bundled.template.Resources?.[logicalId]?.Properties?.Code as { S3Key?: unknown } | undefined;
    const key = typeof code?.S3Key === 'string' ? code.S3Key : undefined;
    if (!code || !key) throw new Error(`the bundled assembly has no function ${logicalId} to lend its bundle`);
    const asset = `asset.${key.replace(/\.zip$/, '')}`;
    if (!existsSync(join(synth.outdir, asset))) symlinkSync(join(bundled.dir, asset), join(synth.outdir, asset));
    resource.Properties = { ...resource.Properties, Code: code };
  }
  writeFileSync(synth.templatePath, JSON.stringify(template));
}

/** lib/, lambdas/ and the lockfile, hashed once per process (a test file may start several sandboxes). */
let sourceHashOnce: string | undefined;
function sourceHash(root: string): string {
  if (sourceHashOnce !== undefined) return sourceHashOnce;
  const hash = createHash('sha256');
  for (const dir of ['lib', 'lambdas']) {
    for (const file of listFiles(join(root, dir))) {
      hash.update(relative(root, file));
      hash.update(readFileSync(file));
    }
  }
  const lock = join(root, 'package-lock.json');
  if (existsSync(lock)) hash.update(readFileSync(lock));
  sourceHashOnce = hash.digest('hex');
  return sourceHashOnce;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

/** The AWS SDK wants credentials even for the sandbox, which accepts any: provide dummies when none are set. */
export function ensureSandboxCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
}
