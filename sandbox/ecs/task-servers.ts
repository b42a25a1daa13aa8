import { createServer, type Server } from 'node:http';
import { closeServer, listen } from '../http-util';

interface Entry {
  server: Server;
  port: Promise<number>;
  refs: number;
}

/**
 * The HTTP servers tasks answer on. Tasks that report the same `<service>-<tag>` share one
 * loopback server (the answer is the same; the load balancer passes the task id along in
 * `x-sandbox-task`, which the server echoes), so a 200-task service costs one socket, not 200.
 * A server starts with its first task and closes with its last.
 */
export class TaskServers {
  private readonly entries = new Map<string, Entry>();

  acquire(service: string, tag: string): Promise<number> {
    const key = `${service}-${tag}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const server = createServer((request, response) => {
        request.resume();
        const task = request.headers['x-sandbox-task'];
        response.writeHead(200, {
          Server: key,
          'Content-Type': 'text/plain',
          ...(typeof task === 'string' ? { 'x-sandbox-task': task } : {}),
        });
        response.end(`${key}\n`);
      });
      const port = listen(server, 0);
      // A failed listen surfaces where the port is awaited (the load balancer answers 502).
      port.catch(() => undefined);
      entry = { server, port, refs: 0 };
      this.entries.set(key, entry);
    }
    entry.refs += 1;
    return entry.port;
  }

  release(service: string, tag: string): void {
    const key = `${service}-${tag}`;
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.refs -= 1;
    if (entry.refs > 0) return;
    this.entries.delete(key);
    void closeServer(entry.server);
  }

  async close(): Promise<void> {
    const servers = [...this.entries.values()].map((entry) => entry.server);
    this.entries.clear();
    await Promise.all(servers.map(closeServer));
  }
}
