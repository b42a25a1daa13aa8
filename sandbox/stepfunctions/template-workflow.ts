import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  resolveDefinition,
  resolveTokens,
  stateMachineOf,
  type TokenReference,
  UnresolvableTemplateError,
} from '../../lib/resolve-definition';
import { ACCOUNT } from '../ids';
import { UnsupportedDefinitionError } from './definition-check';
import { type AslObject, isAslObject, type LambdaFunctionSpec, type LocalWorkflow } from './local-workflow';

/** Just enough of a synthesized CloudFormation template (lib/synth.ts's CloudFormationTemplate fits). */
export interface TemplateLike {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

export interface TemplateWorkflowOptions {
  template: TemplateLike;
  /** The cloud assembly directory (cdk.out): asset paths are relative to it. */
  assemblyDir: string;
  region: string;
  stackName: string;
  /** Which state machine, when the template has several. @default the only one */
  stateMachineName?: string;
  /** `host:port` reachable only from inside the VPC: functions without VpcConfig never connect. @default none */
  privateAddresses?: string[];
}

/**
 * The workflow as the sandbox runs it, from a synthesized template: the state machine's
 * DefinitionString resolved to plain ASL (Fn::Join of Ref/Fn::GetAtt tokens, the functions
 * given sandbox ARNs) and each AWS::Lambda::Function mapped to its bundle
 * (`Metadata['aws:asset:path']` + the module of its Handler).
 */
export function workflowFromTemplate(options: TemplateWorkflowOptions): LocalWorkflow {
  const { template, region, stackName } = options;
  const resources = template.Resources;
  const physicalName = (logicalId: string): string => {
    const explicit = resources[logicalId]?.Properties?.FunctionName;
    return typeof explicit === 'string' ? explicit : `${stackName}-${logicalId}`.slice(0, 64);
  };
  // The template's functions get sandbox names and ARNs; other resources are named by their
  // logical id, or a placeholder ARN nothing of the sandbox's carries.
  const reference = ({ logicalId, attribute }: TokenReference): string => {
    const resource = resources[logicalId];
    if (resource === undefined || (attribute !== null && attribute !== 'Arn')) {
      throw new UnresolvableTemplateError(
        `cannot resolve ${logicalId}${attribute ? `.${attribute}` : ''} in the template`,
      );
    }
    const isFunction = resource.Type === 'AWS::Lambda::Function';
    if (attribute === null) return isFunction ? physicalName(logicalId) : logicalId;
    return isFunction
      ? `arn:aws:lambda:${region}:${ACCOUNT}:function:${physicalName(logicalId)}`
      : `arn:aws:sandbox:${region}:${ACCOUNT}:${logicalId}`;
  };
  const tokens = { resolve: reference, region, account: ACCOUNT };
  const resolve = (value: unknown): unknown => refuseUnresolvable(() => resolveTokens(value, tokens));

  const { definition, machine } = refuseUnresolvable(() => ({
    definition: resolveDefinition(template, { ...tokens, stateMachineName: options.stateMachineName }),
    machine: stateMachineOf(template, options.stateMachineName),
  }));

  const functions: LambdaFunctionSpec[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const assetPath = assetDirectory(resource);
    const handler = typeof props.Handler === 'string' ? props.Handler : 'index.handler';
    if (assetPath === undefined) continue; // not bundled (bundling off): the check names it
    const dot = handler.lastIndexOf('.');
    const base = join(options.assemblyDir, assetPath, handler.slice(0, dot));
    const entry = [`${base}.js`, `${base}.mjs`, `${base}.cjs`].find(existsSync) ?? `${base}.js`;
    const variables = isAslObject(props.Environment) ? resolve(props.Environment.Variables) : undefined;
    const functionName = physicalName(logicalId);
    functions.push({
      arn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${functionName}`,
      functionName,
      logicalId,
      entry,
      exportName: handler.slice(dot + 1),
      timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : undefined,
      memorySize: typeof props.MemorySize === 'number' ? props.MemorySize : undefined,
      environment: isAslObject(variables) ? (variables as Record<string, string>) : undefined,
      vpcConfig: vpcConfigOf(props.VpcConfig),
      privateAddresses: options.privateAddresses,
    });
  }
  const name = machine.properties.StateMachineName;
  return { name: typeof name === 'string' ? name : machine.logicalId, definition: definition as AslObject, functions };
}

/**
 * The function's bundle directory: `Metadata['aws:asset:path']` (the CDK CLI adds it), else the
 * `asset.<hash>` directory its `Code.S3Key` (`<hash>.zip`) names (an in-process synth).
 */
function assetDirectory(resource: TemplateLike['Resources'][string]): string | undefined {
  const fromMetadata = resource.Metadata?.['aws:asset:path'];
  if (typeof fromMetadata === 'string') return fromMetadata;
  const code = resource.Properties?.Code;
  const key = isAslObject(code) ? code.S3Key : undefined;
  const hash = typeof key === 'string' ? /^([0-9a-f]{64})\.zip$/.exec(key)?.[1] : undefined;
  return hash === undefined ? undefined : `asset.${hash}`;
}

/**
 * The function's AWS::Lambda::Function VpcConfig, ids kept as written: only whether it names
 * subnets matters to the sandbox, so a Ref or Fn::GetAtt id is kept as its JSON text.
 */
function vpcConfigOf(value: unknown): LambdaFunctionSpec['vpcConfig'] {
  if (!isAslObject(value)) return undefined;
  const text = (id: unknown) => (typeof id === 'string' ? id : JSON.stringify(id));
  // A whole list may be one token too (a Ref to a List<AWS::EC2::Subnet::Id> parameter).
  const ids = (list: unknown) => (Array.isArray(list) ? list.map(text) : list === undefined ? [] : [text(list)]);
  return { subnetIds: ids(value.SubnetIds), securityGroupIds: ids(value.SecurityGroupIds) };
}

/** What the template resolver cannot resolve, the sandbox cannot run. */
function refuseUnresolvable<T>(resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof UnresolvableTemplateError) throw new UnsupportedDefinitionError([error.message]);
    throw error;
  }
}
