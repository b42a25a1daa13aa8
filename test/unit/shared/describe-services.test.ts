import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { describeServicesBatched, lookupKey } from '../../../lambdas/shared/aws/describe-services';

const ecs = mockClient(ECSClient);
const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod';
const SHORT = 'arn:aws:ecs:eu-west-1:123456789012:service/legacy';
const LONG = 'arn:aws:ecs:eu-west-1:123456789012:service/prod/modern';
const client = () => new ECSClient({ region: 'eu-west-1' });

beforeEach(() => {
  ecs.reset();
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      { serviceName: 'legacy', serviceArn: SHORT, status: 'ACTIVE' },
      { serviceName: 'modern', serviceArn: LONG, status: 'ACTIVE' },
    ],
    failures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:service/gone', reason: 'MISSING' }],
  });
});

describe('describeServicesBatched with short and long service ARNs', () => {
  test.each([
    ['a short ARN', SHORT, SHORT],
    ['a long ARN', LONG, LONG],
    ['the name of a short-ARN service', 'legacy', SHORT],
    ['the name of a long-ARN service', 'modern', LONG],
  ])('finds a service looked up by %s', async (_name, service, arn) => {
    const lookup = { region: 'eu-west-1', cluster: CLUSTER, service };
    const described = await describeServicesBatched(client, [lookup]);
    expect(described.found.get(lookupKey(lookup))?.serviceArn).toBe(arn);
  });

  it('matches a failure reported with a short ARN to the name looked up', async () => {
    const lookup = { region: 'eu-west-1', cluster: CLUSTER, service: 'gone' };
    const described = await describeServicesBatched(client, [lookup]);
    expect(described.failures.get(lookupKey(lookup))).toEqual({
      arn: 'arn:aws:ecs:eu-west-1:123456789012:service/gone',
      reason: 'MISSING',
    });
  });
});
