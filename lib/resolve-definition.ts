import { STEP_TAG, type StepName } from './step-lambda';
import type { CloudFormationTemplate } from './synth';

/** A CloudFormation reference inside the definition: `{ Ref }` or `{ Fn::GetAtt: [id, attr] }`. */
export interface TokenReference {
  readonly logicalId: string;
  /** null for `Ref`. */
  readonly attribute: string | null;
}

export interface ResolveDefinitionOptions {
  /** Turns a resource reference into its value, e.g. a fake Lambda ARN. @default fakeLambdaArn */
  readonly resolve?: (reference: TokenReference) => string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly account?: string;
}

/** The ARN the sandbox gives a function: `arn:aws:lambda:us-east-1:000000000000:function:<logicalId>`. */
export function fakeLambdaArn(reference: TokenReference, region = 'us-east-1', account = '000000000000'): string {
  return `arn:aws:lambda:${region}:${account}:function:${reference.logicalId}`;
}

/**
 * The state machine's DefinitionString (an `Fn::Join` of strings, `Ref`s and `Fn::GetAtt`s) as
 * plain ASL. Pseudo parameters (`AWS::Region`, …) resolve to the given region and account.
 */
export function resolveDefinition(
  template: CloudFormationTemplate,
  options: ResolveDefinitionOptions = {},
): Record<string, unknown> {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const resolve = options.resolve ?? ((reference: TokenReference) => fakeLambdaArn(reference, region, account));
  const pseudo: Record<string, string> = {
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };

  const value = (node: unknown): string => {
    if (typeof node === 'string') return node;
    if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.Ref === 'string') {
        return pseudo[record.Ref] ?? resolve({ logicalId: record.Ref, attribute: null });
      }
      const getAtt = record['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
        return resolve({ logicalId: getAtt[0], attribute: getAtt[1] });
      }
      const join = record['Fn::Join'];
      if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
        return join[1].map(value).join(join[0]);
      }
    }
    throw new Error(`cannot resolve ${JSON.stringify(node)} in the state machine definition`);
  };

  const machines = Object.values(template.Resources).filter(
    (resource) => resource.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machines.length !== 1) throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const definition = machines[0]?.Properties?.DefinitionString;
  if (definition === undefined) throw new Error('the state machine has no DefinitionString');
  return JSON.parse(value(definition)) as Record<string, unknown>;
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
