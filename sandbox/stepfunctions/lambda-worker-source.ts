/**
 * The Lambda "runtime" that runs inside each function's worker thread, as source text: a worker
 * started from a file path would break once the sandbox is bundled into the CLI, and jest would not
 * transform it anyway. It loads the bundle once (the cold start), then answers invoke messages
 * with `handler(event, context)`'s JSON result or the error in Lambda's `{errorType, errorMessage,
 * trace}` shape.
 */
export const LAMBDA_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const path = require('node:path');

const { entry, exportName, functionName, functionArn, memorySize } = workerData;
let loaded;

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
