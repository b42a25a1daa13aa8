import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { acquireDeploymentLock } from '../../../lambdas/acquire-lock/core';
import { ConcurrentDeploymentError, InvalidDeploymentError } from '../../../lambdas/shared/contracts/errors';
import type { Plan } from '../../../lambdas/shared/contracts/state';
import { ACCOUNT, awsError, deployment, NEW_SHA, OLD_SHA, plannedService } from '../shared/deploy-fixtures';

const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => dynamodb.reset());
afterAll(() => dynamodb.restore());

const OTHER_EXECUTION = `arn:aws:states:eu-west-1:${ACCOUNT}:execution:gehen-deploy:other`;
const lock = {
  store: { dynamodb: new DynamoDBClient({ region: 'eu-west-1' }), tableName: 'lock', now: () => new Date() },
  ttlSeconds: 3600,
};
const plan = (overrides: Partial<Plan> = {}): Plan => ({
  deployment: deployment(),
  services: [plannedService()],
  scheduledTasks: [],
  ...overrides,
});

function heldBy(gitsha: string) {
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(TransactWriteItemsCommand).rejects(
    new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [
        {
          Code: 'ConditionalCheckFailed',
          Item: { owner: { S: OTHER_EXECUTION }, gitsha: { S: gitsha }, target: { S: 'service prod/api' } },
        },
      ],
    }),
  );
  dynamodb.on(GetItemCommand).resolves({});
}

describe('acquireDeploymentLock', () => {
  it('takes the lock of every service of the plan and returns the plan unchanged', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(TransactWriteItemsCommand).resolves({});

    const planned = await acquireDeploymentLock({ plan: plan(), execution: { source: 'cli' } }, lock);

    expect(planned).toEqual(plan());
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
    expect(
      dynamodb.commandCalls(TransactWriteItemsCommand)[0]?.args[0].input.TransactItems?.[0]?.Put?.Item?.pk,
    ).toEqual({ S: `service#${ACCOUNT}#eu-west-1#prod#api` });
  });

  it('refuses with ConcurrentDeploymentError when another execution holds a target', async () => {
    heldBy(OLD_SHA);

    const taking = acquireDeploymentLock({ plan: plan(), execution: { source: 'cli' } }, lock);

    await expect(taking).rejects.toBeInstanceOf(ConcurrentDeploymentError);
    await expect(taking).rejects.toThrow(
      `execution ${OTHER_EXECUTION} is already deploying ${OLD_SHA} to service prod/api`,
    );
  });

  it('skips a push whose every target another execution is deploying at the same SHA', async () => {
    heldBy(NEW_SHA);

    const planned = await acquireDeploymentLock({ plan: plan(), execution: { source: 'ecr' } }, lock);

    expect(planned.skipped).toBe(`${NEW_SHA} is already being deployed to these services by other`);
  });

  it('refuses the same overlap from the CLI: only a push is a duplicate', async () => {
    heldBy(NEW_SHA);

    await expect(acquireDeploymentLock({ plan: plan(), execution: { source: 'cli' } }, lock)).rejects.toBeInstanceOf(
      ConcurrentDeploymentError,
    );
  });

  it('stops the deployment before it starts when it may not write the lock table', async () => {
    dynamodb
      .on(PutItemCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: dynamodb:PutItem'));
    dynamodb.on(DeleteItemCommand).resolves({});

    await expect(acquireDeploymentLock({ plan: plan(), execution: null }, lock)).rejects.toBeInstanceOf(
      InvalidDeploymentError,
    );
  });

  it('takes no lock for a plan with nothing to deploy', async () => {
    const skipped = plan({ services: [], skipped: 'image tag latest is not a git SHA' });

    expect(await acquireDeploymentLock({ plan: skipped, execution: { source: 'ecr' } }, lock)).toEqual(skipped);
    expect(dynamodb.calls()).toHaveLength(0);
  });
});
