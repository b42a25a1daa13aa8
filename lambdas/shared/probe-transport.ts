import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { FetchLike } from './probe-http';

/**
 * The probe's HTTP client: `fetch` over node:http(s), which, unlike the global fetch, can tell a
 * connection that was never established (a private address outside the probe's network, a name
 * that does not resolve, a refused port) from a server that connected and did not answer.
 */

/** The probe never got a connection to the url's host. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    /** Why, in words: "connect timeout", "DNS lookup failed (ENOTFOUND)", "connection refused". */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot connect: ${reason}`, options);
  }
}

const CONNECT_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'DNS lookup failed (ENOTFOUND)',
  EAI_AGAIN: 'DNS lookup failed (EAI_AGAIN)',
  ETIMEDOUT: 'connect timeout',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
};

/** The words for a socket error that means no connection was made, or null. */
export function connectFailureReason(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? (CONNECT_REASONS[code] ?? null) : null;
}

export const nodeFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    let connected = false;
    const request = client.request(
      target,
      { method: 'GET', headers: init.headers as Record<string, string>, signal: init.signal ?? undefined },
      (response) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          for (const item of [value ?? []].flat()) headers.append(name, item);
        }
        const status = response.statusCode ?? 500;
        const empty = status === 204 || status === 304;
        if (empty) response.resume();
        resolve(new Response(empty ? null : (Readable.toWeb(response) as ReadableStream), { status, headers }));
      },
    );
    request.on('socket', (socket: Socket) => {
      // A kept-alive socket is connected already.
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    request.on('error', (error) => {
      // Never connected: a timeout (the caller's abort) or a socket error before the handshake.
      if (!connected) {
        const reason = connectFailureReason(error) ?? (init.signal?.aborted ? 'connect timeout' : null);
        if (reason !== null) return reject(new ConnectError(reason, { cause: error }));
      }
      reject(error);
    });
    request.end();
  });
