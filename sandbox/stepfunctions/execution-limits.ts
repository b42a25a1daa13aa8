/**
 * Step Functions' hard limits on one execution, as AWS documents them
 * (https://docs.aws.amazon.com/step-functions/latest/dg/limits.html).
 */

/** A state's input or output, or a Task's result: 256 KiB of UTF-8 JSON. */
export const MAX_PAYLOAD_BYTES = 262_144;

/**
 * `cause` in ExecutionFailed, LambdaFunctionFailed, TaskFailed… details: "Maximum length of 32768"
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionFailedEventDetails.html).
 */
export const MAX_CAUSE_CHARS = 32_768;

/**
 * Events in one execution's history (https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html).
 * The 25,000th is the ExecutionFailed that ends it, with States.Runtime and the cause below, as
 * seen on AWS (loads/ardere#86; floci-io/floci#2734 shows event 25,000 is the failure itself).
 */
export const MAX_HISTORY_EVENTS = 25_000;
export const HISTORY_LIMIT_ERROR = 'States.Runtime';
export const HISTORY_LIMIT_CAUSE = `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`;

/**
 * `States.DataLimitExceeded`: fails the execution whatever its Catch and Retry say
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). The runner
 * reads `isRetryable` / `isCatchable` before matching `ErrorEquals`, `States.ALL` included.
 */
export const DATA_LIMIT_ERROR = 'States.DataLimitExceeded';

export class DataLimitExceededError extends Error {
  override readonly name = DATA_LIMIT_ERROR;
  readonly isRetryable = false;
  readonly isCatchable = false;
}

/** AWS's cause, as users meet it (NASA-IMPACT/csdap-cumulus#296: a Lambda Task's result). */
export function dataLimitCause(what: string, subject: 'returned a result' | 'has an input' | 'has an output'): string {
  return `The state/task '${what}' ${subject} with a size exceeding the maximum number of bytes service limit.`;
}

/** Throws DataLimitExceededError when `value`, as JSON, is over 256 KiB. */
export function checkPayload(value: unknown, what: string, subject: Parameters<typeof dataLimitCause>[1]): void {
  if (jsonByteLength(value, MAX_PAYLOAD_BYTES) > MAX_PAYLOAD_BYTES) {
    throw new DataLimitExceededError(dataLimitCause(what, subject));
  }
}

export function truncateCause(cause: string): string {
  return cause.length > MAX_CAUSE_CHARS ? cause.slice(0, MAX_CAUSE_CHARS) : cause;
}

/**
 * The UTF-8 byte length of `JSON.stringify(value)`, counted without building the text, and given
 * up once past `budget` (it then returns a number over the budget): checking every state of an
 * execution costs at most 256 KiB of walking each, whatever the size of what is checked.
 */
export function jsonByteLength(value: unknown, budget = Number.POSITIVE_INFINITY): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= budget) {
    const item = stack.pop();
    if (typeof item === 'string') total += stringBytes(item, budget - total);
    else if (typeof item === 'number') total += Number.isFinite(item) ? String(item).length : 4;
    else if (typeof item === 'boolean') total += item ? 4 : 5;
    else if (item === null) total += 4;
    else if (Array.isArray(item)) {
      total += 2 + Math.max(0, item.length - 1); // brackets and commas
      for (let i = item.length - 1; i >= 0; i--) stack.push(item[i] === undefined ? null : item[i]);
    } else if (typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>).filter(([, v]) => v !== undefined);
      total += 2 + Math.max(0, entries.length - 1);
      for (const [key, field] of entries) {
        total += stringBytes(key, budget - total) + 1; // the key and its colon
        stack.push(field);
      }
    }
  }
  return total;
}

/** Bytes of a JSON string literal (quotes and escapes included), stopping once past `budget`. */
function stringBytes(text: string, budget: number): number {
  let bytes = 2;
  for (let i = 0; i < text.length && bytes <= budget; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) bytes += 2;
    else if (code < 0x20)
      bytes += code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff)
      bytes += 6; // a lone surrogate: JSON.stringify escapes it
    else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
