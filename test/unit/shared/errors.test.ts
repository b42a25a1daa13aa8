import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createClientFactory } from '../../../lambdas/shared/aws/clients';
import {
  DeploymentFailedError,
  isTransientAwsError,
  TransientAwsError,
  wrapAwsError,
} from '../../../lambdas/shared/contracts/errors';
import { awsError } from './deploy-fixtures';

describe('isTransientAwsError', () => {
  test.each([
    ['ThrottlingException', 'Rate exceeded', true],
    // STS throttles under this name.
    ['Throttling', 'Rate exceeded', true],
    ['ClientException', 'Too many concurrent attempts to create a new revision of the specified family.', true],
    ['ClientException', 'Container.image should not be null or empty.', false],
    // EventBridge: two PutTargets on one rule at once.
    ['ConcurrentModificationException', 'There is concurrent modification on a rule or target.', true],
    // EventBridge's targets-per-rule limit: retrying never fixes it.
    ['LimitExceededException', 'The requested resource exceeds the maximum number allowed.', false],
    // A hung socket, cut by the client's requestTimeout.
    ['TimeoutError', 'Connection timed out after 6000 ms', true],
    ['AccessDenied', 'not authorized to perform: sts:AssumeRole', false],
  ])('%s (%s) is transient: %s', (name, message, transient) => {
    expect(isTransientAwsError(awsError(name, message))).toBe(transient);
  });

  test.each([
    ['a throttle wrapped once', true, () => wrapAwsError('assume role R', awsError('Throttling'))],
    [
      'a throttle wrapped twice (AssumeRole under role.arn, then the call that needed it)',
      true,
      () => wrapAwsError('describe services', wrapAwsError('assume role R', awsError('Throttling'))),
    ],
    [
      'a throttle as the cause of a DeploymentFailedError',
      true,
      () => new DeploymentFailedError('x', { cause: awsError('ThrottlingException') }),
    ],
    [
      'a refusal wrapped twice',
      false,
      () => wrapAwsError('describe services', wrapAwsError('assume role R', awsError('AccessDenied'))),
    ],
  ])('%s is transient: %s', (_, transient, make) => {
    expect(isTransientAwsError(make())).toBe(transient);
  });

  it('does not loop on an error that is its own cause', () => {
    const error = new Error('loop');
    (error as { cause?: unknown }).cause = error;
    expect(isTransientAwsError(error)).toBe(false);
  });
});

describe('a throttled AssumeRole under role.arn', () => {
  const sts = mockClient(STSClient);
  afterAll(() => sts.restore());

  it('reaches the workflow as TransientAwsError, which it retries, not as a deployment failure', async () => {
    sts.on(AssumeRoleCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    const clients = createClientFactory({
      roleArn: 'arn:aws:iam::123456789012:role/GehenDeploy',
      sts: new STSClient({ region: 'eu-west-1' }),
    });
    const provider = clients.ecs('eu-west-1').config.credentials;
    const failure = await provider().catch((error: unknown) => error);
    const wrapped = wrapAwsError('describe services in eu-west-1', failure);
    expect(wrapped).toBeInstanceOf(TransientAwsError);
    expect(wrapped.message).toBe(
      'failed to describe services in eu-west-1: TransientAwsError: failed to assume role arn:aws:iam::123456789012:role/GehenDeploy: Throttling: Rate exceeded',
    );
  });
});
