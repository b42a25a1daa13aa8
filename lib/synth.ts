import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import type { GehenDeployerProps } from './gehen-deployer';
import { GehenStack } from './gehen-stack';
import { ContextKeys, STACK_NAME } from './synth-names';
import { readTriggerFiles } from './triggers';

// The app's names live in a module of their own that loads no CDK: the sandbox and the tests read
// them without paying for aws-cdk-lib (0.2 s a test file).
export { ContextKeys, STACK_NAME };

/** The deployer's props from the app's context. */
export function deployerPropsFromContext(app: App): GehenDeployerProps {
  const list = (key: string): string[] | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
    return items.map((item) => item.trim()).filter((item) => item.length > 0);
  };
  const concurrency: unknown = app.node.tryGetContext(ContextKeys.maxConcurrency);
  const configs = list(ContextKeys.configs);
  const probeSubnetIds = list(ContextKeys.probeSubnetIds);
  const probeSecurityGroupIds = list(ContextKeys.probeSecurityGroupIds);
  return {
    probeVpc:
      probeSubnetIds || probeSecurityGroupIds
        ? { subnetIds: probeSubnetIds ?? [], securityGroupIds: probeSecurityGroupIds ?? [] }
        : undefined,
    triggerFiles: configs ? readTriggerFiles(configs) : undefined,
    passRoleArns: list(ContextKeys.passRoleArns),
    assumeRoleArns: list(ContextKeys.assumeRoleArns),
    maxConcurrency: concurrency === undefined || concurrency === '' ? undefined : Number(concurrency),
    notifySnsTopicArn: list(ContextKeys.notifySnsTopicArn)?.[0],
    datadogApiKeySecretArn: list(ContextKeys.datadogApiKeySecretArn)?.[0],
    datadogSite: list(ContextKeys.datadogSite)?.[0],
    logLevel: list(ContextKeys.logLevel)?.[0]?.toUpperCase() as GehenDeployerProps['logLevel'],
    kmsKeyArn: list(ContextKeys.kmsKeyArn)?.[0],
    allowedClusters: list(ContextKeys.allowedClusters),
    allowedRepositories: list(ContextKeys.allowedRepositories),
    allowedRoleArns: list(ContextKeys.allowedRoleArns),
  };
}

/** The CDK app: one `Gehen` stack, environment-agnostic (no lookups, so synth works offline). */
export function buildGehenApp(app: App): GehenStack {
  return new GehenStack(app, STACK_NAME, { deployer: deployerPropsFromContext(app) });
}

export interface SynthesizeGehenOptions {
  /** The cloud assembly directory. */
  readonly outdir: string;
  /** Bundle the Lambda steps with esbuild (the sandbox needs bundles; template-only tests do not). */
  readonly bundling: boolean;
  /** Extra context, e.g. `{ 'gehen:assumeRoleArns': '…' }`. */
  readonly context?: Record<string, unknown>;
  /** Run CDK's built-in CloudFormation validation. @default false (seconds saved, nothing gained offline) */
  readonly validate?: boolean;
}

export interface SynthesizedGehen {
  readonly outdir: string;
  readonly stackName: string;
  /** Absolute path of the stack's template in `outdir`. */
  readonly templatePath: string;
  /** The parsed template. */
  readonly template: CloudFormationTemplate;
  readonly stack: Stack;
}

/** A CloudFormation template as JSON: just enough structure for the resolver and the sandbox. */
export interface CloudFormationTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
  Outputs?: Record<string, unknown>;
}

/**
 * Synthesizes the Gehen stack in-process (no CDK CLI, no network): the sandbox's and the tests'
 * way to get the template and, with `bundling`, the Lambda bundles under `outdir`.
 */
export function synthesizeGehen(options: SynthesizeGehenOptions): SynthesizedGehen {
  const app = new App({
    outdir: options.outdir,
    context: {
      ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
    builtinCloudFormationValidation: options.validate ?? false,
  });
  const stack = buildGehenApp(app);
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const templatePath = join(assembly.directory, artifact.templateFile);
  return {
    outdir: assembly.directory,
    stackName: stack.stackName,
    templatePath,
    template: JSON.parse(readFileSync(templatePath, 'utf8')) as CloudFormationTemplate,
    stack,
  };
}
