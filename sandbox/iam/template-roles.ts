import { createHash } from 'node:crypto';
import { ACCOUNT } from '../ids';
import type { TemplateLike } from '../stepfunctions/template-workflow';
import { checkStatements, type PolicyStatement, UnsupportedPolicyError } from './policy';

/** Who a Lambda function acts as: its execution role and the role's policy statements. */
export interface LambdaPrincipal {
  functionName: string;
  roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<function>`: Lambda names the session after the function. */
  principalArn: string;
  /** Undefined when the role is not one of the template's (its policies are not known here). */
  statements: PolicyStatement[] | undefined;
}

export interface TemplateRolesOptions {
  template: TemplateLike;
  stackName: string;
  /** The stack's region (AWS::Region). */
  region: string;
  /** The template's state machine as the sandbox serves it. */
  stateMachineArn: string;
}

/**
 * The access key a function's environment carries in the sandbox: derived from its name, so the
 * sandbox knows which function (and role) signed a call. Lambda hands functions temporary (ASIA) keys.
 */
export function functionAccessKey(functionName: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(functionName).digest();
  return `ASIA${[...digest.subarray(0, 16)].map((b) => alphabet[b % 32]).join('')}`;
}

/**
 * Each AWS::Lambda::Function's principal, keyed by its access key: the function's `Role` (an
 * AWS::IAM::Role of the template), whose statements are its inline `Policies`, the
 * AWS::IAM::Policy / AWS::IAM::ManagedPolicy resources whose `Roles` name it, and the template's
 * managed policies in its `ManagedPolicyArns` (AWS managed policies are not known here: skipped).
 */
export function lambdaPrincipals(options: TemplateRolesOptions): Map<string, LambdaPrincipal> {
  const { template, stackName } = options;
  const resources = template.Resources;
  const resolve = (value: unknown) => resolveIntrinsics(value, options);
  const principals = new Map<string, LambdaPrincipal>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const functionName = functionNameOf(logicalId, resources, stackName);
    const roleArn = resolve(resource.Properties?.Role);
    if (typeof roleArn !== 'string') throw new UnsupportedPolicyError(`${logicalId}: no Role the sandbox can resolve`);
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const roleId = Object.keys(resources).find(
      (id) => resources[id]?.Type === 'AWS::IAM::Role' && roleNameOf(id, resources) === roleName,
    );
    const statements = roleId === undefined ? undefined : roleStatements(roleId, options, resolve);
    if (statements) checkStatements(statements, `the policies of ${roleName}`);
    principals.set(functionAccessKey(functionName), {
      functionName,
      roleArn,
      principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${functionName}`,
      statements,
    });
  }
  return principals;
}

function roleStatements(
  roleId: string,
  options: TemplateRolesOptions,
  resolve: (value: unknown) => unknown,
): PolicyStatement[] {
  const resources = options.template.Resources;
  const role = resources[roleId]?.Properties ?? {};
  const documents: unknown[] = [];
  for (const inline of asArray(role.Policies)) documents.push((inline as { PolicyDocument?: unknown }).PolicyDocument);
  const managed = new Set(asArray(role.ManagedPolicyArns).map((arn) => JSON.stringify(arn)));
  const namesRole = (value: unknown) => {
    const ref = (value as { Ref?: unknown } | undefined)?.Ref;
    return ref === roleId || value === roleNameOf(roleId, resources);
  };
  for (const [id, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    const attached =
      ((resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') &&
        asArray(props.Roles).some(namesRole)) ||
      (resource.Type === 'AWS::IAM::RolePolicy' && namesRole(props.RoleName)) ||
      (resource.Type === 'AWS::IAM::ManagedPolicy' && managed.has(JSON.stringify({ Ref: id })));
    if (attached) documents.push(props.PolicyDocument);
  }
  return documents.flatMap((document) => {
    const resolved = resolve(document) as { Statement?: unknown } | undefined;
    return asArray(resolved?.Statement) as PolicyStatement[];
  });
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

// As sandbox/stepfunctions/template-workflow.ts names the functions it runs.
function functionNameOf(logicalId: string, resources: TemplateLike['Resources'], stackName: string): string {
  const explicit = resources[logicalId]?.Properties?.FunctionName;
  return typeof explicit === 'string' ? explicit : `${stackName}-${logicalId}`.slice(0, 64);
}

// As sandbox/event-routing.ts names the template's roles: RoleName, else the logical id.
function roleNameOf(logicalId: string, resources: TemplateLike['Resources']): string {
  const explicit = resources[logicalId]?.Properties?.RoleName;
  return typeof explicit === 'string' ? explicit : logicalId;
}

/**
 * The intrinsics CDK emits in policies: Ref (pseudo parameters and resources), Fn::GetAtt,
 * Fn::Join, Fn::Sub, Fn::Select, Fn::Split. Other resources' ARNs are sandbox placeholders.
 */
function resolveIntrinsics(value: unknown, options: TemplateRolesOptions): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, options));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
    return resolveIntrinsic(key, argument, options);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, options)]));
}

function resolveIntrinsic(key: string, argument: unknown, options: TemplateRolesOptions): unknown {
  const resolve = (value: unknown) => resolveIntrinsics(value, options);
  if (key === 'Ref' && typeof argument === 'string') return ref(argument, options);
  if (key === 'Fn::GetAtt') {
    const [id, attribute] = typeof argument === 'string' ? argument.split('.') : (argument as string[]);
    return getAtt(String(id), String(attribute), options);
  }
  if (key === 'Fn::Join' && Array.isArray(argument)) {
    const [separator, parts] = argument as [string, unknown[]];
    return asArray(resolve(parts)).map(String).join(separator);
  }
  if (key === 'Fn::Select' && Array.isArray(argument)) {
    return asArray(resolve(argument[1]))[Number(resolve(argument[0]))];
  }
  if (key === 'Fn::Split' && Array.isArray(argument)) {
    return String(resolve(argument[1])).split(String(argument[0]));
  }
  if (key === 'Fn::Sub') {
    const [text, variables = {}] = typeof argument === 'string' ? [argument, {}] : (argument as [string, object]);
    const given = resolve(variables) as Record<string, unknown>;
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (name in given) return String(given[name]);
      const [id, attribute] = name.split('.');
      return String(attribute ? getAtt(id ?? '', attribute, options) : ref(name, options));
    });
  }
  throw new UnsupportedPolicyError(`the sandbox cannot resolve ${key} ${JSON.stringify(argument)} in a policy`);
}

function ref(name: string, options: TemplateRolesOptions): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': options.region,
    'AWS::Partition': 'aws',
    'AWS::AccountId': ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': options.stackName,
  };
  if (pseudo[name] !== undefined) return pseudo[name];
  const resources = options.template.Resources;
  switch (resources[name]?.Type) {
    case 'AWS::Lambda::Function':
      return functionNameOf(name, resources, options.stackName);
    case 'AWS::IAM::Role':
      return roleNameOf(name, resources);
    case 'AWS::StepFunctions::StateMachine':
      return options.stateMachineArn;
    case undefined:
      throw new UnsupportedPolicyError(`the template has no ${name} for a policy's Ref`);
    default:
      return name;
  }
}

function getAtt(id: string, attribute: string, options: TemplateRolesOptions): string {
  const resources = options.template.Resources;
  const type = resources[id]?.Type;
  if (type === undefined) throw new UnsupportedPolicyError(`the template has no ${id} for a policy's Fn::GetAtt`);
  if (attribute === 'Arn' && type === 'AWS::Lambda::Function') {
    return `arn:aws:lambda:${options.region}:${ACCOUNT}:function:${functionNameOf(id, resources, options.stackName)}`;
  }
  if (attribute === 'Arn' && type === 'AWS::IAM::Role')
    return `arn:aws:iam::${ACCOUNT}:role/${roleNameOf(id, resources)}`;
  if (attribute === 'Arn' && type === 'AWS::StepFunctions::StateMachine') return options.stateMachineArn;
  if (attribute === 'Arn' && type === 'AWS::DynamoDB::Table') {
    // Named as the sandbox's DynamoDB names it (sandbox/dynamodb.ts): TableName, else the logical id.
    const tableName = resources[id]?.Properties?.TableName;
    return `arn:aws:dynamodb:${options.region}:${ACCOUNT}:table/${typeof tableName === 'string' ? tableName : id}`;
  }
  // Resources the sandbox does not serve (log groups, …): an ARN nothing of the sandbox's carries.
  return `arn:aws:sandbox:${options.region}:${ACCOUNT}:${id}/${attribute}`;
}
