import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type AwsClients, clientsForRole, createClientFactory, sessionName } from '../../../lambdas/shared/aws/clients';

const sts = mockClient(STSClient);
const ROLE = 'arn:aws:iam::123456789012:role/GehenDeploy';
const execution = (name: string) => `arn:aws:states:eu-west-1:123456789012:execution:gehen-deploy:${name}`;

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
afterAll(() => {
  sts.restore();
});

describe('sessionName', () => {
  test.each([
    ['probe', execution('abcdef1-20300101T000000Z'), 'gehen-probe-abcdef1-20300101T000000Z'],
    ['check-drain', execution('ünïcode name'), 'gehen-check-drain-_n_code_name'],
    ['update-scheduled-task', execution('x'.repeat(80)), `gehen-update-scheduled-task-${'x'.repeat(36)}`],
  ])('names the %s session after the execution: %s', (step, arn, expected) => {
    expect(sessionName(step, arn)).toBe(expected);
    expect(expected).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});

describe('clientsForRole', () => {
  // The mocked client never signs a request: resolve its credentials as signing would.
  const credentialsOf = (clients: AwsClients) => clients.ecs('eu-west-1').config.credentials();

  it('assumes the role once per execution, under a session naming that execution', async () => {
    const cache = new Map<string, AwsClients>();

    await credentialsOf(clientsForRole(cache, ROLE, sessionName('probe', execution('run-1'))));
    await credentialsOf(clientsForRole(cache, ROLE, sessionName('probe', execution('run-1'))));
    await credentialsOf(clientsForRole(cache, ROLE, sessionName('probe', execution('run-2'))));

    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(sts).toHaveReceivedNthCommandWith(1, AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: 'gehen-probe-run-1',
    });
    expect(sts).toHaveReceivedNthCommandWith(2, AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: 'gehen-probe-run-2',
    });
  });

  it('keeps a bounded number of sessions, and one factory for the function’s own credentials', () => {
    const cache = new Map<string, AwsClients>();
    for (let i = 0; i < 40; i++) clientsForRole(cache, ROLE, sessionName('probe', execution(`run-${i}`)));
    expect(cache.size).toBeLessThanOrEqual(16);
    const own = clientsForRole(cache, null, sessionName('probe', execution('a')));
    expect(clientsForRole(cache, null, sessionName('probe', execution('b')))).toBe(own);
  });
});

describe('the clients of a step', () => {
  it('give up on a connection or an answer well before the shortest step timeout (30 s)', async () => {
    const clients = createClientFactory({ roleArn: null, eventBridge: EventBridgeClient });
    for (const client of [clients.ecs('eu-west-1'), clients.events('eu-west-1')]) {
      // NodeHttpHandler resolves its options once, before the first request.
      const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
      expect(await handler.configProvider).toMatchObject({
        connectionTimeout: 3000,
        requestTimeout: 6000,
        throwOnRequestTimeout: true,
      });
    }
  });

  it('make an EventBridge client only in a step that brings the class (so the others bundle none)', () => {
    expect(() => createClientFactory({ roleArn: null }).events('eu-west-1')).toThrow(/no EventBridge client/);
    const events = createClientFactory({ roleArn: null, eventBridge: EventBridgeClient }).events('eu-west-1');
    expect(events).toBeInstanceOf(EventBridgeClient);
  });
});
