import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ConfigError } from '../lambdas/shared/config/error';
import type { LoadedConfig } from '../lambdas/shared/config/schema';
import { parseGehenYaml } from '../lambdas/shared/config/yaml';

/** EventBridge's limit on a target's InputTransformer.InputTemplate. */
export const INPUT_TEMPLATE_LIMIT = 8192;

/** A gehen.yml the app was given, parsed. */
export interface TriggerFile {
  /** The path as given in `gehen:configs`: names the file in errors and the rule's description. */
  readonly source: string;
  readonly loaded: LoadedConfig;
}

/**
 * Reads and validates the gehen.yml files named in `gehen:configs`, relative to `cwd`. Synth fails
 * on the first file that cannot be read or is not a valid config, naming it.
 */
export function readTriggerFiles(paths: readonly string[], cwd: string = process.cwd()): TriggerFile[] {
  return paths.map((source) => {
    const path = resolve(cwd, source);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`gehen:configs names ${source}, which cannot be read (${path}): ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      return { source, loaded: parseGehenYaml(text, source) };
    } catch (error) {
      if (error instanceof ConfigError) {
        throw new Error(`gehen:configs: ${error.message}`, { cause: error });
      }
      throw error;
    }
  });
}

export interface EcrPushTriggersProps {
  readonly stateMachine: sfn.IStateMachine;
  /** Files without a `trigger` key get no rule. */
  readonly files: readonly TriggerFile[];
  /** Encrypts the dead-letter queue. @default - SQS-managed encryption (SSE-SQS) */
  readonly encryptionKey?: kms.IKey;
}

/**
 * One EventBridge rule per gehen.yml with a `trigger`: a successful push to its ECR repository
 * starts gehen-deploy with the pushed tag as the SHA and the file's normalized config. The tag is
 * checked against `tagPattern` by Prepare (EventBridge patterns have no regular expressions): a tag
 * that does not match ends the execution at once as Nothing To Deploy. A push without a tag (by
 * digest) or from another account matches no rule.
 */
export class EcrPushTriggers extends Construct {
  readonly rules: events.Rule[] = [];
  /**
   * Pushes EventBridge could not start a deployment for (StartExecution failing after its retries,
   * or the event older than two hours): each message is the event, with why in its attributes
   * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html). Only with a trigger.
   */
  readonly deadLetterQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: EcrPushTriggersProps) {
    super(scope, id);
    if (!props.files.some(({ loaded }) => loaded.trigger)) return;
    this.deadLetterQueue = new sqs.Queue(this, 'Undelivered Pushes', {
      encryption: props.encryptionKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'It is the dead-letter queue: of the ECR push rules’ targets.',
    });
    const role = stackRulesRole(this, 'StartDeployments', 'gehen: ECR push rules start the deploy state machine');
    const target = new Map<string, number>();
    for (const { source, loaded } of props.files) {
      const { trigger } = loaded;
      if (!trigger) continue;
      const base = `Push ${source.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
      const seen = target.get(base) ?? 0;
      target.set(base, seen + 1);
      const rule = new events.Rule(this, seen === 0 ? base : `${base} ${seen + 1}`, {
        description: `gehen: deploy pushes to ECR repository ${trigger.ecrRepository} with ${source}`.slice(0, 512),
        // https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html: a push of
        // a manifest by digest (multi-architecture builds push each platform's image that way)
        // has no image-tag, and must start nothing rather than an Invalid Deployment that alarms.
        // Only this account's own repositories: a bus that accepts other accounts' events must
        // not let their pushes deploy here.
        eventPattern: {
          source: ['aws.ecr'],
          detailType: ['ECR Image Action'],
          account: [Stack.of(this).account],
          detail: {
            'action-type': ['PUSH'],
            result: ['SUCCESS'],
            'repository-name': [trigger.ecrRepository],
            'image-tag': events.Match.exists(),
          },
        },
      });
      const input = events.RuleTargetInput.fromObject({
        gitsha: events.EventField.fromPath('$.detail.image-tag'),
        config: loaded.config,
        source: 'ecr',
        tagPattern: trigger.tagPattern,
      });
      const template = Stack.of(this).resolve(input.bind(rule).inputTemplate) as unknown;
      const length = typeof template === 'string' ? template.length : JSON.stringify(template).length;
      if (length > INPUT_TEMPLATE_LIMIT) {
        throw new Error(
          `gehen:configs: ${source}: its config is ${length} characters as the trigger's input template, more than ` +
            `EventBridge's ${INPUT_TEMPLATE_LIMIT}. Split its services across several gehen.yml files (each with the trigger), ` +
            'or drop optional keys (url, containers) where the defaults do.',
        );
      }
      // The target's role may start this state machine and nothing else (states:StartExecution).
      // EventBridge retries a failed StartExecution (throttling, a brief outage) with backoff for
      // up to two hours, then leaves the push in the dead-letter queue rather than dropping it
      // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html).
      rule.addTarget(
        new targets.SfnStateMachine(props.stateMachine, {
          input,
          role,
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 20,
          maxEventAge: Duration.hours(2),
        }),
      );
      this.rules.push(rule);
    }
  }
}

/**
 * A role EventBridge may assume only for this account's rules of this stack (confused-deputy guard,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html). The rules' own ARNs
 * would be a cycle (each rule's target names the role): CloudFormation names them
 * `<stack name>-<logical id>-<suffix>`.
 */
export function stackRulesRole(scope: Construct, id: string, description: string): iam.Role {
  const stack = Stack.of(scope);
  return new iam.Role(scope, id, {
    description,
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: `${stack.stackName}-*`,
          }),
        },
      },
    }),
  });
}
