import { randomBytes } from 'node:crypto';
import { paginateListStateMachines, SFNClient } from '@aws-sdk/client-sfn';
import { regionOfArn } from '../lambdas/shared/aws/arn';
import { STATE_MACHINE_NAME } from '../lib/state-names';
import { CliError } from './exit-codes';

/** An execution's ARN, in any partition: what `gehen status` and `gehen redrive` take. */
export const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

/** Flags every AWS-calling command takes; the SDK's standard resolution fills in the rest. */
export interface AwsOptions {
  region?: string;
  endpoint?: string;
}

/**
 * A Step Functions client. An ARN names its region, so it wins; else --region, else the SDK's
 * resolution (AWS_REGION, the profile). The endpoint: --endpoint, else the SDK's (AWS_ENDPOINT_URL).
 */
export function sfnClient(options: AwsOptions, arn?: string | null): SFNClient {
  const region = (arn ? regionOfArn(arn, 'states') : null) ?? options.region;
  return new SFNClient({
    ...(region ? { region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: 5,
  });
}

/** The region the SDK resolved for `client`, or null when none is configured anywhere. */
export async function resolvedRegion(client: SFNClient): Promise<string | null> {
  try {
    return await client.config.region();
  } catch {
    return null;
  }
}

/** The state machine: --state-machine, GEHEN_STATE_MACHINE_ARN, `stateMachineArn:` in gehen.yml, or by name. */
export async function resolveStateMachineArn(
  sources: { flag?: string; env?: string; file: string | null },
  options: AwsOptions,
): Promise<string> {
  const given = sources.flag || sources.env || sources.file;
  if (given) return given;
  const client = sfnClient(options);
  const region = await resolvedRegion(client);
  if (!region) {
    throw new CliError(
      `cannot find the ${STATE_MACHINE_NAME} state machine: no AWS region (pass --region or --state-machine, or set AWS_REGION)`,
    );
  }
  return findStateMachineByName(client, STATE_MACHINE_NAME, region);
}

export async function findStateMachineByName(client: SFNClient, name: string, region: string): Promise<string> {
  try {
    for await (const page of paginateListStateMachines({ client, pageSize: 1000 }, {})) {
      const found = page.stateMachines?.find((machine) => machine.name === name);
      if (found?.stateMachineArn) return found.stateMachineArn;
    }
  } catch (error) {
    throw new CliError(`failed to list state machines in ${region}: ${describe(error)}`, 1, { cause: error });
  }
  throw new CliError(
    `no state machine named ${name} in ${region}: deploy the gehen stack there, or pass --state-machine ARN (or set GEHEN_STATE_MACHINE_ARN)`,
  );
}

/**
 * `<sha7>-<UTC timestamp>-<4 hex>`: readable in the console, valid as an execution name, and unique:
 * two deploys of one SHA in the same second (a CI matrix of gehen.yml files) would otherwise share a
 * name, and StartExecution refuses the second with ExecutionAlreadyExists.
 */
export function executionName(gitsha: string, at: Date, suffix = randomBytes(2).toString('hex')): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${gitsha.slice(0, 7)}-${stamp}-${suffix}`;
}

export function consoleLink(executionArn: string): string {
  const region = regionOfArn(executionArn, 'states') ?? 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
