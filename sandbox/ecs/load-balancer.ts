import { createServer, request as httpRequest } from 'node:http';
import { closeServer, listen } from '../http-util';
import type { ServiceRecord, TaskRecord } from './model';
import { inProgress } from './service-deployment-records';
import { serving } from './task-state';
import type { Listener, TrafficLog } from './traffic-log';

export interface LoadBalancer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenerOptions {
  /** Which listener this is: during a staged deployment each sends its own share to green. @default production */
  listener?: Listener;
  /** Counts what it served. */
  log?: TrafficLog;
}

/**
 * A service's load balancer listener on 127.0.0.1: round-robin over the service's RUNNING, healthy
 * tasks that are not draining, proxying to the task's server (which learns the task id from
 * `x-sandbox-task`). 503 when no task is in service, as an ALB with no healthy targets. During a
 * BLUE_GREEN, LINEAR or CANARY deployment the listener forwards to two target groups, blue and
 * green, with the deployment's weights (ServiceRevisionSummary.requestedProductionTrafficWeight and
 * requestedTestTrafficWeight); requests are spread so that exactly that share goes to green.
 */
export async function startLoadBalancer(
  port: number,
  service: () => ServiceRecord | undefined,
  options: ListenerOptions = {},
): Promise<LoadBalancer> {
  const listener = options.listener ?? 'production';
  let next = 0;
  let requests = 0;
  const pick = (): TaskRecord | undefined => {
    const current = service();
    const all = (current?.tasks ?? []).filter((t) => serving(t) && t.port !== undefined);
    const record = current?.serviceDeployments[0];
    let targets = all;
    if (record?.stage && inProgress(record)) {
      const weight = listener === 'production' ? record.productionWeight : record.testWeight;
      const n = requests;
      requests += 1;
      const green = weight >= 100 || Math.floor(((n + 1) * weight) / 100) > Math.floor((n * weight) / 100);
      targets = all.filter((t) => (t.deployment === record.target) === green);
    }
    if (targets.length === 0) return undefined;
    next = (next + 1) % targets.length;
    const task = targets[next];
    if (task && current) options.log?.record(current.name, listener, task.tag);
    return task;
  };
  const server = createServer(async (request, response) => {
    const task = pick();
    if (!task?.port) {
      request.resume();
      response.writeHead(503, { 'Content-Type': 'text/plain' }).end('503 Service Unavailable: no healthy targets\n');
      return;
    }
    let targetPort: number;
    try {
      targetPort = await task.port;
    } catch {
      request.resume();
      response.writeHead(502, { 'Content-Type': 'text/plain' }).end('502 Bad Gateway\n');
      return;
    }
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: targetPort,
        agent: false,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, 'x-sandbox-task': task.id },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'Content-Type': 'text/plain' });
      response.end('502 Bad Gateway\n');
    });
    request.pipe(upstream);
  });
  const bound = await listen(server, port);
  return { url: `http://127.0.0.1:${bound}`, port: bound, close: () => closeServer(server) };
}
