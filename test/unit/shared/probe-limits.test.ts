import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { cannotReach, MAX_BODY_BYTES, nodeFetch, probeSha } from '../../../lambdas/shared/verify/probe';
import { closeAll, hangingServer, serverAnswering, startServer } from './http-fixtures';
import { GITSHA } from './round-fixtures';

const options = { fetch: nodeFetch, timeoutMs: 1000 };

afterAll(closeAll);

describe('probeSha over the probe transport (node:http)', () => {
  it('reads the SHA of a Server header', async () => {
    const server = await serverAnswering('api', () => GITSHA);
    await expect(probeSha(`${server.url}/ping`, options)).resolves.toEqual({ sha: GITSHA });
  });

  it('reads at most a few KB of a huge body, and still answers', async () => {
    let written = 0;
    const server = await startServer((_, response) => {
      response.removeHeader('server');
      response.writeHead(200, { 'content-type': 'text/plain' });
      // 400 MB if anyone read it all; the probe stops after MAX_BODY_BYTES.
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const write = () => {
        while (written < 400 * 1024 * 1024) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', write);
        }
        response.end();
      };
      response.on('close', () => response.destroy());
      write();
    });
    const result = await probeSha(server.url, options);
    expect(result).toEqual({ sha: 'a'.repeat(MAX_BODY_BYTES) });
    expect(written).toBeLessThan(50 * 1024 * 1024);
  });

  it('reads the SHA from a small body as before', async () => {
    const server = await startServer((_, response) => {
      response.removeHeader('server');
      response.writeHead(200).end(`${GITSHA}\n`);
    });
    await expect(probeSha(server.url, options)).resolves.toEqual({ sha: GITSHA });
  });

  it('says a refused port cannot be reached from the probe', async () => {
    const server = await startServer(() => undefined);
    const { url } = server;
    await new Promise<void>((resolve) => server.server.close(() => resolve()));
    await expect(probeSha(`${url}/ping`, options)).resolves.toEqual({
      error: cannotReach(`${url}/ping`, 'connection refused'),
      unreachable: true,
    });
  });

  it('says a name that does not resolve cannot be reached from the probe', async () => {
    const url = 'http://api.gehen-test.invalid/ping';
    const result = await probeSha(url, options);
    expect(result).toEqual({
      error: expect.stringMatching(
        /^cannot reach http:\/\/api\.gehen-test\.invalid\/ping from the probe \(DNS lookup failed/,
      ),
      unreachable: true,
    });
  });

  it('says an address that never accepts a connection cannot be reached, naming the fix', async () => {
    // TEST-NET-1 (RFC 5737): routed nowhere, so a connect never completes (or fails at once).
    const url = 'http://192.0.2.1:81/ping';
    const result = await probeSha(url, { fetch: nodeFetch, timeoutMs: 300 });
    expect(result).toEqual({
      error: expect.stringMatching(
        /^cannot reach http:\/\/192\.0\.2\.1:81\/ping from the probe \((connect timeout|network unreachable|no route to host|connection refused)\): if it is private, give the probe a VPC$/,
      ),
      unreachable: true,
    });
  });

  it('tells a server that connected and never answered apart from one never reached', async () => {
    const server = await hangingServer();
    await expect(probeSha(server.url, { fetch: nodeFetch, timeoutMs: 200 })).resolves.toEqual({
      error: 'no answer within 200 ms',
    });
  });
});

describe('redirects', () => {
  it('never follows a redirect from https to http', async () => {
    // A self-signed https server is not needed: the first answer is the redirect, read by a fake.
    const fetchRedirect = async (url: string) =>
      url.startsWith('https:')
        ? new Response(null, { status: 301, headers: { location: url.replace('https:', 'http:') } })
        : new Response(GITSHA, { status: 200 });
    await expect(probeSha('https://api.example.com/ping', { fetch: fetchRedirect })).resolves.toEqual({
      error: 'redirects from https to http (http://api.example.com/ping)',
    });
  });

  it('still follows http to https on the same host', async () => {
    const fetchRedirect = async (url: string) =>
      url.startsWith('http:')
        ? new Response(null, { status: 301, headers: { location: url.replace('http:', 'https:') } })
        : new Response(null, { status: 200, headers: { server: `api-${GITSHA}` } });
    await expect(probeSha('http://api.example.com/ping', { fetch: fetchRedirect })).resolves.toEqual({ sha: GITSHA });
  });
});

// Keeps the https import honest: the transport speaks https through node:https.
test('the transport chooses node:https for https urls', async () => {
  const server = createHttpsServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // No certificate: the TLS handshake fails after the connection is made, so it is reachable.
  const result = await probeSha(`https://127.0.0.1:${port}/`, options);
  server.close();
  expect(result).not.toHaveProperty('unreachable');
  expect(result).toHaveProperty('error');
});
