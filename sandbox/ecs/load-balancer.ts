import { createServer, request as httpRequest } from 'node:http';
import { closeServer, listen } from '../http-util';
import type { ServiceRecord, TaskRecord } from './model';
import { serving } from './rollout';

export interface LoadBalancer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A service's load balancer on 127.0.0.1: round-robin over the service's RUNNING, healthy tasks
 * that are not draining, proxying to the task's server (which learns the task id from
 * `x-sandbox-task`). 503 when no task is in service, as an ALB with no healthy targets.
 */
export async function startLoadBalancer(port: number, service: () => ServiceRecord | undefined): Promise<LoadBalancer> {
  let next = 0;
  const pick = (): TaskRecord | undefined => {
    const targets = (service()?.tasks ?? []).filter((t) => serving(t) && t.port !== undefined);
    if (targets.length === 0) return undefined;
    next = (next + 1) % targets.length;
    return targets[next];
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
