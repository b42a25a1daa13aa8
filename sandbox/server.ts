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

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** For requests whose signature names no region. */
  defaultRegion: string;
  ecs: JsonService;
  events: JsonService;
  /** Until one is given, Step Functions calls answer UnknownOperationException. */
  stepFunctions?: StepFunctionsHandler;
  /** Answers this fraction of ECS and EventBridge calls with ThrottlingException. */
  throttle?: { fraction: number; random: () => number };
}

export interface SandboxServer {
  endpoint: string;
  port: number;
  stats(): SandboxStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface JsonRoute {
  service: 'ecs' | 'events' | 'states';
  contentType: string;
  throttled: boolean;
}

// x-amz-target prefixes of the JSON protocols, and the IAM prefix each call is counted under.
const JSON_ROUTES: Record<string, JsonRoute> = {
  AmazonEC2ContainerServiceV20141113: { service: 'ecs', contentType: 'application/x-amz-json-1.1', throttled: true },
  AWSEvents: { service: 'events', contentType: 'application/x-amz-json-1.1', throttled: true },
  AWSStepFunctions: { service: 'states', contentType: 'application/x-amz-json-1.0', throttled: false },
};

const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/[^/,\s]+\/aws4_request/;

/** The region of a SigV4-signed request: its credential scope names it. */
export function regionOf(request: IncomingMessage, fallback: string): string {
  const authorization = request.headers.authorization ?? '';
  return CREDENTIAL_SCOPE.exec(authorization)?.[1] ?? fallback;
}

/**
 * One loopback HTTP server speaking AWS's wire protocols: JSON 1.1 (ECS, EventBridge), JSON 1.0
 * (Step Functions) and query (STS), plus `GET /_sandbox/stats` and `POST /_sandbox/reset-stats`.
 */
export async function startServer(options: ServerOptions): Promise<SandboxServer> {
  let calls: Record<string, number> = {};
  let throttled: Record<string, number> = {};
  const count = (name: string, into = calls) => {
    into[name] = (into[name] ?? 0) + 1;
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
      if (route.throttled && options.throttle && options.throttle.random() < options.throttle.fraction) {
        count(`${route.service}:${operation}`, throttled);
        throw new SandboxAwsError('ThrottlingException', 'Rate exceeded');
      }
      let input: unknown;
      try {
        input = body.trim() === '' ? {} : JSON.parse(body);
      } catch (error) {
        throw new SandboxAwsError('SerializationException', `Request body is not JSON: ${(error as Error).message}`);
      }
      const region = regionOf(request, options.defaultRegion);
      const service =
        route.service === 'ecs' ? options.ecs : route.service === 'events' ? options.events : options.stepFunctions;
      if (!service)
        throw new SandboxAwsError('UnknownOperationException', `Step Functions is not running: ${operation}.`);
      send(200, (await service.handle(operation, input, region)) ?? {});
    } catch (error) {
      if (error instanceof SandboxAwsError) {
        send(error.status, { __type: error.type, message: error.message }, error.type);
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

  const handleQuery = (response: ServerResponse, body: string) => {
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    count(`sts:${action}`);
    let status = 200;
    let xml: string;
    try {
      xml = handleSts(action, params);
    } catch (error) {
      if (!(error instanceof SandboxAwsError)) throw error;
      status = error.status;
      xml = stsErrorXml(error);
    }
    response.writeHead(status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': hexId(16) }).end(xml);
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (request.url ?? '/').split('?')[0];
      const target = request.headers['x-amz-target'];
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
          handleQuery(response, body);
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
