// Apart from clients.ts so the steps that make their own client (Notify, Prepare) stay small.

/**
 * Every client's socket limits (the SDK has none by default): a call that cannot connect within
 * CONNECTION_TIMEOUT_MS, or gets no answer within REQUEST_TIMEOUT_MS, fails as a TimeoutError,
 * which the SDK retries (maxAttempts) and gehen then treats as transient (TransientAwsError, retried
 * by the workflow). Three attempts of 3 + 6 s stay well inside the shortest step timeout (30 s), so
 * a hung connection is retried instead of timing the step out, which would roll the deployment back.
 * The shorthand `requestHandler` options: https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-maxsockets.html
 * (since @smithy/node-http-handler 4.4 a requestTimeout only warns unless throwOnRequestTimeout is set).
 */
export const CONNECTION_TIMEOUT_MS = 3000;
export const REQUEST_TIMEOUT_MS = 6000;
const MAX_ATTEMPTS = 3;

/** The configuration every gehen client starts from. */
export const CLIENT_DEFAULTS = {
  maxAttempts: MAX_ATTEMPTS,
  requestHandler: {
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true,
  },
} as const;
