import { ECSClient } from '@aws-sdk/client-ecs';
import type { EventBridgeClient, EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { wrapAwsError } from '../contracts/errors';
import { awsCallLog, type CallLogger } from './call-log';
import { CLIENT_DEFAULTS } from './client-defaults';

/** The AWS clients a step may use, made per region and (with `role.arn`) per assumed role. */
export interface AwsClients {
  ecs(region: string): ECSClient;
  events(region: string): EventBridgeClient;
  /** The role's credentials (undefined: the function's own), for a client a single step makes itself. */
  readonly credentials?: AwsCredentialIdentityProvider;
}

export interface ClientFactoryOptions {
  /** The role from gehen.yml's `role.arn`; null uses the function's own credentials. */
  roleArn: string | null;
  /** Names the STS session, so CloudTrail shows which execution acted. */
  sessionName?: string;
  /** gehen.yml's `role.externalId`: sent as AssumeRole's ExternalId, for a trust policy's `sts:ExternalId` condition. */
  externalId?: string | null;
  /** For tests: the STS client used to assume the role. */
  sts?: STSClient;
  /** Logs every call's duration and attempts (call-log.ts). */
  logger?: CallLogger;
  /**
   * EventBridgeClient, passed by the steps that touch scheduled tasks' rules (Prepare, Update
   * Scheduled Task, Clean Up Revisions): the others' bundles then leave the EventBridge client
   * out (~20 KB). Without it `events()` throws. @default - none
   */
  eventBridge?: EventBridgeConstructor;
}

/** The EventBridge client class, injected: see ClientFactoryOptions.eventBridge. */
export type EventBridgeConstructor = new (config: EventBridgeClientConfig) => EventBridgeClient;

// Refresh assumed credentials this long before they expire.
const EXPIRY_MARGIN_MS = 5 * 60_000;

/**
 * Makes clients lazily and caches them for the life of the Lambda container: one per region, and
 * one credential set per role, shared by every region and refreshed before it expires.
 * Endpoints come from the SDK's standard configuration (AWS_ENDPOINT_URL included).
 */
export function createClientFactory(options: ClientFactoryOptions): AwsClients {
  const logged = <C extends LoggableClient>(client: C): C => withCallLog(client, options.logger);
  const credentials = options.roleArn
    ? assumedRoleCredentials(
        options.roleArn,
        options.sessionName ?? 'gehen',
        options.sts ?? logged(new STSClient(CLIENT_DEFAULTS)),
        options.externalId ?? undefined,
      )
    : undefined;
  const ecs = new Map<string, ECSClient>();
  const events = new Map<string, EventBridgeClient>();
  return {
    credentials,
    ecs(region) {
      let client = ecs.get(region);
      if (!client) {
        client = logged(new ECSClient({ ...CLIENT_DEFAULTS, region, credentials }));
        ecs.set(region, client);
      }
      return client;
    },
    events(region) {
      let client = events.get(region);
      if (!client) {
        const EventBridge = options.eventBridge;
        // A programming error, not a user's: the step's handler did not pass EventBridgeClient.
        if (!EventBridge) throw new Error('this step makes no EventBridge client (createClientFactory eventBridge)');
        client = logged(new EventBridge({ ...CLIENT_DEFAULTS, region, credentials }));
        events.set(region, client);
      }
      return client;
    },
  };
}

/** The client, logging its calls to `logger` when there is one. */
export function withCallLog<C extends LoggableClient>(client: C, logger: CallLogger | undefined): C {
  if (logger) client.middlewareStack.use(awsCallLog(logger));
  return client;
}

/** Any AWS SDK v3 client. */
type LoggableClient = { middlewareStack: { use(plugin: ReturnType<typeof awsCallLog>): void } };

function assumedRoleCredentials(
  roleArn: string,
  sessionName: string,
  sts: STSClient,
  externalId?: string,
): AwsCredentialIdentityProvider {
  let cached: AwsCredentialIdentity | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - EXPIRY_MARGIN_MS > Date.now()) return cached;
    try {
      const { Credentials } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName.slice(0, SESSION_NAME_MAX),
          ExternalId: externalId,
        }),
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

/** RoleSessionName: 2 to 64 characters of [\w+=,.@-]. */
const SESSION_NAME_MAX = 64;

/**
 * The STS session name of a step acting for an execution: `gehen-probe-<execution name>`, so
 * CloudTrail in the role's account shows which execution made each call.
 */
export function sessionName(step: string, executionArn: string): string {
  const execution = executionArn.slice(executionArn.lastIndexOf(':') + 1);
  return `gehen-${step}-${execution}`.replace(/[^\w+=,.@-]/g, '_').slice(0, SESSION_NAME_MAX);
}

// Executions a warm container keeps assumed credentials for; older ones are dropped.
const MAX_CACHED_SESSIONS = 16;

/**
 * One factory per role and session, kept at module scope by the handlers so assumed credentials
 * are cached across the rounds of an execution (a warm Lambda container serves many of them).
 * The session names the execution, so each execution assumes the role once under its own name.
 */
export function clientsForRole(
  cache: Map<string, AwsClients>,
  roleArn: string | null,
  session: string,
  logger?: CallLogger,
  externalId: string | null = null,
  eventBridge?: EventBridgeConstructor,
): AwsClients {
  // The function's own credentials have no session to name: one factory serves every execution.
  const key = roleArn === null ? '' : `${roleArn}|${session}|${externalId ?? ''}`;
  let clients = cache.get(key);
  if (!clients) {
    clients = createClientFactory({ roleArn, sessionName: session, logger, externalId, eventBridge });
    cache.set(key, clients);
    for (const oldest of cache.keys()) {
      if (cache.size <= MAX_CACHED_SESSIONS) break;
      if (oldest !== key) cache.delete(oldest);
    }
  }
  return clients;
}

/** Clients for the deployment a step acts for: its `role.arn` (and external id), its session naming the execution. */
export type RoleClients = (deployment: RoleOfDeployment) => AwsClients;

/** What of a deployment picks its clients (DeploymentContext has it). */
export interface RoleOfDeployment {
  roleArn: string | null;
  roleExternalId?: string | null;
  executionArn: string;
}

/**
 * A step handler's role clients (step-handler.ts): one factory per role and execution for the life
 * of the container, so assumed credentials are reused across the rounds of an execution.
 * `eventBridge` as in ClientFactoryOptions.
 */
export function roleClients(eventBridge?: EventBridgeConstructor): (step: string, logger: CallLogger) => RoleClients {
  return (step, logger) => {
    const cache = new Map<string, AwsClients>();
    return (deployment) =>
      clientsForRole(
        cache,
        deployment.roleArn,
        sessionName(step, deployment.executionArn),
        logger,
        deployment.roleExternalId ?? null,
        eventBridge,
      );
  };
}
