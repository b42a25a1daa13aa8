import type { Server } from 'node:http';

/** Listens on 127.0.0.1 and resolves the bound port (0 picks a free one). */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`server on port ${port} has no TCP address`));
        return;
      }
      resolve(address.port);
    });
  });
}

/** Closes a server and every connection it holds (keep-alive sockets included). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
