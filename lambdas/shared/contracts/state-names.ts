/**
 * The state names the Lambda steps read in an execution's history (the execution guard, a
 * restore): here, in the steps' contracts, so they bundle this string and not lib/'s whole table
 * (lib/state-names.ts), which takes it from here.
 */
export const PREPARE_STATE_NAME = 'Prepare Deployment';
