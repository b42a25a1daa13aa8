import { STEP_TAG, type StepName } from './step-lambda';
import type { CloudFormationTemplate } from './synth';

/** Just the resources of a template: lib/synth.ts's CloudFormationTemplate, or the sandbox's. */
type TemplateResources = Pick<CloudFormationTemplate, 'Resources'>;

/** A CloudFormation reference inside the definition: `{ Ref }` or `{ Fn::GetAtt: [id, attr] }`. */
export interface TokenReference {
  readonly logicalId: string;
  /** null for `Ref`. */
  readonly attribute: string | null;
}

export interface ResolveTokensOptions {
  /** Turns a resource reference into its value, e.g. a fake Lambda ARN. @default fakeLambdaArn */
  readonly resolve?: (reference: TokenReference) => string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly account?: string;
}

export interface ResolveDefinitionOptions extends ResolveTokensOptions {
  /** The state machine's StateMachineName, when the template has several. @default the only one */
  readonly stateMachineName?: string;
}

/** The template holds something this resolver does not turn into a value. */
export class UnresolvableTemplateError extends Error {
  override readonly name = 'UnresolvableTemplateError';
}

/** The ARN the tests give a function: `arn:aws:lambda:us-east-1:000000000000:function:<logicalId>`. */
export function fakeLambdaArn(reference: TokenReference, region = 'us-east-1', account = '000000000000'): string {
  return `arn:aws:lambda:${region}:${account}:function:${reference.logicalId}`;
}

/**
 * `value` with every `Ref`, `Fn::GetAtt` and `Fn::Join` in it resolved, however deep: pseudo
 * parameters (`AWS::Region`, …) to the given region and account, resources by `resolve`. Any
 * other intrinsic is refused (UnresolvableTemplateError): CDK writes a state machine's
 * DefinitionString with these three only.
 */
export function resolveTokens(value: unknown, options: ResolveTokensOptions = {}): unknown {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const resolve = options.resolve ?? ((reference: TokenReference) => fakeLambdaArn(reference, region, account));
  const pseudo: Record<string, string> = {
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const intrinsic = (key: string, argument: unknown): string => {
    if (key === 'Ref' && typeof argument === 'string') {
      return pseudo[argument] ?? resolve({ logicalId: argument, attribute: null });
    }
    if (
      key === 'Fn::GetAtt' &&
      Array.isArray(argument) &&
      typeof argument[0] === 'string' &&
      typeof argument[1] === 'string'
    ) {
      return resolve({ logicalId: argument[0], attribute: argument[1] });
    }
    if (
      key === 'Fn::Join' &&
      Array.isArray(argument) &&
      typeof argument[0] === 'string' &&
      Array.isArray(argument[1])
    ) {
      return argument[1].map((part) => String(walk(part))).join(argument[0]);
    }
    throw new UnresolvableTemplateError(`cannot resolve ${key} ${JSON.stringify(argument)} in the template`);
  };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== 'object' || node === null) return node;
    const entries = Object.entries(node);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
      return intrinsic(key, argument);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, walk(v)]));
  };
  return walk(value);
}

/** The template's state machine: the only one, or the one named `name`. */
export function stateMachineOf(
  template: TemplateResources,
  name?: string,
): { logicalId: string; properties: Record<string, unknown> } {
  const machines = Object.entries(template.Resources).filter(
    ([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine',
  );
  const match = machines.find(([, resource]) => name === undefined || resource.Properties?.StateMachineName === name);
  if (!match || (name === undefined && machines.length !== 1)) {
    throw new UnresolvableTemplateError(`the template has no single state machine${name ? ` named ${name}` : ''}`);
  }
  return { logicalId: match[0], properties: match[1].Properties ?? {} };
}

/**
 * The state machine's DefinitionString (a string, or an `Fn::Join` of strings, `Ref`s and
 * `Fn::GetAtt`s) as plain ASL: what the tests assert on and what the sandbox runs.
 */
export function resolveDefinition(
  template: TemplateResources,
  options: ResolveDefinitionOptions = {},
): Record<string, unknown> {
  const { logicalId, properties } = stateMachineOf(template, options.stateMachineName);
  const text = resolveTokens(properties.DefinitionString, options);
  if (typeof text !== 'string') throw new UnresolvableTemplateError(`${logicalId}: no DefinitionString`);
  const definition: unknown = JSON.parse(text);
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw new UnresolvableTemplateError(`${logicalId}: DefinitionString is not an object`);
  }
  return definition as Record<string, unknown>;
}

/** A Lambda function of the template, and where its bundle is. */
export interface TemplateFunction {
  readonly logicalId: string;
  /** The workflow step (the lambdas/ folder), from the function's `gehen:step` tag. */
  readonly step: StepName;
  /** `Handler`, e.g. `index.handler`. */
  readonly handler: string;
  /** The asset directory as synthesized (relative to the assembly dir); null if the template has none. */
  readonly assetPath: string | null;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Record<string, string>;
}

/** Every Lambda function in the template: what the sandbox needs to run each Task with its bundle. */
export function templateFunctions(template: CloudFormationTemplate): TemplateFunction[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const tags = (properties.Tags ?? []) as Array<{ Key: string; Value: string }>;
      const step = tags.find((tag) => tag.Key === STEP_TAG)?.Value;
      if (!step) throw new Error(`function ${logicalId} has no ${STEP_TAG} tag`);
      const assetPath = resource.Metadata?.['aws:asset:path'];
      const environment = (properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
      return {
        logicalId,
        step: step as StepName,
        handler: String(properties.Handler),
        assetPath: typeof assetPath === 'string' ? assetPath : null,
        timeoutSeconds: Number(properties.Timeout ?? 3),
        memorySize: Number(properties.MemorySize ?? 128),
        environment: { ...environment },
      };
    });
}
