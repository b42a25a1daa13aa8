import { ACCOUNT } from '../ids';
import { stateMachineOfToken } from '../stepfunctions/task-tokens';
import type { ApiCall } from '../server';
import type { AuthorizationRequest } from './policy';

/**
 * What IAM authorizes for each API call the sandbox serves: the actions, each on the resource the
 * Service Authorization Reference names for it, with the condition keys the request carries:
 * - ECS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
 * - EventBridge: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html
 * - Step Functions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html
 * - STS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html
 * - DynamoDB: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 * An action with no resource type in the reference is authorized on `*`. Every request must be
 * allowed; the first denied one answers the call.
 */

export interface AuthorizationScope {
  /** Whether ECS gave this service the pre-2021 short ARN `service/<name>` (fleet `shortArn`). */
  shortArn(cluster: string, service: string): boolean;
}

export function authorizationsFor(call: ApiCall, scope: AuthorizationScope): AuthorizationRequest[] {
  const arns = arnsOf(call.region);
  switch (call.service) {
    case 'ecs':
      return ecsAuthorizations(call.operation, call.input, arns, scope);
    case 'events':
      return eventsAuthorizations(call.operation, call.input, arns);
    case 'states':
      return statesAuthorizations(call.operation, call.input);
    case 'sts':
      return stsAuthorizations(call.operation, call.input);
    case 'dynamodb':
      return dynamodbAuthorizations(call.operation, call.input, call.region);
  }
}

type Input = Record<string, unknown>;
type Arns = ReturnType<typeof arnsOf>;

function arnsOf(region: string) {
  const base = (service: string) => `arn:aws:${service}:${region}:${ACCOUNT}`;
  return {
    cluster: (name: string) => (name.startsWith('arn:') ? name : `${base('ecs')}:cluster/${name}`),
    ecs: (resource: string) => `${base('ecs')}:${resource}`,
    rule: (name: string, bus: string) =>
      name.startsWith('arn:') ? name : `${base('events')}:rule/${bus === 'default' ? '' : `${bus}/`}${name}`,
    bus: (name: string) => (name.startsWith('arn:') ? name : `${base('events')}:event-bus/${name}`),
  };
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const lastSegment = (nameOrArn: string) => nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1);

/** `iam:PassRole` on a role handed to a service, checked by the service receiving it. */
function passRole(roleArn: string, toService: string): AuthorizationRequest {
  return { action: 'iam:PassRole', resource: roleArn, context: { 'iam:PassedToService': toService } };
}

function ecsAuthorizations(operation: string, input: Input, arns: Arns, scope: AuthorizationScope) {
  const action = `ecs:${operation}`;
  const clusterName = lastSegment(str(input.cluster) ?? 'default');
  const cluster = { 'ecs:cluster': arns.cluster(str(input.cluster) ?? 'default') };
  // IAM authorizes on the service's own ARN, whichever form the caller named it by.
  const service = (nameOrArn: string) => {
    const name = lastSegment(nameOrArn);
    return arns.ecs(scope.shortArn(clusterName, name) ? `service/${name}` : `service/${clusterName}/${name}`);
  };
  const taskDefinition = (value: string) => (value.startsWith('arn:') ? value : arns.ecs(`task-definition/${value}`));
  const on = (resource: string, context: AuthorizationRequest['context'] = cluster): AuthorizationRequest => ({
    action,
    resource,
    context,
  });
  switch (operation) {
    case 'DescribeServices':
      return strings(input.services).map((name) => on(service(name)));
    case 'UpdateService': {
      // Since 21 March 2024 ECS resolves the revision before authorizing: ecs:task-definition is
      // the revision's ARN (UpdateServiceCommand.d.ts). Without a revision the sandbox cannot know
      // the latest one here, so the key then holds the family's ARN.
      const definition = str(input.taskDefinition);
      const context = { ...cluster, ...(definition ? { 'ecs:task-definition': taskDefinition(definition) } : {}) };
      const volumes = Array.isArray(input.volumeConfigurations) ? (input.volumeConfigurations as Input[]) : [];
      const roles = volumes.flatMap((v) => strings([(v.managedEBSVolume as Input | undefined)?.roleArn]));
      return [
        on(service(str(input.service) ?? ''), context),
        ...roles.map((role) => passRole(role, 'ecs.amazonaws.com')),
      ];
    }
    case 'CreateService':
    case 'DeleteService':
      return [on(service(str(input.service) ?? str(input.serviceName) ?? ''))];
    case 'RegisterTaskDefinition': {
      const family = str(input.family) ?? '';
      // Tags on create are authorized as ecs:TagResource with ecs:CreateAction; the revision's
      // number is unknown before ECS assigns it, so the resource names the family's revisions.
      const tags = Array.isArray(input.tags) && input.tags.length > 0;
      return [
        on('*', {}),
        ...(tags
          ? [
              {
                action: 'ecs:TagResource',
                resource: arns.ecs(`task-definition/${family}:*`),
                context: { 'ecs:CreateAction': 'RegisterTaskDefinition' },
              },
            ]
          : []),
        ...[str(input.taskRoleArn), str(input.executionRoleArn)]
          .filter((role): role is string => role !== undefined)
          .map((role) => passRole(role, 'ecs-tasks.amazonaws.com')),
      ];
    }
    case 'DescribeClusters':
      return (strings(input.clusters).length > 0 ? strings(input.clusters) : ['default']).map((name) =>
        on(arns.cluster(name), {}),
      );
    case 'ListTasks':
      // The reference's resource type is container-instance; a listing names none, so any of the cluster's.
      return [on(arns.ecs(`container-instance/${clusterName}/*`))];
    case 'DescribeTasks':
    case 'StopTask': {
      const tasks = operation === 'StopTask' ? strings([input.task]) : strings(input.tasks);
      return tasks.map((task) => on(task.startsWith('arn:') ? task : arns.ecs(`task/${clusterName}/${task}`)));
    }
    case 'RunTask':
      // On the revision, with ecs:cluster (the Service Authorization Reference's RunTask row; the
      // ECS EventBridge role's policy grants it the same way:
      // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/CWE_IAM_role.html).
      return [on(taskDefinition(str(input.taskDefinition) ?? ''))];
    case 'ListServices':
      return [on('*')];
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsForResource':
      return [on(str(input.resourceArn) ?? '*', {})];
    default:
      // DescribeTaskDefinition, ListTaskDefinitions, ListTaskDefinitionFamilies, DeregisterTaskDefinition,
      // CreateCluster, ListClusters: no resource type in the reference.
      return [on('*', {})];
  }
}

function eventsAuthorizations(operation: string, input: Input, arns: Arns): AuthorizationRequest[] {
  const action = `events:${operation}`;
  const bus = lastSegment(str(input.EventBusName) ?? 'default');
  const rule = () => arns.rule(str(input.Rule) ?? str(input.Name) ?? '', bus);
  switch (operation) {
    case 'PutTargets': {
      // EventBridge checks iam:PassRole for each target's RoleArn when the target is put.
      const targets = Array.isArray(input.Targets) ? (input.Targets as Input[]) : [];
      const roles = targets.flatMap((target) => strings([target.RoleArn]));
      return [
        { action, resource: rule(), context: {} },
        ...[...new Set(roles)].map((role) => passRole(role, 'events.amazonaws.com')),
      ];
    }
    case 'ListTargetsByRule':
    case 'RemoveTargets':
    case 'PutRule':
    case 'DescribeRule':
    case 'DeleteRule':
    case 'EnableRule':
    case 'DisableRule':
      return [{ action, resource: rule(), context: {} }];
    case 'PutEvents': {
      const entries = Array.isArray(input.Entries) ? (input.Entries as Input[]) : [];
      return entries.map((entry) => ({
        action,
        resource: arns.bus(str(entry.EventBusName) ?? 'default'),
        context: {
          ...(str(entry.Source) ? { 'events:source': str(entry.Source) as string } : {}),
          ...(str(entry.DetailType) ? { 'events:detail-type': str(entry.DetailType) as string } : {}),
        },
      }));
    }
    default:
      return [{ action, resource: '*', context: {} }];
  }
}

function statesAuthorizations(operation: string, input: Input): AuthorizationRequest[] {
  const action = `states:${operation}`;
  // SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat name no resource but the token: IAM
  // authorizes them on the state machine whose task it is (what CDK's grantTaskResponse grants on).
  const token = str(input.taskToken);
  const ofToken = token === undefined ? undefined : stateMachineOfToken(token);
  const resource = str(input.executionArn) ?? str(input.stateMachineArn) ?? ofToken ?? '*';
  return [{ action, resource, context: {} }];
}

function stsAuthorizations(operation: string, input: Input): AuthorizationRequest[] {
  // GetCallerIdentity needs no permission: "no permissions are required to perform this operation".
  if (operation === 'GetCallerIdentity') return [];
  return [{ action: `sts:${operation}`, resource: str(input.RoleArn) ?? '*', context: {} }];
}

/**
 * Item operations on the table's ARN. TransactWriteItems has no action of its own: each item is
 * authorized as the PutItem, DeleteItem or UpdateItem it performs, a ConditionCheck as
 * dynamodb:ConditionCheckItem (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
 */
function dynamodbAuthorizations(operation: string, input: Input, region: string): AuthorizationRequest[] {
  const table = (name: unknown) => `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${str(name) ?? ''}`;
  if (operation !== 'TransactWriteItems') {
    return [{ action: `dynamodb:${operation}`, resource: table(input.TableName), context: {} }];
  }
  const actions: Record<string, string> = {
    Put: 'dynamodb:PutItem',
    Delete: 'dynamodb:DeleteItem',
    Update: 'dynamodb:UpdateItem',
    ConditionCheck: 'dynamodb:ConditionCheckItem',
  };
  const items = Array.isArray(input.TransactItems) ? (input.TransactItems as Input[]) : [];
  const requests = items.flatMap((item) =>
    Object.entries(item).map(([kind, body]) => ({
      action: actions[kind] ?? `dynamodb:${kind}`,
      resource: table((body as Input | undefined)?.TableName),
      context: {},
    })),
  );
  // One request per distinct action and table: IAM's answer is the same for every item of them.
  return [...new Map(requests.map((r) => [`${r.action} ${r.resource}`, r])).values()];
}
