import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { SandboxAwsError } from './aws-error';
import { closeServer, listen } from './http-util';
import { hexId } from './ids';
import { handleSts, stsErrorXml } from './sts';

/** A service answering one AWS JSON protocol: `handle(operation, input, region)`. */
export interface JsonService {
  handle(operation: string, input: unknown, region: string): Promise<unknown>;
}

/** The Step Functions API, plugged in by whoever runs the workflow. */
export interface StepFunctionsHandler extends JsonService {
  /** Per execution ARN, for `GET /_sandbox/stats`. */
  stats?(): Record<string, unknown>;
}

export interface SandboxStats {
  /** Calls per `<service>:<Operation>` (ecs, events, states, sts), throttled ones included. */
  calls: Record<string, number>;
  /** Of those, the calls answered ThrottlingException by the fleet's `throttle`. */
  throttled: Record<string, number>;
  executions: Record<string, unknown>;
}

/** One API call as the sandbox received it, before it is answered. */
export interface ApiCall {
  /** The IAM prefix: ecs, events, states, sts, dynamodb. */
  service: 'ecs' | 'events' | 'states' | 'sts' | 'dynamodb';
  operation: string;
  /** The parsed request (JSON body, or the query parameters of STS). */
  input: Record<string, unknown>;
  region: string;
  /** The access key id of the SigV4 signature: who is calling. */
  accessKeyId: string | undefined;
}

/**
 * Runs before a call is answered and may refuse it by throwing a SandboxAwsError (throttling,
 * IAM, injected faults). Guards run in order; the first to throw answers the call.
 */
export type ApiGuard = (call: ApiCall) => void;

/**
 * A route beside the AWS APIs (`/_sandbox/...` control endpoints, Lambda's Invoke API). Returns
 * undefined when the request is not its own.
 */
export type ExtraRoute = (request: {
  method: string;
  path: string;
  body: string;
  headers: IncomingMessage['headers'];
}) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> } | undefined>;

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** For requests whose signature names no region. */
  defaultRegion: string;
  ecs: JsonService;
  events: JsonService;
  /** Until one is given, Step Functions calls answer UnknownOperationException. */
  stepFunctions?: StepFunctionsHandler;
  /** DynamoDB's JSON 1.0 API; without it those calls answer UnknownOperationException. */
  dynamodb?: JsonService;
  /** Checked in order before every call; the first to throw answers it. */
  guards?: ApiGuard[];
  /** Tried in order before the AWS APIs. */
  routes?: ExtraRoute[];
}

export interface SandboxServer {
  endpoint: string;
  port: number;
  stats(): SandboxStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface JsonRoute {
  service: 'ecs' | 'events' | 'states' | 'dynamodb';
  contentType: string;
}

// x-amz-target prefixes of the JSON protocols, and the IAM prefix each call is counted under.
const JSON_ROUTES: Record<string, JsonRoute> = {
  AmazonEC2ContainerServiceV20141113: { service: 'ecs', contentType: 'application/x-amz-json-1.1' },
  AWSEvents: { service: 'events', contentType: 'application/x-amz-json-1.1' },
  AWSStepFunctions: { service: 'states', contentType: 'application/x-amz-json-1.0' },
  DynamoDB_20120810: { service: 'dynamodb', contentType: 'application/x-amz-json-1.0' },
};

const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/[^/,\s]+\/aws4_request/;
const CREDENTIAL_KEY = /Credential=([^/,\s]+)\//;

/** The access key id a SigV4-signed request was signed with. */
export function accessKeyOf(request: IncomingMessage): string | undefined {
  return CREDENTIAL_KEY.exec(request.headers.authorization ?? '')?.[1];
}

/** The region of a SigV4-signed request: its credential scope names it. */
export function regionOf(request: IncomingMessage, fallback: string): string {
  const authorization = request.headers.authorization ?? '';
  return CREDENTIAL_SCOPE.exec(authorization)?.[1] ?? fallback;
}

/**
 * One loopback HTTP server speaking AWS's wire protocols: JSON 1.1 (ECS, EventBridge), JSON 1.0
 * (Step Functions, DynamoDB) and query (STS), plus `GET /_sandbox/stats` and `POST /_sandbox/reset-stats`.
 */
export async function startServer(options: ServerOptions): Promise<SandboxServer> {
  let calls: Record<string, number> = {};
  let throttled: Record<string, number> = {};
  const count = (name: string, into = calls) => {
    into[name] = (into[name] ?? 0) + 1;
  };
  const guard = (call: ApiCall) => {
    for (const check of options.guards ?? []) {
      try {
        check(call);
      } catch (error) {
        if (error instanceof SandboxAwsError && error.type === 'ThrottlingException') {
          count(`${call.service}:${call.operation}`, throttled);
        }
        throw error;
      }
    }
  };
  const stats = (): SandboxStats => ({
    calls: { ...calls },
    throttled: { ...throttled },
    executions: options.stepFunctions?.stats?.() ?? {},
  });

  const handleJson = async (request: IncomingMessage, response: ServerResponse, target: string, body: string) => {
    const [prefix = '', operation = ''] = target.split('.');
    const route = JSON_ROUTES[prefix];
    const contentType = route?.contentType ?? 'application/x-amz-json-1.1';
    const send = (status: number, payload: unknown, errorType?: string) => {
      response.writeHead(status, {
        'Content-Type': contentType,
        'x-amzn-RequestId': hexId(16),
        ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
      });
      response.end(JSON.stringify(payload));
    };
    try {
      if (!route) throw new SandboxAwsError('UnknownOperationException', `Unknown target ${target}.`);
      count(`${route.service}:${operation}`);
      let input: unknown;
      try {
        input = body.trim() === '' ? {} : JSON.parse(body);
      } catch (error) {
        throw new SandboxAwsError('SerializationException', `Request body is not JSON: ${(error as Error).message}`);
      }
      const region = regionOf(request, options.defaultRegion);
      guard({
        service: route.service,
        operation,
        input: (input ?? {}) as Record<string, unknown>,
        region,
        accessKeyId: accessKeyOf(request),
      });
      const services = {
        ecs: options.ecs,
        events: options.events,
        states: options.stepFunctions,
        dynamodb: options.dynamodb,
      };
      const service = services[route.service];
      if (!service)
        throw new SandboxAwsError('UnknownOperationException', `${route.service} is not running: ${operation}.`);
      send(200, (await service.handle(operation, input, region)) ?? {});
    } catch (error) {
      if (error instanceof SandboxAwsError) {
        send(error.status, { __type: error.type, message: error.message, ...error.fields }, error.type);
      } else {
        console.error(`sandbox: ${target} failed`, error);
        send(
          500,
          { __type: 'InternalFailure', message: String((error as Error)?.message ?? error) },
          'InternalFailure',
        );
      }
    }
  };

  const handleQuery = (request: IncomingMessage, response: ServerResponse, body: string) => {
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    count(`sts:${action}`);
    let status = 200;
    let xml: string;
    try {
      guard({
        service: 'sts',
        operation: action,
        input: Object.fromEntries(params),
        region: regionOf(request, options.defaultRegion),
        accessKeyId: accessKeyOf(request),
      });
      xml = handleSts(action, params);
    } catch (error) {
      if (!(error instanceof SandboxAwsError)) throw error;
      status = error.status;
      xml = stsErrorXml(error);
    }
    response.writeHead(status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': hexId(16) }).end(xml);
  };

  const extraRoute = async (request: IncomingMessage, response: ServerResponse, path: string, body: string) => {
    for (const route of options.routes ?? []) {
      const answer = await route({ method: request.method ?? 'GET', path, body, headers: request.headers });
      if (!answer) continue;
      const headers = { 'Content-Type': 'application/json', ...answer.headers };
      response
        .writeHead(answer.status, headers)
        .end(
          answer.body === undefined
            ? undefined
            : typeof answer.body === 'string'
              ? answer.body
              : JSON.stringify(answer.body),
        );
      return true;
    }
    return false;
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      const target = request.headers['x-amz-target'];
      try {
        if (await extraRoute(request, response, path, body)) return;
      } catch (error) {
        console.error(`sandbox: ${request.method} ${path} failed`, error);
        const status = error instanceof SandboxAwsError ? error.status : 500;
        const type = error instanceof SandboxAwsError ? error.type : 'InternalFailure';
        response
          .writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type })
          .end(JSON.stringify({ __type: type, message: (error as Error).message }));
        return;
      }
      if (request.method === 'GET' && path === '/_sandbox/stats') {
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(stats()));
      } else if (request.method === 'POST' && path === '/_sandbox/reset-stats') {
        calls = {};
        throttled = {};
        response.writeHead(204).end();
      } else if (request.method === 'POST' && typeof target === 'string') {
        void handleJson(request, response, target, body);
      } else if (
        request.method === 'POST' &&
        (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      ) {
        try {
          handleQuery(request, response, body);
        } catch (error) {
          console.error('sandbox: STS call failed', error);
          response.writeHead(500).end();
        }
      } else {
        response
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end(
            JSON.stringify({ __type: 'UnknownOperationException', message: `No route for ${request.method} ${path}` }),
          );
      }
    });
  });
  const port = await listen(server, options.port);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats,
    resetStats: () => {
      calls = {};
      throttled = {};
    },
    close: () => closeServer(server),
  };
}
