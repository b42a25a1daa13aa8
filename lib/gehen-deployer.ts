import { type Acknowledgment, ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ALLOWLIST_ENV } from '../lambdas/shared/config/allowlists';
import { DeploymentDashboard } from './dashboard';
import { EcsEventWakeRule } from './event-wait-rule';
import { DeploymentLockTable } from './lock-table';
import { DeploymentNotifications } from './notifications';
import { type ProbeVpc, placeProbeInVpc } from './probe-vpc';
import { RestoreTrigger } from './restore-trigger';
import { STATE_MACHINE_NAME } from './state-names';
import { STEP_LOG_LEVELS, StepLambda, type StepLogLevel, type StepName } from './step-lambda';
import { type StepPermissionOptions, stepPermissions } from './step-permissions';
import { EcrPushTriggers, type TriggerFile } from './triggers';
import { WorkflowDefinition } from './workflow/definition';

export interface GehenDeployerProps {
  /**
   * IAM roles the steps may pass: task roles and execution roles of the task definitions they
   * re-register, and the EventBridge targets' roles. Always limited by an `iam:PassedToService`
   * condition to ecs-tasks.amazonaws.com and events.amazonaws.com.
   *
   * @default - any role in this account, to those two services only
   */
  readonly passRoleArns?: string[];
  /**
   * IAM roles the steps may assume: every `role.arn` your gehen.yml files name (cross-account
   * deploys). Without it no step can assume any role.
   *
   * @default - none
   */
  readonly assumeRoleArns?: string[];
  /**
   * How many services Deploy Services and Roll Back Services change at once. ECS throttles
   * RegisterTaskDefinition at about one call a second per account: higher only means more retries.
   *
   * @default 5
   */
  readonly maxConcurrency?: number;
  /**
   * The state machine's own timeout: a backstop above the deadlines the steps enforce. Four
   * phases (verify, drain, and both again for a rollback) may each take gehen.yml's
   * `timeoutMinutes`, at most 1440.
   *
   * @default Duration.days(5)
   */
  readonly executionTimeout?: Duration;
  /**
   * How long the state machine's and the functions' logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The Lambda steps' log level: INFO logs when each step starts and ends (with the execution, SHA,
   * service or rule, and duration) and every failed AWS call; DEBUG adds every AWS call's duration
   * and attempts. Sets GEHEN_LOG_LEVEL. See docs/operating.md.
   *
   * @default 'INFO'
   */
  readonly logLevel?: StepLogLevel;
  /**
   * What happens to the log groups when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * The state machine's name. The CLI finds `gehen-deploy` unless gehen.yml names another ARN.
   *
   * @default 'gehen-deploy'
   */
  readonly stateMachineName?: string;
  /**
   * gehen.yml files, parsed (`readTriggerFiles`): each with a `trigger` gets an EventBridge rule
   * that deploys pushes to its ECR repository.
   *
   * @default - no triggers
   */
  readonly triggerFiles?: readonly TriggerFile[];
  /**
   * An SNS topic ARN told of every deployment's end (Slack or Teams through Amazon Q Developer in
   * chat applications, email), or `'create'` for a new topic.
   *
   * @default - no topic
   */
  readonly notifySnsTopicArn?: string;
  /**
   * A Secrets Manager secret holding a Datadog API key: deployments are posted to Datadog's events API.
   *
   * @default - no Datadog
   */
  readonly datadogApiKeySecretArn?: string;
  /**
   * The Datadog site for `datadogApiKeySecretArn`.
   *
   * @default 'datadoghq.com'
   */
  readonly datadogSite?: string;
  /**
   * Runs the Probe step in this VPC, so it can reach urls on internal load balancers and private
   * DNS names. Only the probe: the other steps call AWS APIs and stay outside any VPC.
   *
   * @default - the probe runs outside any VPC and reaches public urls only
   */
  readonly probeVpc?: ProbeVpc;
  /**
   * A customer-managed KMS key (its ARN) for the log groups (the state machine's, every step's and
   * the deployment event log), the state machine's execution data and the ECR trigger's dead-letter
   * queue. The key is imported: its key policy must already allow CloudWatch Logs, Step Functions
   * and EventBridge to use it (docs/deploy-to-aws.md lists the statements).
   *
   * @default - AWS-owned keys (each service's default encryption)
   */
  readonly kmsKeyArn?: string;
  /**
   * Clusters (names or ARNs, globs with `*` and `?`) whose services and scheduled tasks this stack
   * may deploy. Prepare refuses a deployment naming any other cluster, and the steps' IAM grants
   * reach only services under them (`service/<cluster>/*`).
   *
   * @default - every cluster of the account
   */
  readonly allowedClusters?: string[];
  /**
   * Image repositories (globs; with the registry host, or the repository path alone such as
   * `team/*`) a deployment may retag: Prepare refuses one whose containers run any other.
   *
   * @default - any repository
   */
  readonly allowedRepositories?: string[];
  /**
   * The `role.arn`s a gehen.yml may name (globs). Prepare refuses any other, and `sts:AssumeRole`
   * is granted on these only (in place of `assumeRoleArns`).
   *
   * @default - `assumeRoleArns`
   */
  readonly allowedRoleArns?: string[];
}

interface StepSizing {
  readonly memorySize: number;
  readonly timeout: Duration;
}

/**
 * Memory buys CPU (and network) on Lambda; every step waits on AWS APIs more than it computes.
 * Timeouts leave room for the SDK's own retries (3 attempts) of throttled calls.
 */
const SIZING: Record<StepName, StepSizing> = {
  // 200 services: ~20 batched DescribeServices plus one DescribeTaskDefinition each, and rules.
  prepare: { memorySize: 512, timeout: Duration.seconds(90) },
  // One SimulatePrincipalPolicy at a time per role, family and cluster of the plan's rule targets.
  'check-target-roles': { memorySize: 256, timeout: Duration.seconds(60) },
  // PutItem, then one TransactWriteItems per 100 targets (and the release of a refused lock).
  'acquire-lock': { memorySize: 256, timeout: Duration.seconds(30) },
  // DescribeExecution, the aborted execution's first history pages, the lock handed over.
  'prepare-restore': { memorySize: 256, timeout: Duration.seconds(60) },
  // One DescribeTaskDefinition + RegisterTaskDefinition (throttled ~1/s per account).
  'register-task-definition': { memorySize: 256, timeout: Duration.seconds(30) },
  'update-service': { memorySize: 256, timeout: Duration.seconds(30) },
  // Per rule: every ECS target re-registered, then one PutTargets.
  'update-scheduled-task': { memorySize: 256, timeout: Duration.seconds(60) },
  // Every service in one call: HTTP probes (5 s timeout each, requiredMatches in a row) run
  // concurrently next to ListTasks/DescribeTasks pages; memory for the sockets and the CPU.
  probe: { memorySize: 512, timeout: Duration.seconds(60) },
  'check-drain': { memorySize: 512, timeout: Duration.seconds(60) },
  // The gate's rounds: batched DescribeServiceDeployments and every testUrl's probes, as probe;
  // Continue Gate's ContinueServiceDeployment calls; the approval request's PutEvents.
  gate: { memorySize: 512, timeout: Duration.seconds(60) },
  'roll-back': { memorySize: 256, timeout: Duration.seconds(30) },
  // Pure data shaping.
  report: { memorySize: 256, timeout: Duration.seconds(10) },
  // ListServices/DescribeServices of the plan's clusters, then up to 25 DeregisterTaskDefinition
  // calls, throttled with RegisterTaskDefinition at about one a second per account.
  'clean-up-revisions': { memorySize: 256, timeout: Duration.seconds(90) },
  // One PutEvents.
  notify: { memorySize: 256, timeout: Duration.seconds(10) },
  // One GetItem, then one DeleteItem per service and rule (ten at a time).
  'release-lock': { memorySize: 256, timeout: Duration.seconds(30) },
  // One PutItem per planned service (16 at a time) and one DeleteItem.
  'park-wait': { memorySize: 256, timeout: Duration.seconds(30) },
  // Per service an ECS event names (one, as a rule): a GetItem, a SendTaskSuccess, a PutItem.
  wake: { memorySize: 256, timeout: Duration.seconds(30) },
};

/** The steps that change ECS or EventBridge: each checks its payload against a running execution's plan. */
const WRITE_STEPS: readonly StepName[] = [
  'register-task-definition',
  'update-service',
  'update-scheduled-task',
  'roll-back',
  // Continue Gate only (its rounds read).
  'gate',
];

/**
 * The gehen-deploy Step Functions workflow and its Lambda steps, with least-privilege roles.
 * Drop it into any stack; the `Gehen` stack is this construct and two outputs.
 */
export class GehenDeployer extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<StepName, NodejsFunction>;
  readonly logGroup: logs.LogGroup;
  /** In alarm when an execution failed, timed out or was stopped in the last minute. Add your actions (SNS, chat). */
  readonly failureAlarm: cloudwatch.Alarm;
  readonly triggers: EcrPushTriggers;
  /** Restores what a stopped, timed-out or uncatchably failed execution changed. */
  readonly restoreTrigger: RestoreTrigger;
  /** Deployments started, how they ended and how long they took. */
  readonly dashboard: DeploymentDashboard;
  /** The SNS and Datadog notifications, when configured. */
  readonly notifications?: DeploymentNotifications;
  /** The deployment lock: one item per service and rule an execution is deploying. */
  readonly lockTable: DeploymentLockTable;
  /** ECS's events on the default bus, to Wake: the drain waits end on them (docs/design.md). */
  readonly ecsEvents: EcsEventWakeRule;

  constructor(scope: Construct, id: string, props: GehenDeployerProps = {}) {
    super(scope, id);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    const stateMachineName = props.stateMachineName ?? STATE_MACHINE_NAME;
    const maxConcurrency = props.maxConcurrency ?? 5;
    const logLevel = props.logLevel ?? 'INFO';
    if (!STEP_LOG_LEVELS.includes(logLevel)) {
      throw new Error(`logLevel must be one of ${STEP_LOG_LEVELS.join(', ')}, got ${logLevel}`);
    }
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 40) {
      throw new Error(`maxConcurrency must be a whole number from 1 to 40, got ${maxConcurrency}`);
    }

    const executionTimeout = props.executionTimeout ?? Duration.days(5);
    this.lockTable = new DeploymentLockTable(this, 'DeploymentLock');
    const encryptionKey = props.kmsKeyArn ? kms.Key.fromKeyArn(this, 'Key', props.kmsKeyArn) : undefined;

    const permissions: StepPermissionOptions = {
      passRoleArns: props.passRoleArns ?? [],
      assumeRoleArns: props.allowedRoleArns ?? props.assumeRoleArns ?? [],
      allowedClusters: props.allowedClusters ?? [],
      lockTableArn: this.lockTable.table.tableArn,
      stateMachineName,
    };
    // The lock's items live as long as an execution can: the state machine's timeout.
    const lockEnvironment: Partial<Record<StepName, Record<string, string>>> = {
      'acquire-lock': {
        LOCK_TABLE_NAME: this.lockTable.table.tableName,
        LOCK_TTL_SECONDS: String(executionTimeout.toSeconds()),
      },
      'prepare-restore': {
        LOCK_TABLE_NAME: this.lockTable.table.tableName,
        LOCK_TTL_SECONDS: String(executionTimeout.toSeconds()),
      },
      'release-lock': { LOCK_TABLE_NAME: this.lockTable.table.tableName },
      // The event wait keeps its wake items in the lock's table (lambdas/shared/event-wait.ts).
      'park-wait': { LOCK_TABLE_NAME: this.lockTable.table.tableName },
      wake: { LOCK_TABLE_NAME: this.lockTable.table.tableName },
    };

    const steps = {} as Record<StepName, StepLambda>;
    for (const [step, sizing] of Object.entries(SIZING) as Array<[StepName, StepSizing]>) {
      const fn = new StepLambda(this, stepConstructId(step), {
        step,
        ...sizing,
        logRetention,
        logRemovalPolicy,
        logLevel,
        environment: lockEnvironment[step],
        encryptionKey,
      });
      const { statements, acknowledgements } = stepPermissions(this, step, permissions);
      for (const statement of statements) fn.role.addToPrincipalPolicy(statement);
      Validations.of(fn.role).acknowledge(...withTracing(acknowledgements));
      Validations.of(fn.function).acknowledge({
        id: 'AwsSolutions::AwsSolutions-L1',
        reason:
          'Node.js 22 LTS is what the bundles target (esbuild node22) and are tested on; 24 is a tested upgrade later.',
      });
      steps[step] = fn;
    }
    // Built from the name, not a Ref: the state machine depends on the functions already.
    const stateMachineArn = Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    for (const step of WRITE_STEPS) steps[step].function.addEnvironment('GEHEN_STATE_MACHINE_ARN', stateMachineArn);
    const allowlists: Array<[string, string[] | undefined]> = [
      [ALLOWLIST_ENV.clusters, props.allowedClusters],
      [ALLOWLIST_ENV.repositories, props.allowedRepositories],
      [ALLOWLIST_ENV.roleArns, props.allowedRoleArns],
    ];
    for (const [name, list] of allowlists) {
      if (list && list.length > 0) steps.prepare.function.addEnvironment(name, list.join(','));
    }
    if (props.probeVpc) {
      placeProbeInVpc(steps.probe, steps.probe.function, steps.probe.role, props.probeVpc);
      // The gate probes each service's testUrl: usually a test listener on the same internal load balancer.
      placeProbeInVpc(steps.gate, steps.gate.function, steps.gate.role, props.probeVpc);
    }
    this.functions = mapValues(steps, (fn) => fn.function);

    const definition = new WorkflowDefinition(this, 'Definition', {
      steps: mapValues(steps, (fn, step) => ({ fn: fn.function, timeout: SIZING[step].timeout })),
      serviceConcurrency: maxConcurrency,
      ruleConcurrency: maxConcurrency,
    });

    this.logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
      encryptionKey,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      role: stateMachineRole(this, stateMachineArn),
      encryptionConfiguration: encryptionKey
        ? new sfn.CustomerManagedEncryptionConfiguration(encryptionKey)
        : undefined,
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      comment: 'gehen: deploy a git SHA to ECS services and scheduled tasks; verify, drain, roll back.',
      definitionBody: sfn.DefinitionBody.fromChainable(definition.startState),
      timeout: executionTimeout,
      tracingEnabled: true,
      // Every event, but no state data: task definitions' names and URLs stay in the history only.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledgeStateMachineFindings(this.stateMachine, Object.values(this.functions));

    // Deployments nobody watches: a failed, timed-out or stopped execution (rolled back, refused,
    // aborted: its restore follows) alarms. Skipped pushes succeed, so a repeated ECR event raises nothing.
    const period = Duration.minutes(1);
    this.failureAlarm = new cloudwatch.Alarm(this, 'FailedDeployments', {
      alarmDescription: `gehen: an execution of ${stateMachineName} failed, timed out or was stopped. Open the execution (Step Functions console, or gehen status ARN) and read its Fail state's error; a stopped or timed-out one is restored by restore-<its name>.`,
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
          timedOut: this.stateMachine.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
          aborted: this.stateMachine.metricAborted({ period, statistic: cloudwatch.Stats.SUM }),
        },
        label: 'Failed, timed-out or stopped deployments',
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.dashboard = new DeploymentDashboard(this, 'Dashboard', {
      stateMachine: this.stateMachine,
      stateMachineName,
      failureAlarm: this.failureAlarm,
      logRetention,
      logRemovalPolicy,
      encryptionKey,
    });
    if (props.notifySnsTopicArn || props.datadogApiKeySecretArn) {
      this.notifications = new DeploymentNotifications(this, 'Notifications', {
        stateMachineName,
        snsTopicArn: props.notifySnsTopicArn,
        datadogApiKeySecretArn: props.datadogApiKeySecretArn,
        datadogSite: props.datadogSite,
      });
    }

    this.ecsEvents = new EcsEventWakeRule(this, 'EcsEvents', { wake: this.functions.wake });
    this.restoreTrigger = new RestoreTrigger(this, 'Restore', { stateMachine: this.stateMachine });
    this.triggers = new EcrPushTriggers(this, 'Triggers', {
      stateMachine: this.stateMachine,
      files: props.triggerFiles ?? [],
      encryptionKey,
    });
  }
}

/**
 * The state machine's role, which Step Functions may assume for this state machine of this account
 * only: the confused-deputy guard of
 * https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html and
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html.
 */
function stateMachineRole(scope: Construct, stateMachineArn: string): iam.Role {
  return new iam.Role(scope, 'StateMachineRole', {
    description: 'gehen: the deploy state machine',
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
        ArnLike: { 'aws:SourceArn': stateMachineArn },
      },
    }),
  });
}

/** CDK grants X-Ray's writes (Tracing.ACTIVE) on `*`, the only resource they accept: one acknowledgement with the steps' own. */
function withTracing(acknowledgements: readonly Acknowledgment[]): Acknowledgment[] {
  const id = 'AwsSolutions::AwsSolutions-IAM5[Resource::*]';
  const xray = 'xray:PutTraceSegments, xray:PutTelemetryRecords (active tracing) accept only *.';
  const star = acknowledgements.find((a) => a.id === id);
  return [...acknowledgements.filter((a) => a.id !== id), { id, reason: star ? `${star.reason} ${xray}` : xray }];
}

function stepConstructId(step: StepName): string {
  return step.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}

function mapValues<T, U>(record: Record<StepName, T>, map: (value: T, key: StepName) => U): Record<StepName, U> {
  return Object.fromEntries(
    (Object.entries(record) as Array<[StepName, T]>).map(([key, value]) => [key, map(value, key)]),
  ) as Record<StepName, U>;
}

/** The state machine role's findings: what CDK grants for tracing, log delivery and invocation. */
function acknowledgeStateMachineFindings(stateMachine: sfn.StateMachine, functions: NodejsFunction[]): void {
  const acknowledge = (id: string, reason: string) =>
    Validations.of(stateMachine.role).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${id}]`, reason });
  acknowledge(
    'Resource::*',
    'X-Ray (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs delivery (logs:*LogDelivery*, DescribeResourcePolicies, DescribeLogGroups) accept only *.',
  );
  const stack = Stack.of(stateMachine);
  for (const fn of functions) {
    const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnFunction);
    acknowledge(
      `Resource::<${logicalId}.Arn>:*`,
      "LambdaInvoke's grant: versions and aliases of gehen's own step function, nothing else.",
    );
  }
}
