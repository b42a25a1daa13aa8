import { confirmSha, probeSha, shaFromServerHeader } from '../../../lambdas/shared/verify/probe';
import { closeAll, hangingServer, serverAnswering, startServer } from './http-fixtures';
import { GITSHA, OLD_SHA } from './round-fixtures';

const options = { fetch, timeoutMs: 1000 };

afterAll(closeAll);

describe('shaFromServerHeader', () => {
  test.each([
    { header: 'api-1a2b3c4', sha: '1a2b3c4' },
    { header: 'my-long-service-name-1a2b3c4d', sha: '1a2b3c4d' },
    { header: '1a2b3c4', sha: '1a2b3c4' },
    { header: 'api-', sha: '' },
    { header: 'api-1a2b3c4 ', sha: '1a2b3c4' },
  ])('"$header" → "$sha"', ({ header, sha }) => {
    expect(shaFromServerHeader(header)).toBe(sha);
  });
});

describe('probeSha', () => {
  it('reads the SHA after the last dash of the Server header', async () => {
    const server = await serverAnswering('payments-api', () => GITSHA);
    await expect(probeSha(`${server.url}/ping`, options)).resolves.toEqual({ sha: GITSHA });
  });

  it('reads the trimmed body when there is no Server header, as the original did', async () => {
    const server = await startServer((_, response) => {
      response.removeHeader('server');
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`  ${GITSHA}\n`);
    });
    await expect(probeSha(server.url, options)).resolves.toEqual({ sha: GITSHA });
  });

  it('gives up on a server that never answers within the timeout', async () => {
    const server = await hangingServer();
    await expect(probeSha(server.url, { fetch, timeoutMs: 200 })).resolves.toEqual({
      error: 'no answer within 200 ms',
    });
  });

  it('reports a refused connection as not answering, not as an exception', async () => {
    const server = await startServer(() => undefined);
    const { url } = server;
    await new Promise<void>((resolve) => server.server.close(() => resolve()));
    const result = await probeSha(url, options);
    expect(result).toEqual({ error: expect.stringMatching(/fetch failed/) });
  });

  it('treats an error status as not live', async () => {
    const server = await startServer((_, response) => {
      response.writeHead(503, { server: `api-${GITSHA}` }).end();
    });
    await expect(probeSha(server.url, options)).resolves.toEqual({ error: 'HTTP 503' });
  });

  it('follows a redirect on the same host', async () => {
    const server = await startServer((request, response) => {
      if (request.url === '/ping') response.writeHead(302, { location: '/health' }).end();
      else response.writeHead(200, { server: `api-${GITSHA}` }).end();
    });
    await expect(probeSha(`${server.url}/ping`, options)).resolves.toEqual({ sha: GITSHA });
    expect(server.requests).toBe(2);
  });

  it('does not follow a redirect to another host', async () => {
    const elsewhere = await serverAnswering('elsewhere', () => GITSHA);
    const server = await startServer((_, response) => {
      // localhost and 127.0.0.1 are the same machine but not the same host name.
      response.writeHead(301, { location: `http://localhost:${elsewhere.port}/` }).end();
    });
    const result = await probeSha(server.url, options);
    expect(result).toEqual({ error: `redirects to another host (localhost:${elsewhere.port})` });
    expect(elsewhere.requests).toBe(0);
  });

  it('stops after a few redirects', async () => {
    const server = await startServer((_, response) => {
      response.writeHead(302, { location: '/again' }).end();
    });
    await expect(probeSha(server.url, { ...options, maxRedirects: 3 })).resolves.toEqual({
      error: 'more than 3 redirects',
    });
    expect(server.requests).toBe(4);
  });
});

describe('confirmSha', () => {
  it('calls a service live after requiredMatches matching answers in a row', async () => {
    const server = await serverAnswering('api', () => GITSHA.slice(0, 7));
    await expect(confirmSha(server.url, GITSHA, 3, options)).resolves.toEqual({ live: true });
    expect(server.requests).toBe(3);
  });

  it('does not count one matching answer as live while old tasks still answer', async () => {
    let request = 0;
    // A load balancer halfway through a rollout: new, old, new, old…
    const server = await serverAnswering('api', () => (request++ % 2 === 0 ? GITSHA : OLD_SHA));
    await expect(confirmSha(server.url, GITSHA, 3, options)).resolves.toEqual({
      live: false,
      reason: `reports ${OLD_SHA}, expected ${GITSHA}`,
    });
    expect(server.requests).toBe(2);
  });

  it('is not live when the service stops answering partway', async () => {
    let request = 0;
    const server = await startServer((_, response) => {
      request += 1;
      if (request === 1) response.writeHead(200, { server: `api-${GITSHA}` }).end();
      // Later requests hang.
    });
    await expect(confirmSha(server.url, GITSHA, 3, { fetch, timeoutMs: 200 })).resolves.toEqual({
      live: false,
      reason: 'no answer within 200 ms',
    });
  });
});
