import { z } from 'zod';
import { SandboxAwsError } from '../aws-error';
import { MAX_PAYLOAD_BYTES } from './execution-limits';

/** The request shapes of the operations served, as the SDK sends them. */
const arn = z.string().min(1).max(2048);
/** "Length Constraints: Minimum length of 1. Maximum length of 2048." */
const taskToken = z.string().min(1).max(2048);
const page = { maxResults: z.number().int().optional(), nextToken: z.string().min(1).optional() };

export const Requests = {
  ListStateMachines: z.object(page),
  DescribeStateMachine: z.object({ stateMachineArn: arn }),
  StartExecution: z.object({
    stateMachineArn: arn,
    name: z.string().optional(),
    // 256 KiB of UTF-8 (https://docs.aws.amazon.com/step-functions/latest/dg/limits.html)
    input: z
      .string()
      .refine(
        (text) => Buffer.byteLength(text) <= MAX_PAYLOAD_BYTES,
        'Member must have length less than or equal to 262144',
      )
      .optional(),
    traceHeader: z.string().optional(),
  }),
  DescribeExecution: z.object({ executionArn: arn, includedData: z.string().optional() }),
  ListExecutions: z.object({
    stateMachineArn: arn,
    statusFilter: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']).optional(),
    ...page,
  }),
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html
  StopExecution: z.object({
    executionArn: arn,
    error: z.string().max(256).optional(),
    cause: z.string().max(32_768).optional(),
  }),
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
  SendTaskSuccess: z.object({
    taskToken,
    output: z
      .string()
      .refine(
        (text) => Buffer.byteLength(text) <= MAX_PAYLOAD_BYTES,
        'Member must have length less than or equal to 262144',
      ),
  }),
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html
  SendTaskFailure: z.object({
    taskToken,
    error: z.string().max(256).optional(),
    cause: z.string().max(32_768).optional(),
  }),
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html
  SendTaskHeartbeat: z.object({ taskToken }),
  GetExecutionHistory: z.object({
    executionArn: arn,
    reverseOrder: z.boolean().optional(),
    includeExecutionData: z.boolean().optional(),
    ...page,
  }),
} as const;

export type Operation = keyof typeof Requests;

export function parseRequest<O extends Operation>(operation: O, input: unknown): z.infer<(typeof Requests)[O]> {
  const parsed = Requests[operation].safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
    throw new SandboxAwsError('ValidationException', problems.join('; '));
  }
  return parsed.data as z.infer<(typeof Requests)[O]>;
}

export function isOperation(operation: string): operation is Operation {
  return Object.hasOwn(Requests, operation);
}
