import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { shaMatches } from './round';

/**
 * The HTTP side of Probe New Version: one GET per probe, bounded in time and in the bytes read,
 * never following a redirect to another host or from https to http, reading the SHA the way the
 * original gehen did.
 */

/** What the prober needs of `fetch`; the global one fits. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface ProbeOptions {
  fetch: FetchLike;
  /** Per probe, redirects and body included. @default 5000 */
  timeoutMs?: number;
  /** Same-host redirects followed before giving up. @default 3 */
  maxRedirects?: number;
}

/** `unreachable`: no connection was ever made (private address, DNS, refused). */
export type ProbeResult = { sha: string } | { error: string; unreachable?: true };

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;
const DEFAULT_MAX_REDIRECTS = 3;
/**
 * The most of a body read for the SHA: a SHA is 40 characters, and a page of hundreds of MB read
 * whole would crash the function (and roll back a healthy deployment).
 */
export const MAX_BODY_BYTES = 4096;

/** What a round reports for a url the probe never connected to. */
export function cannotReach(url: string, reason: string): string {
  return `cannot reach ${url} from the probe (${reason}): if it is private, give the probe a VPC`;
}

/** The part of a `Server` header after its last '-': `api-1a2b3c4` → `1a2b3c4`. */
export function shaFromServerHeader(server: string): string {
  return server.slice(server.lastIndexOf('-') + 1).trim();
}

/**
 * GETs `url` once and reads the SHA it reports: from the `Server` header, else the trimmed body.
 * Network errors, timeouts and non-2xx answers are results, not exceptions: a service that does
 * not answer yet is not live this round, which is not a deployment failure.
 */
export async function probeSha(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const origin = new URL(url);
  let current = origin;
  try {
    for (let hop = 0; ; hop++) {
      const response = await options.fetch(current.href, { redirect: 'manual', signal, headers: { accept: '*/*' } });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        const target = new URL(location, current);
        if (target.hostname !== origin.hostname) return { error: `redirects to another host (${target.host})` };
        // Never downgrade: the answer would come over plain http, readable and forgeable on the way.
        if (current.protocol === 'https:' && target.protocol !== 'https:') {
          return { error: `redirects from https to ${target.protocol.slice(0, -1)} (${target.href})` };
        }
        if (hop >= maxRedirects) return { error: `more than ${maxRedirects} redirects` };
        current = target;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        return { error: `HTTP ${response.status}` };
      }
      const server = response.headers.get('server');
      if (server) {
        await response.body?.cancel();
        return { sha: shaFromServerHeader(server) };
      }
      return { sha: (await readPrefix(response, MAX_BODY_BYTES)).trim() };
    }
  } catch (error) {
    const unreachable = error instanceof ConnectError ? error.reason : connectFailureReason(causeOf(error));
    if (unreachable !== null) return { error: cannotReach(url, unreachable), unreachable: true };
    if (signal.aborted) return { error: `no answer within ${options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS} ms` };
    return { error: describeFetchError(error) };
  }
}

/** The first `limit` bytes of the body as text; the rest is never read. */
async function readPrefix(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** undici hides the socket error (ECONNREFUSED, ENOTFOUND…) in `cause`. */
function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}

export type Confirmation = { live: true } | { live: false; reason: string; unreachable?: true };

export interface ConfirmOptions extends ProbeOptions {
  /**
   * Asked before each probe: false when the round has no time left for one. The service is then
   * not confirmed this round — not live, not failed. @default always true
   */
  mayStartProbe?: () => boolean;
}

/**
 * Sends up to `requiredMatches` probes back to back and calls the service live only when every
 * one of them reports the expected SHA: one lucky answer from a half-rolled-out load balancer
 * is not enough, and confirming within the round costs no extra poll rounds.
 */
export async function confirmSha(
  url: string,
  expectedSha: string,
  requiredMatches: number,
  options: ConfirmOptions,
): Promise<Confirmation> {
  for (let attempt = 1; attempt <= requiredMatches; attempt++) {
    if (options.mayStartProbe && !options.mayStartProbe()) {
      return { live: false, reason: `round out of time after ${attempt - 1} matching answer(s)` };
    }
    const result = await probeSha(url, options);
    if ('error' in result)
      return { live: false, reason: result.error, ...(result.unreachable && { unreachable: true }) };
    if (!shaMatches(expectedSha, result.sha)) {
      return { live: false, reason: `reports ${result.sha.slice(0, 40) || 'nothing'}, expected ${expectedSha}` };
    }
  }
  return { live: true };
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici hides the socket error (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

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
