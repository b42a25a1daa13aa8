/**
 * The Lambda "runtime" that runs inside each function's worker thread, as source text: a worker
 * started from a file path would break once the sandbox is bundled into the CLI, and jest would not
 * transform it anyway. It loads the bundle once (the cold start), then answers invoke messages
 * with `handler(event, context)`'s JSON result or the error in Lambda's `{errorType, errorMessage,
 * trace}` shape.
 *
 * `unreachable` lists the `host:port`s this function's network cannot reach (private load
 * balancers, for a function outside the VPC): a connection to one is never established, as a SYN
 * to an unroutable private IP goes unanswered. The socket stays connecting until the caller's own
 * timeout (or the function's) gives up, else fails ETIMEDOUT after Linux's default SYN retries
 * (net.ipv4.tcp_syn_retries = 6: about 127 s). Every client (http, https, fetch) connects
 * through net.Socket.prototype.connect, so that is where the route is missing.
 */
export const LAMBDA_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const path = require('node:path');

const { entry, exportName, functionName, functionArn, memorySize, unreachable } = workerData;
let loaded;

const SYN_TIMEOUT_MS = 127000;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1']);

function blockUnreachable(addresses) {
  if (!addresses || addresses.length === 0) return;
  const blocked = new Set(addresses);
  const net = require('node:net');
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    // net.connect passes its normalized [options, callback] array; user code passes (options, cb)
    // or (port, host, cb).
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
    // An IPC pipe has a path and no port; http's agent passes the request's path too, with a port.
    if (options.port === undefined || options.port === null) return connect.apply(this, args);
    const host = typeof options.host === 'string' ? options.host : 'localhost';
    const key = (LOOPBACK.has(host) ? '127.0.0.1' : host) + ':' + Number(options.port);
    if (!blocked.has(key)) return connect.apply(this, args);
    this.connecting = true;
    const socket = this;
    const timer = setTimeout(() => {
      const error = new Error('connect ETIMEDOUT ' + key);
      Object.assign(error, { code: 'ETIMEDOUT', errno: -110, syscall: 'connect', address: host, port: Number(options.port) });
      socket.destroy(error);
    }, SYN_TIMEOUT_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };
}
blockUnreachable(unreachable);

function runtimeError(errorType, errorMessage) {
  const error = new Error(errorMessage);
  error.name = errorType;
  return error;
}

function loadHandler() {
  loaded ??= (async () => {
    let mod;
    try {
      mod = entry.endsWith('.mjs') ? await import(pathToFileURL(entry).href) : require(entry);
    } catch (error) {
      throw runtimeError('Runtime.ImportModuleError', 'Error: ' + (error && error.message));
    }
    const handler = mod[exportName] ?? (mod.default && mod.default[exportName]);
    if (typeof handler !== 'function') {
      const module = path.basename(entry).replace(/\.[cm]?js$/, '');
      throw runtimeError('Runtime.HandlerNotFound', module + '.' + exportName + ' is undefined or not exported');
    }
    return handler;
  })();
  return loaded;
}

function toLambdaError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: String(error.stack || '').split('\n'),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

parentPort.on('message', async ({ id, requestId, payload, deadline }) => {
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memorySize),
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/' + functionName,
    logStreamName: new Date().toISOString().slice(0, 10).replace(/-/g, '/') + '/[$LATEST]' + requestId.replace(/-/g, ''),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const handler = await loadHandler();
    const result = await handler(JSON.parse(payload), context);
    parentPort.postMessage({ id, ok: true, payload: JSON.stringify(result === undefined ? null : result) });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: toLambdaError(error) });
  }
});
`;
