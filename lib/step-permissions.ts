import { type Acknowledgment, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { WAIT_PREFIX, WAKE_PREFIX } from '../lambdas/shared/event-wait';
import type { StepName } from './step-lambda';

export interface StepPermissionOptions {
  /** Roles the steps may pass to ECS tasks and EventBridge targets; empty: any role of this account. */
  readonly passRoleArns: readonly string[];
  /** Roles the steps may assume (gehen.yml `role.arn`); empty: none. */
  readonly assumeRoleArns: readonly string[];
  /** The deployment lock's table (lib/lock-table.ts). */
  readonly lockTableArn: string;
  /** Clusters (names or ARNs, globs) whose services the steps may touch; empty: every cluster of the account. */
  readonly allowedClusters?: readonly string[];
  /** The deploy state machine's name: its ARN is built from it, so there is no dependency cycle. */
  readonly stateMachineName: string;
}

/** A step's policy and the cdk-nag acknowledgement of every wildcard in it, each with its reason. */
export interface StepPermissions {
  readonly statements: iam.PolicyStatement[];
  readonly acknowledgements: Acknowledgment[];
}

/** Actions that accept only `*` as their resource (no resource type in the Service Authorization Reference). */
export const STAR_ONLY_ACTIONS: Record<string, string> = {
  'ecs:DescribeTaskDefinition': 'read only',
  'ecs:RegisterTaskDefinition': 'creates new revisions, never changes one',
  'ecs:ListTasks': 'read only',
  'ecs:ListServices': 'read only',
  'ecs:ListTaskDefinitions': 'read only',
  'ecs:DeregisterTaskDefinition': 'marks a revision INACTIVE; tasks running it go on',
};

const NAG_IAM5 = 'AwsSolutions::AwsSolutions-IAM5';

/**
 * Items whose partition key starts with one of `prefixes`, and no other: the event wait's steps
 * share the lock's table but may not touch a lock item.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 */
function leadingKeys(prefixes: readonly string[]): Record<string, unknown> {
  return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) } };
}

/**
 * What each step may do, and nothing else. ECS writes are scoped to service ARNs (UpdateService)
 * and task-definition ARNs (TagResource on create); the probe and drain checks only read; the
 * report calls no AWS API; the cleanup's listing and deregistering accept only `*`. Clusters may be in any region, so ARNs say `*` for the region.
 */
export function stepPermissions(scope: Construct, step: StepName, options: StepPermissionOptions): StepPermissions {
  const { partition, account, region } = Stack.of(scope);
  const statements: iam.PolicyStatement[] = [];
  const acknowledgements = new Map<string, string>();

  /** `path` uses {p} {a} {r} for partition, account and region: rendered as tokens and as cdk-nag shows them. */
  const wildcard = (path: string, reason: string): string => {
    const shown = path
      .replace('{p}', '<AWS::Partition>')
      .replace('{a}', '<AWS::AccountId>')
      .replace('{r}', '<AWS::Region>');
    acknowledgements.set(`${NAG_IAM5}[Resource::${shown}]`, reason);
    return path.replace('{p}', partition).replace('{a}', account).replace('{r}', region);
  };
  const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) => {
    if (resources.includes('*')) {
      const wrong = actions.filter((action) => !(action in STAR_ONLY_ACTIONS));
      if (wrong.length > 0) throw new Error(`gehen ${step}: ${wrong.join(', ')} must not be granted on *`);
    }
    statements.push(new iam.PolicyStatement({ actions, resources, conditions }));
  };

  const allowedClusters = options.allowedClusters ?? [];
  const services = (): string[] =>
    allowedClusters.length === 0
      ? [
          wildcard(
            // `service/*`, not `service/*/*`: services created before 2021 and never migrated keep the
            // short ARN `service/NAME`, which `service/*/*` misses (`*` also matches `/`).
            // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-arn-migration.html
            'arn:{p}:ecs:*:{a}:service/*',
            'Services are named in gehen.yml files, unknown when the stack deploys: ECS services of this account.',
          ),
        ]
      : allowedClusters.map((cluster) => {
          // A cluster ARN keeps its own region and account; a name may be in any region.
          const arn = /^arn:([\w-]+):ecs:([\w*?-]+):([\d*?]+):cluster\/(.+)$/.exec(cluster);
          const path = arn
            ? `arn:${arn[1]}:ecs:${arn[2]}:${arn[3]}:service/${arn[4]}/*`
            : `arn:{p}:ecs:*:{a}:service/${cluster}/*`;
          return wildcard(path, 'The services of a cluster in gehen:allowedClusters: named in gehen.yml files.');
        });
  /**
   * What a service's deployments make, named `TYPE/CLUSTER/SERVICE/ID`: service deployments
   * (DescribeServiceDeployments, StopServiceDeployment and ContinueServiceDeployment are authorized
   * on them) and service revisions (DescribeServiceRevisions). Made by UpdateService at run time,
   * so any of this account's, or the allowed clusters' alone.
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment-permissions.html
   * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
   */
  const ofServices = (type: 'service-deployment' | 'service-revision', what: string): string[] =>
    allowedClusters.length === 0
      ? [
          wildcard(
            `arn:{p}:ecs:*:{a}:${type}/*`,
            `${what} are made by UpdateService at run time, of services named in gehen.yml files.`,
          ),
        ]
      : allowedClusters.map((cluster) => {
          const arn = /^arn:([\w-]+):ecs:([\w*?-]+):([\d*?]+):cluster\/(.+)$/.exec(cluster);
          const path = arn
            ? `arn:${arn[1]}:ecs:${arn[2]}:${arn[3]}:${type}/${arn[4]}/*`
            : `arn:{p}:ecs:*:{a}:${type}/${cluster}/*`;
          return wildcard(path, `${what} of the services of a cluster in gehen:allowedClusters.`);
        });
  const serviceDeployments = () => ofServices('service-deployment', 'Service deployments');
  const serviceRevisions = () => ofServices('service-revision', 'Service revisions');
  const describeServiceDeployments = () => allow(['ecs:DescribeServiceDeployments'], serviceDeployments());
  const rules = () =>
    wildcard(
      'arn:{p}:events:*:{a}:rule/*',
      'Scheduled-task rules are named in gehen.yml files, unknown when the stack deploys: rules of this account.',
    );
  const describeServices = () => allow(['ecs:DescribeServices'], services());
  const describeTaskDefinition = () => allow(['ecs:DescribeTaskDefinition'], ['*']);
  const registerTaskDefinition = () => {
    allow(['ecs:RegisterTaskDefinition'], ['*']);
    // A cloned task definition keeps its tags: tagging only as part of registering it.
    allow(
      ['ecs:TagResource'],
      [
        wildcard(
          'arn:{p}:ecs:*:{a}:task-definition/*:*',
          'ecs:TagResource only while registering (ecs:CreateAction condition): the new revision has no ARN yet.',
        ),
      ],
      { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    );
  };
  const passRole = (toServices: string[]) => {
    const roles =
      options.passRoleArns.length > 0
        ? [...options.passRoleArns]
        : [
            wildcard(
              'arn:{p}:iam::{a}:role/*',
              'iam:PassRole only to ecs-tasks/events.amazonaws.com (iam:PassedToService); the passRoleArns prop narrows it.',
            ),
          ];
    allow(['iam:PassRole'], roles, { StringEquals: { 'iam:PassedToService': toServices } });
  };
  const readTasks = () => {
    allow(['ecs:ListTasks'], ['*']);
    allow(
      ['ecs:DescribeTasks'],
      [
        // `task/*` also matches the short task ARNs (`task/ID`) of accounts never migrated to the long format.
        wildcard('arn:{p}:ecs:*:{a}:task/*', 'DescribeTasks reads the tasks ECS starts at run time, read only.'),
      ],
    );
  };
  // The write steps prove they act for a running execution of this state machine (execution-guard.ts).
  const readOwnExecution = () =>
    allow(
      ['states:DescribeExecution', 'states:GetExecutionHistory'],
      [
        wildcard(
          `arn:{p}:states:{r}:{a}:execution:${options.stateMachineName}:*`,
          'The write steps read the executions of this state machine only, to prove a payload is one of its plans.',
        ),
      ],
    );
  // A task token names no resource of its own; CDK's grantTaskResponse scopes the callback calls to
  // the state machine, as here (the parked Tasks are this state machine's only).
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
  const taskResponse = () =>
    allow(
      ['states:SendTaskSuccess'],
      [`arn:${partition}:states:${region}:${account}:stateMachine:${options.stateMachineName}`],
    );
  const assumeRole = () => {
    if (options.assumeRoleArns.length > 0) allow(['sts:AssumeRole'], [...options.assumeRoleArns]);
  };

  switch (step) {
    case 'prepare':
      describeServices();
      describeTaskDefinition();
      allow(['events:ListTargetsByRule'], [rules()]);
      assumeRole();
      break;
    case 'check-target-roles':
      // Whether a scheduled task's role may run the new revisions, asked before anything changes:
      // only of the roles gehen may hand to EventBridge targets.
      allow(
        ['iam:SimulatePrincipalPolicy'],
        options.passRoleArns.length > 0
          ? [...options.passRoleArns]
          : [
              wildcard(
                'arn:{p}:iam::{a}:role/*',
                "Check Scheduled Task Roles only simulates whether scheduled tasks' roles may run their new revisions; the passRoleArns prop narrows it.",
              ),
            ],
      );
      assumeRole();
      break;
    case 'acquire-lock':
      // Conditional writes (TransactWriteItems is authorized as the PutItem of each item), the reads
      // and deletes of releasing it again when it is refused.
      allow(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'], [options.lockTableArn]);
      break;
    case 'prepare-restore':
      // A restore reads the aborted execution's plan from its history, and starts `restore-<name>`.
      allow(
        ['states:DescribeExecution', 'states:GetExecutionHistory'],
        [
          wildcard(
            `arn:{p}:states:{r}:{a}:execution:${options.stateMachineName}:*`,
            'Prepare Restore reads executions of this state machine only: an aborted one, to restore its plan.',
          ),
        ],
      );
      allow(
        ['states:StartExecution'],
        [`arn:${partition}:states:${region}:${account}:stateMachine:${options.stateMachineName}`],
      );
      // The deployment lock, handed from the aborted execution to the restore.
      allow(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'], [options.lockTableArn]);
      break;
    case 'register-task-definition':
      describeTaskDefinition();
      registerTaskDefinition();
      passRole(['ecs-tasks.amazonaws.com']);
      readOwnExecution();
      assumeRole();
      break;
    case 'update-service':
      allow(['ecs:UpdateService'], services());
      readOwnExecution();
      assumeRole();
      break;
    case 'roll-back':
      // It reads each service's running revision first: a service already back is left alone.
      // ListServiceDeployments finds a blue/green, linear or canary deployment still running.
      allow(['ecs:DescribeServices', 'ecs:UpdateService', 'ecs:ListServiceDeployments'], services());
      // A blue/green, linear or canary deployment still running is stopped or continued with ROLLBACK.
      allow(
        ['ecs:DescribeServiceDeployments', 'ecs:StopServiceDeployment', 'ecs:ContinueServiceDeployment'],
        serviceDeployments(),
      );
      readOwnExecution();
      assumeRole();
      break;
    case 'update-scheduled-task':
      allow(['events:ListTargetsByRule', 'events:PutTargets'], [rules()]);
      describeTaskDefinition();
      registerTaskDefinition();
      passRole(['ecs-tasks.amazonaws.com', 'events.amazonaws.com']);
      readOwnExecution();
      assumeRole();
      break;
    case 'probe':
      // Read only: the services' deployments (the HTTP probes need no AWS permission).
      // Cross-account it reads through role.arn, the only role it may assume.
      describeServices();
      describeServiceDeployments();
      assumeRole();
      break;
    case 'check-drain':
      // Read only: the services' deployments and their tasks.
      describeServices();
      describeServiceDeployments();
      readTasks();
      assumeRole();
      break;
    case 'gate':
      // Its rounds read each service's deployments; Continue Gate continues them (write, guarded).
      // Service deployment ARNs: arn:aws:ecs:REGION:ACCOUNT:service-deployment/CLUSTER/SERVICE/ID
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html).
      allow(['ecs:ListServiceDeployments'], services());
      allow(['ecs:DescribeServiceDeployments', 'ecs:ContinueServiceDeployment'], serviceDeployments());
      // Release Rollback At Hooks checks a paused rollback deployment's target revision before continuing it.
      allow(['ecs:DescribeServiceRevisions'], serviceRevisions());
      // The approval request, on this account's default bus (the notifications' bus); no task token in it.
      allow(['events:PutEvents'], [`arn:${partition}:events:${region}:${account}:event-bus/default`]);
      readOwnExecution();
      assumeRole();
      break;
    case 'report':
      break;
    case 'clean-up-revisions':
      // What still uses a revision: every service of the plan's clusters and the plan's rules' targets.
      allow(['ecs:ListServices'], ['*']);
      describeServices();
      allow(['events:ListTargetsByRule'], [rules()]);
      allow(['ecs:ListTaskDefinitions', 'ecs:DeregisterTaskDefinition'], ['*']);
      assumeRole();
      break;
    case 'release-lock':
      // Reads an execution's lock record and deletes the items it holds: it never writes one.
      allow(['dynamodb:GetItem', 'dynamodb:DeleteItem'], [options.lockTableArn]);
      break;
    case 'park-wait':
      // Its own items only (lambdas/shared/event-wait.ts): it writes the wake items and starts the
      // execution's wait item, never a lock item; and it ends its own wait when all had reported.
      allow(['dynamodb:PutItem'], [options.lockTableArn], leadingKeys([WAKE_PREFIX]));
      allow(['dynamodb:UpdateItem'], [options.lockTableArn], leadingKeys([WAIT_PREFIX]));
      taskResponse();
      break;
    case 'wake':
      // Reads the wake items and takes services out of the wait items; ends the parked waits.
      allow(['dynamodb:GetItem'], [options.lockTableArn], leadingKeys([WAKE_PREFIX]));
      allow(['dynamodb:UpdateItem'], [options.lockTableArn], leadingKeys([WAIT_PREFIX]));
      taskResponse();
      break;
    case 'notify':
      // The deployment notification goes to this account's default bus, and nowhere else.
      allow(['events:PutEvents'], [`arn:${partition}:events:${region}:${account}:event-bus/default`]);
      break;
  }

  const starActions = statements
    .filter((statement) => statement.resources.includes('*'))
    .flatMap((statement) => statement.actions);
  if (starActions.length > 0) {
    acknowledgements.set(
      `${NAG_IAM5}[Resource::*]`,
      `${[...new Set(starActions)].map((action) => `${action} (${STAR_ONLY_ACTIONS[action]})`).join(', ')}: accept only '*' as resource.`,
    );
  }
  for (const arn of [...options.passRoleArns, ...options.assumeRoleArns]) {
    if (arn.includes('*'))
      acknowledgements.set(`${NAG_IAM5}[Resource::${arn}]`, 'A role pattern the deployer was given.');
  }
  return {
    statements,
    acknowledgements: [...acknowledgements].map(([id, reason]) => ({ id, reason })),
  };
}
