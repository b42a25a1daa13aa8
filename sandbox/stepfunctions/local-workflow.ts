/**
 * What the Step Functions sandbox runs: one plain (token-free) JSONPath ASL definition and the
 * Lambda functions its Task states call, each backed by its esbuild bundle on disk.
 */

/** A JSON value as ASL and the execution data use it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** An ASL object (a definition, a state, a Map's ItemProcessor…), read loosely and checked. */
export type AslObject = { [key: string]: Json };

export interface LambdaFunctionSpec {
  /** The unqualified function ARN, as the definition's Task states name it. */
  arn: string;
  functionName: string;
  /** The AWS::Lambda::Function's logical id, when it comes from a template (EventBridge targets name it). */
  logicalId?: string;
  /** Absolute path of the bundle's entry module (`<asset dir>/index.js` for Handler `index.handler`). */
  entry: string;
  /** The export the runtime calls (`handler` for Handler `index.handler`). */
  exportName: string;
  /** The function's Timeout. @default 3 (Lambda's default) */
  timeoutSeconds?: number;
  /** @default 128 */
  memorySize?: number;
  /** The function's Environment.Variables. */
  environment?: Record<string, string>;
  /**
   * The function's VpcConfig. With subnets it runs in the VPC and reaches its private addresses;
   * without (or with no subnets: Lambda's way of detaching a function) it reaches public endpoints
   * only (https://docs.aws.amazon.com/lambda/latest/dg/foundation-networking.html).
   * @default none
   */
  vpcConfig?: { subnetIds: string[]; securityGroupIds: string[] };
  /** `host:port` of what lives only inside the VPC (the fleet's private load balancers). @default none */
  privateAddresses?: string[];
}

export interface LocalWorkflow {
  /** The state machine's name (`gehen-deploy`). */
  name: string;
  definition: AslObject;
  functions: readonly LambdaFunctionSpec[];
}

export function isAslObject(value: unknown): value is AslObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
