import type { StepFunctionsBackend } from './index';
import type { LambdaInvokeApi } from './lambda/invoke-api';
import { startMotoStepFunctions } from './moto/moto-step-functions';
import type { LocalWorkflow } from './stepfunctions/local-workflow';
import {
  createStepFunctionsService,
  type StartExecutionRequest,
  type StepFunctionsServiceOptions,
} from './stepfunctions/service';

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
  local?: Pick<StepFunctionsServiceOptions, 'onExecutionStatusChange' | 'executionsLagSeconds' | 'waitSeconds'>;
}

/**
 * `local`: aws-local-stepfunctions in this process, Tasks calling the bundles directly.
 * `moto`: moto_server's ASL interpreter, Tasks calling the sandbox's Invoke API. The functions are
 * the same bundles either way; see docs/design.md "Two Step Functions engines" for where they differ.
 */
export async function startEngine(options: EngineOptions): Promise<GehenStepFunctions> {
  const { endpoint, region, workflow, onLambdaLog } = options;
  options.invokeApi.bind(workflow.functions, { endpoint, region, onLog: onLambdaLog });
  if (options.engine === 'moto') {
    return startMotoStepFunctions({
      sandboxPort: Number(new URL(endpoint).port),
      region,
      workflow,
      onLog: onLambdaLog && ((line) => onLambdaLog('moto_server', line)),
    });
  }
  return createStepFunctionsService({ endpoint, region, workflow, onLambdaLog, ...options.local });
}
