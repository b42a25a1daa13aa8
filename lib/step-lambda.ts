import { join } from 'node:path';
import { type Duration, type RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { packageRoot } from './package-root';
import { stepCode } from './step-code';

/** The workflow's Lambda steps: one folder each under lambdas/. */
export type StepName =
  | 'prepare'
  | 'check-target-roles'
  | 'acquire-lock'
  | 'prepare-restore'
  | 'register-task-definition'
  | 'update-service'
  | 'update-scheduled-task'
  | 'probe'
  | 'check-drain'
  | 'gate'
  | 'roll-back'
  | 'report'
  | 'clean-up-revisions'
  | 'notify'
  | 'release-lock'
  | 'park-wait'
  | 'wake';

/** The tag that names a function's step, so the sandbox can map each function to its bundle. */
export const STEP_TAG = 'gehen:step';

export interface StepLambdaProps {
  readonly step: StepName;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** The steps' log level (GEHEN_LOG_LEVEL). */
  readonly logLevel: StepLogLevel;
  /** More environment variables for the handler. @default - none */
  readonly environment?: Record<string, string>;
  /** Encrypts the function's log group. @default - CloudWatch Logs' own encryption */
  readonly encryptionKey?: kms.IKey;
}

/** Levels the steps log at; DEBUG adds one line per AWS call. */
export const STEP_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type StepLogLevel = (typeof STEP_LOG_LEVELS)[number];

/**
 * The Lambda function of one workflow step (not a Step Functions construct: the state machine's
 * Task for it is lib/workflow/task.ts): Node.js 22 on arm64, bundled by the local esbuild (or,
 * from the npm package, its prebuilt bundle: lib/step-code.ts), with its own role (no managed
 * policy: it may write only to its own log group) and an explicit log group.
 */
export class StepLambda extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: StepLambdaProps) {
    super(scope, id);
    const root = packageRoot();

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.logRemovalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `gehen ${props.step} step`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const code = stepCode(root, props.step);
    this.function = new NodejsFunction(this, 'Function', {
      ...(code.kind === 'source'
        ? { entry: code.entry, handler: 'handler' }
        : { code: code.code, handler: code.handler }),
      projectRoot: root,
      depsLockFilePath: join(root, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      // Graviton: cheaper per GB-second and every dependency is pure JavaScript.
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      // Traces join the state machine's (tracingEnabled): one X-Ray trace per deployment, down to each AWS call.
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      description: `gehen: ${props.step}`,
      // Powertools' Logger reads its level here (lambdas/shared/logger.ts).
      environment: { NODE_OPTIONS: '--enable-source-maps', GEHEN_LOG_LEVEL: props.logLevel, ...props.environment },
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: OutputFormat.CJS,
        // ESM entry points tree-shake the AWS SDK; the bundle then does not depend on the SDK
        // version the runtime happens to ship.
        mainFields: ['module', 'main'],
        bundleAwsSDK: true,
        externalModules: [],
        // Lambda hands every function its credentials in the environment: swap the SDK's default
        // credential chain (SSO, profiles, IMDS…, ~90 KB a bundle) for the environment provider.
        esbuildArgs: {
          '--alias:@aws-sdk/credential-provider-node': join(root, 'lambdas', 'shared', 'aws', 'lambda-credentials.ts'),
          // No client of gehen's has an event-stream operation: drop the ~20 KB that would load them.
          '--alias:@smithy/core/event-streams': join(root, 'lambdas', 'shared', 'aws', 'no-event-streams.ts'),
          // EventBridge and STS sign with SigV4a only for global endpoints, which gehen never uses.
          '--alias:@aws-sdk/signature-v4-multi-region': join(
            root,
            'lambdas',
            'shared',
            'aws',
            'single-region-signer.ts',
          ),
        },
        forceDockerBundling: false,
      },
    });
    Tags.of(this.function).add(STEP_TAG, props.step);
  }
}
