import { apiFaultsGuard } from './api-faults';
import { SandboxAwsError } from './aws-error';
import { controlRoutes } from './control-routes';
import { DynamoDb } from './dynamodb';
import { Ecs } from './ecs/ecs';
import { type LoadBalancer, startLoadBalancer } from './ecs/load-balancer';
import { TaskServers } from './ecs/task-servers';
import { type ServedTags, TrafficLog } from './ecs/traffic-log';
import { Events, type StoredEvent } from './events';
import { type Fleet, type FleetInput, loadFleet, parseFleet } from './fleet';
import { iamApiRoute } from './iam-api';
import { seededRandom } from './random';
import { seedFleet } from './seed';
import {
  type ApiCall,
  type ApiGuard,
  type ExtraRoute,
  type SandboxServer,
  type SandboxStats,
  type StepFunctionsHandler,
  startServer,
} from './server';
import { awsThrottling } from './throttling';
import { Timers } from './timers';

export type { Fleet, FleetInput } from './fleet';
export type { ApiCall, ApiGuard, ExtraRoute, SandboxStats, StepFunctionsHandler } from './server';

/** What a Step Functions implementation is given when the sandbox starts it. */
export interface StepFunctionsContext {
  /** The sandbox's endpoint: point AWS_ENDPOINT_URL (the Lambda handlers' SDK clients) here. */
  endpoint: string;
  /** The fleet's region: where the state machine is created. */
  region: string;
  /**
   * `host:port` of the fleet's private load balancers (`services[].private`): only Lambda
   * functions with a VpcConfig reach them.
   */
  privateAddresses: string[];
  /** The fleet, with its models' settings (consistency, timing). */
  fleet: Fleet;
  /** The buses, for the events Step Functions itself emits (Events.emit). */
  events: Events;
}

/** A running Step Functions implementation: answers its API, reports executions, shuts down. */
export interface StepFunctionsBackend extends StepFunctionsHandler {
  close(): Promise<void>;
}

export type StepFunctionsFactory = (context: StepFunctionsContext) => Promise<StepFunctionsBackend>;

export interface SandboxOptions {
  /** The fleet, or the path of its YAML file. */
  fleet: Fleet | FleetInput | string;
  /** The API port on 127.0.0.1; 0 picks a free one. @default 4566 */
  port?: number;
  /** Seed of the throttling RNG, so throttled runs repeat. @default 1 */
  seed?: number;
  /** Checked before every API call, before the fleet's own (throttling); the first to throw answers. */
  guards?: ApiGuard[];
  /** Routes beside the AWS APIs (control endpoints, Lambda Invoke). */
  routes?: ExtraRoute[];
  /** Starts the Step Functions API once the endpoint is known; without it those calls fail. */
  stepFunctions?: StepFunctionsFactory;
}

export interface Sandbox {
  /** `http://127.0.0.1:<port>`: ECS, EventBridge, STS and Step Functions. */
  endpoint: string;
  port: number;
  region: string;
  fleet: Fleet;
  /** Load balancer URL per fleet service that has `listen`. */
  loadBalancers: Record<string, string>;
  /** Test listener URL per fleet service that has `testListen`. */
  testLoadBalancers: Record<string, string>;
  /** Per service, the image tags its production and test listeners served (`GET /_sandbox/traffic`). */
  traffic(): Record<string, ServedTags>;
  stats(): SandboxStats;
  resetStats(): void;
  /** Sees every event PutEvents accepts. */
  onEvent(subscriber: (event: StoredEvent) => void): void;
  /** The EventBridge rules and events, for what wires rules to targets (sandbox/event-routing.ts). */
  events: Events;
  /** DynamoDB's tables: none until created (startGehenSandbox creates the template's). */
  dynamodb: DynamoDb;
  /** Closes every server and cancels every timer the sandbox started. */
  close(): Promise<void>;
}

/** Starts the local AWS for a fleet. Close it (tests: in afterAll) to free its ports. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const fleet = typeof options.fleet === 'string' ? await loadFleet(options.fleet) : parseFleet(options.fleet);
  const timers = new Timers();
  const servers = new TaskServers();
  const events = new Events();
  const dynamodb = new DynamoDb();
  const traffic = new TrafficLog();
  const ecs = new Ecs({
    timing: fleet.timing,
    faults: fleet.faults,
    timers,
    servers,
    consistencySeconds: fleet.consistency.ecsSeconds,
    events,
  });
  const loadBalancers: LoadBalancer[] = [];
  let server: SandboxServer | undefined;
  let stepFunctions: StepFunctionsBackend | undefined;
  const close = async () => {
    timers.close();
    await Promise.all([
      server?.close(),
      stepFunctions?.close(),
      servers.close(),
      ...loadBalancers.map((lb) => lb.close()),
    ]);
  };
  try {
    await seedFleet(fleet, ecs, events);
    const urls: Record<string, string> = {};
    const testUrls: Record<string, string> = {};
    const privateAddresses: string[] = [];
    for (const service of fleet.services) {
      const { name, cluster } = service;
      const listeners = [
        { port: service.listen, listener: 'production' as const, into: urls },
        { port: service.testListen, listener: 'test' as const, into: testUrls },
      ];
      for (const { port, listener, into } of listeners) {
        if (port === undefined) continue;
        const lb = await startLoadBalancer(port, () => ecs.service(fleet.region, cluster, name), {
          listener,
          log: traffic,
        }).catch((error: Error) => {
          throw new Error(`load balancer of service ${name} cannot listen on 127.0.0.1:${port}: ${error.message}`, {
            cause: error,
          });
        });
        loadBalancers.push(lb);
        into[name] = lb.url;
        if (service.private) privateAddresses.push(new URL(lb.url).host);
      }
    }
    const random = seededRandom(options.seed ?? 1);
    // The Step Functions backend needs the endpoint, which exists only once the server listens.
    const delegate: StepFunctionsHandler = {
      handle: (operation, input, region) => {
        if (!stepFunctions) return Promise.reject(unknownOperation(operation));
        return stepFunctions.handle(operation, input, region);
      },
      stats: () => stepFunctions?.stats?.() ?? {},
    };
    const port = options.port ?? 4566;
    server = await startServer({
      port,
      defaultRegion: fleet.region,
      ecs,
      events,
      stepFunctions: delegate,
      dynamodb,
      guards: [
        ...(options.guards ?? []),
        ...(fleet.apiFaults.length > 0 ? [apiFaultsGuard(fleet.apiFaults)] : []),
        ...(fleet.throttling.kind === 'fraction' ? [fractionThrottle(fleet.throttling.fraction, random)] : []),
        ...(fleet.throttling.kind === 'aws' ? [awsThrottling()] : []),
      ],
      routes: [...(options.routes ?? []), controlRoutes({ events, ecs, fleet, traffic }), iamApiRoute(fleet.roles)],
    }).catch((error: Error) => {
      throw new Error(`the sandbox cannot listen on 127.0.0.1:${port}: ${error.message}`, { cause: error });
    });
    if (options.stepFunctions) {
      stepFunctions = await options.stepFunctions({
        endpoint: server.endpoint,
        region: fleet.region,
        privateAddresses,
        fleet,
        events,
      });
    }
    const running = server;
    return {
      endpoint: running.endpoint,
      port: running.port,
      region: fleet.region,
      fleet,
      loadBalancers: urls,
      testLoadBalancers: testUrls,
      traffic: () => traffic.snapshot(),
      stats: () => running.stats(),
      resetStats: () => running.resetStats(),
      onEvent: (subscriber) => events.onEvent(subscriber),
      events,
      dynamodb,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function unknownOperation(operation: string): Error {
  return new SandboxAwsError(
    'UnknownOperationException',
    `Step Functions is not running in this sandbox: ${operation}.`,
  );
}

/** Today's `throttling: <fraction>`: that random share of ECS and EventBridge calls is throttled. */
function fractionThrottle(fraction: number, random: () => number): ApiGuard {
  return (call: ApiCall) => {
    if (call.service !== 'ecs' && call.service !== 'events') return;
    if (random() < fraction) throw new SandboxAwsError('ThrottlingException', 'Rate exceeded');
  };
}
