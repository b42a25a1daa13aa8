import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type AwsClients, clientsForRole } from '../../../lambdas/shared/aws/clients';
import { ConfigError } from '../../../lambdas/shared/config/error';
import { parseGehenYaml } from '../../../lambdas/shared/config/yaml';
import { parseExecutionInput } from '../../../lambdas/shared/contracts/execution-input';

/** gehen.yml's optional `role.externalId`, for a cross-account trust policy's `sts:ExternalId` condition. */

const ROLE = 'arn:aws:iam::444455556666:role/gehen-deployer';
const yaml = (role: string) => `${role}services:\n  api:\n    cluster: prod\n`;

describe('role.externalId in gehen.yml', () => {
  it('is carried into the execution input, which Prepare accepts', () => {
    const { config } = parseGehenYaml(yaml(`role:\n  arn: ${ROLE}\n  externalId: gehen-prod-7f3a\n`), 'gehen.yml');
    expect(config).toMatchObject({ roleArn: ROLE, roleExternalId: 'gehen-prod-7f3a' });
    expect(parseExecutionInput({ gitsha: 'abcdef1', config }).config.roleExternalId).toBe('gehen-prod-7f3a');
  });

  it('is left out when the file has none: inputs and files written before it stay as they were', () => {
    const { config } = parseGehenYaml(yaml(`role:\n  arn: ${ROLE}\n`), 'gehen.yml');
    expect('roleExternalId' in config).toBe(false);
  });

  test.each([['x'], ['has space'], ['a'.repeat(1225)]])('refuses %j', (externalId) => {
    expect(() => parseGehenYaml(yaml(`role:\n  arn: ${ROLE}\n  externalId: '${externalId}'\n`), 'gehen.yml')).toThrow(
      ConfigError,
    );
  });
});

describe('AssumeRole with an external id', () => {
  const sts = mockClient(STSClient);
  beforeEach(() => {
    sts.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'AKIA',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
  });
  afterAll(() => sts.restore());

  it('sends it as ExternalId, and nothing without one', async () => {
    const cache = new Map<string, AwsClients>();
    await clientsForRole(cache, ROLE, 'gehen-probe-run-1', undefined, 'gehen-prod-7f3a')
      .ecs('eu-west-1')
      .config.credentials();
    await clientsForRole(cache, ROLE, 'gehen-probe-run-2').ecs('eu-west-1').config.credentials();
    expect(sts).toHaveReceivedNthCommandWith(1, AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: 'gehen-probe-run-1',
      ExternalId: 'gehen-prod-7f3a',
    });
    expect(sts.commandCalls(AssumeRoleCommand)[1]?.args[0].input.ExternalId).toBeUndefined();
  });
});
