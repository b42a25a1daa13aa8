import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { wrapAwsError } from './errors';

/** The AWS clients a step may use, made per region and (with `role.arn`) per assumed role. */
export interface AwsClients {
  ecs(region: string): ECSClient;
  events(region: string): EventBridgeClient;
}

export interface ClientFactoryOptions {
  /** The role from gehen.yml's `role.arn`; null uses the function's own credentials. */
  roleArn: string | null;
  /** Names the STS session, so CloudTrail shows which execution acted. */
  sessionName?: string;
  /** For tests: the STS client used to assume the role. */
  sts?: STSClient;
}

// Refresh assumed credentials this long before they expire.
const EXPIRY_MARGIN_MS = 5 * 60_000;

/**
 * Makes clients lazily and caches them for the life of the Lambda container: one per region, and
 * one credential set per role, shared by every region and refreshed before it expires.
 * Endpoints come from the SDK's standard configuration (AWS_ENDPOINT_URL included).
 */
export function createClientFactory(options: ClientFactoryOptions): AwsClients {
  const credentials = options.roleArn
    ? assumedRoleCredentials(options.roleArn, options.sessionName ?? 'gehen', options.sts)
    : undefined;
  const ecs = new Map<string, ECSClient>();
  const events = new Map<string, EventBridgeClient>();
  return {
    ecs(region) {
      let client = ecs.get(region);
      if (!client) {
        client = new ECSClient({ region, credentials, maxAttempts: 3 });
        ecs.set(region, client);
      }
      return client;
    },
    events(region) {
      let client = events.get(region);
      if (!client) {
        client = new EventBridgeClient({ region, credentials, maxAttempts: 3 });
        events.set(region, client);
      }
      return client;
    },
  };
}

function assumedRoleCredentials(
  roleArn: string,
  sessionName: string,
  sts: STSClient = new STSClient({}),
): AwsCredentialIdentityProvider {
  let cached: AwsCredentialIdentity | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - EXPIRY_MARGIN_MS > Date.now()) return cached;
    try {
      const { Credentials } = await sts.send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName.slice(0, 64) }),
      );
      if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) {
        throw new Error('AssumeRole returned no credentials');
      }
      cached = {
        accessKeyId: Credentials.AccessKeyId,
        secretAccessKey: Credentials.SecretAccessKey,
        sessionToken: Credentials.SessionToken,
        expiration: Credentials.Expiration,
      };
      return cached;
    } catch (error) {
      throw wrapAwsError(`assume role ${roleArn}`, error);
    }
  };
}

/**
 * One factory per role, kept at module scope by the handlers so assumed credentials are cached
 * across the rounds of an execution (a warm Lambda container serves many of them).
 */
export function clientsForRole(
  cache: Map<string, AwsClients>,
  roleArn: string | null,
  sessionName: string,
): AwsClients {
  const key = roleArn ?? '';
  let clients = cache.get(key);
  if (!clients) {
    clients = createClientFactory({ roleArn, sessionName });
    cache.set(key, clients);
  }
  return clients;
}
