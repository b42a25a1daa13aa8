import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Real HTTP servers on 127.0.0.1 for the prober tests; every one is closed by `closeAll`. */

export interface TestServer {
  server: Server;
  port: number;
  url: string;
  requests: number;
}

const started: TestServer[] = [];

export async function startServer(listener: RequestListener): Promise<TestServer> {
  const entry = { requests: 0 } as TestServer;
  const server = createServer((request, response) => {
    entry.requests += 1;
    listener(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(entry, { server, port, url: `http://127.0.0.1:${port}` });
  started.push(entry);
  return entry;
}

/** A server answering `Server: <name>-<sha>` with whatever `shas` yields for each request. */
export function serverAnswering(name: string, shas: () => string): Promise<TestServer> {
  return startServer((_, response) => {
    response.writeHead(200, { server: `${name}-${shas()}` }).end('ok');
  });
}

/** A server that accepts requests and never answers. */
export function hangingServer(): Promise<TestServer> {
  return startServer(() => undefined);
}

export async function closeAll(): Promise<void> {
  await Promise.all(
    started.splice(0).map(
      ({ server }) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
}
