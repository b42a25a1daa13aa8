import type { StepFunctionsBackend } from './index';
import type { LambdaInvokeApi } from './lambda/invoke-api';
import type { LocalWorkflow } from './stepfunctions/local-workflow';
import type { StartExecutionRequest, StepFunctionsServiceOptions } from './stepfunctions/service';

// The Step Functions engines' contract: gehen-sandbox.ts starts one (startEngine), each engine
// (stepfunctions/service.ts, moto/moto-step-functions.ts) implements GehenStepFunctions.

/** Which Step Functions interpreter runs gehen-deploy in the sandbox. */
export const SANDBOX_ENGINES = ['local', 'moto'] as const;
export type SandboxEngine = (typeof SANDBOX_ENGINES)[number];

/** What the gehen sandbox needs of either engine, beyond the Step Functions API itself. */
export interface GehenStepFunctions extends StepFunctionsBackend {
  readonly stateMachineArn: string;
  /** StartExecution in-process (EventBridge targets): the ARN at once. */
  startExecution(request: StartExecutionRequest): { executionArn: string; startDate: Date };
  /** Settles when the execution has stopped. */
  executionDone(executionArn: string): Promise<void>;
}

export interface EngineOptions {
  engine: SandboxEngine;
  /** The sandbox endpoint (the Lambda functions' AWS_ENDPOINT_URL). */
  endpoint: string;
  region: string;
  workflow: LocalWorkflow;
  /** Lambda's Invoke API on the sandbox endpoint: the moto engine's Tasks go through it. */
  invokeApi: LambdaInvokeApi;
  onLambdaLog?: (functionName: string, line: string) => void;
  /** The local engine's AWS behaviours moto has its own way of (or no way of) doing. */
  local?: Pick<
    StepFunctionsServiceOptions,
    'onExecutionStatusChange' | 'executionsLagSeconds' | 'waitSeconds' | 'putEvents'
  >;
}
