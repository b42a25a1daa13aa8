import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** The lock table's TTL attribute (epoch seconds): lambdas/shared/deploy-lock.ts writes it. */
export const LOCK_TTL_ATTRIBUTE = 'expiresAt';

/**
 * The deployment lock's table: one item per service and scheduled-task rule being deployed,
 * taken with a conditional write (lambdas/shared/deploy-lock.ts). On demand (a few writes per
 * deployment), a TTL so that the items of executions that never reached an ending (aborted,
 * timed out) are deleted eventually, point-in-time recovery and AWS-managed encryption as
 * cdk-nag asks. Nothing in it outlives a deployment: deleting the stack deletes it.
 */
export class DeploymentLockTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: LOCK_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
