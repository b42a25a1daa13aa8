import { randomUUID } from 'node:crypto';
import type {
  DescribeExecutionOutput,
  DescribeStateMachineOutput,
  ExecutionListItem,
  GetExecutionHistoryOutput,
  HistoryEvent,
  ListExecutionsOutput,
  ListStateMachinesOutput,
  SendTaskFailureOutput,
  SendTaskHeartbeatOutput,
  SendTaskSuccessOutput,
  StartExecutionOutput,
  StopExecutionOutput,
} from '@aws-sdk/client-sfn';
import { SandboxAwsError } from '../aws-error';
import { ACCOUNT } from '../ids';
import { withCallbackStates } from './callback-definition';
import { checkWorkflow } from './definition-check';
import { LocalExecution } from './execution';
import { LocalLambdaFunction } from './lambda-function';
import type { Json, LocalWorkflow } from './local-workflow';
import { mapLengths } from './map-length';
import { installPromiseWithResolvers } from './promise-with-resolvers';
import { isOperation, parseRequest } from './requests';
import { installRunnerPatch } from './runner-patch';
import { type AwsEventEntry, laggingListItem, statusChangeEvent } from './status-events';
import { type TaskBinding, withTaskTimeouts } from './task-states';
import { TaskTokens } from './task-tokens';
import { validatedStateMachine } from './validated-machine';
import { paginate, toWire } from './wire';

/** The longest timer Node keeps (2^31-1 ms): AWS's "no Task timeout", as near as the runner gets. */
const UNBOUNDED_TASK_SECONDS = 2_147_483;

export interface StepFunctionsServiceOptions {
  /**
   * Wait states (by name) that wait this many seconds instead of what the definition says: for
   * tests whose subject is not the wait. Not a model of AWS, which always waits. @default none
   */
  waitSeconds?: Record<string, number>;
  /** The sandbox endpoint, given to every function as AWS_ENDPOINT_URL. */
  endpoint: string;
  /** Where the state machine lives (and the functions' AWS_REGION). */
  region: string;
  workflow: LocalWorkflow;
  /**
   * Timeout of Task states that set none. AWS lets them run until the function's own Timeout,
   * which the sandbox enforces too. @default unbounded (the runner's own default is 60 s)
   */
  taskTimeoutSeconds?: number;
  /** Receives the functions' stdout and stderr lines. @default dropped */
  onLambdaLog?: (functionName: string, line: string) => void;
  /**
   * Receives each `Step Functions Execution Status Change` event (RUNNING, then the end), to put
   * on the default bus (the sandbox's Events.emit). @default dropped
   */
  onExecutionStatusChange?: (event: AwsEventEntry) => void;
  /**
   * How long ListExecutions lags: an execution is missing from it for this long after it started,
   * and shows each status this long after it took it (fleet `consistency.executionsSeconds`).
   * @default 0 (consistent)
   */
  executionsLagSeconds?: number;
  /**
   * EventBridge's PutEvents in the state machine's region (the sandbox's Events.handle), for
   * `events:putEvents.waitForTaskToken` Tasks. @default every entry fails (no bus here)
   */
  putEvents?: (entries: Json[]) => Promise<Json>;
}

export interface StartExecutionRequest {
  stateMachineArn: string;
  name?: string;
  input?: string;
}

export interface StepFunctionsService {
  /** One Step Functions API call: the operation (X-Amz-Target's suffix) and its JSON body. */
  handle(operation: string, input: unknown, region: string): Promise<unknown>;
  /** StartExecution in-process (EventBridge targets), with AWS's idempotency and errors. */
  startExecution(request: StartExecutionRequest): { executionArn: string; startDate: Date };
  /** Settles when the execution has stopped and its history is complete. */
  executionDone(executionArn: string): Promise<void>;
  stats(): Record<string, { events: number }>;
  readonly stateMachineArn: string;
  close(): Promise<void>;
}

/**
 * The Step Functions API of the sandbox: one Standard state machine (the synthesized workflow)
 * run by aws-local-stepfunctions, its Tasks calling the real Lambda bundles. Refuses, here at
 * start, a definition it cannot run faithfully (UnsupportedDefinitionError).
 */
export function createStepFunctionsService(options: StepFunctionsServiceOptions): StepFunctionsService {
  installPromiseWithResolvers();
  installRunnerPatch();
  const { workflow, region } = options;
  const checked = checkWorkflow(workflow);
  const runtime = { endpoint: options.endpoint, region, onLog: options.onLambdaLog };
  const functions = new Map<string, LocalLambdaFunction>();
  const tasks = new Map<string, TaskBinding>();
  for (const [stateName, { target, fn }] of checked) {
    if (fn === undefined) {
      tasks.set(stateName, { target });
      continue;
    }
    const local = functions.get(fn.arn) ?? new LocalLambdaFunction(fn, runtime);
    functions.set(fn.arn, local);
    tasks.set(stateName, { target, fn: local });
  }
  const machine = validatedStateMachine(
    withCallbackStates(
      withTaskTimeouts(workflow.definition, options.taskTimeoutSeconds ?? UNBOUNDED_TASK_SECONDS),
      UNBOUNDED_TASK_SECONDS,
    ),
  );
  const callbacks = {
    tokens: new TaskTokens(),
    putEvents:
      options.putEvents ??
      (async (entries: Json[]) => ({
        FailedEntryCount: entries.length,
        Entries: entries.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'no event bus in this sandbox' })),
      })),
  };

  const mapLength = mapLengths(workflow.definition);
  const stateMachineArn = `arn:aws:states:${region}:${ACCOUNT}:stateMachine:${workflow.name}`;
  const creationDate = new Date();
  const executions = new Map<string, LocalExecution>();
  const lagMs = (options.executionsLagSeconds ?? 0) * 1000;
  const onStatusChange = options.onExecutionStatusChange;
  const hooks = {
    mapLength,
    waitTimeOverrides: options.waitSeconds
      ? Object.fromEntries(Object.entries(options.waitSeconds).map(([state, seconds]) => [state, seconds * 1000]))
      : undefined,
    onStatusChange: onStatusChange && ((execution: LocalExecution) => onStatusChange(statusChangeEvent(execution))),
  };

  function stateMachineOr404(arn: string): void {
    if (arn !== stateMachineArn)
      throw new SandboxAwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  }

  function executionOr404(arn: string): LocalExecution {
    const execution = executions.get(arn);
    if (!execution) throw new SandboxAwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  function startExecution(request: StartExecutionRequest): { executionArn: string; startDate: Date } {
    stateMachineOr404(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!/^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u.test(name)) {
      throw new SandboxAwsError('InvalidName', `Invalid Name: '${name}'`);
    }
    const input = request.input ?? '{}';
    try {
      JSON.parse(input);
    } catch (error) {
      throw new SandboxAwsError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      );
    }
    const executionArn = `arn:aws:states:${region}:${ACCOUNT}:execution:${workflow.name}:${name}`;
    const existing = executions.get(executionArn);
    if (existing) {
      // Standard workflows: idempotent for the same name and input while the execution runs.
      if (existing.status === 'RUNNING' && existing.init.input === input) {
        return { executionArn, startDate: existing.startDate };
      }
      throw new SandboxAwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const init = { executionArn, name, stateMachineArn, stateMachineName: workflow.name, region, input };
    const execution = new LocalExecution(init, machine, tasks, callbacks, hooks);
    executions.set(executionArn, execution);
    return { executionArn, startDate: execution.startDate };
  }

  const operations = {
    ListStateMachines: (input: unknown, inRegion: string): ListStateMachinesOutput => {
      const request = parseRequest('ListStateMachines', input);
      const all =
        inRegion === region ? [{ stateMachineArn, name: workflow.name, type: 'STANDARD' as const, creationDate }] : [];
      const page = paginate(all, 'ListStateMachines', request.maxResults, request.nextToken);
      return { stateMachines: page.items, nextToken: page.nextToken };
    },
    DescribeStateMachine: (input: unknown): DescribeStateMachineOutput => {
      const request = parseRequest('DescribeStateMachine', input);
      stateMachineOr404(request.stateMachineArn);
      return {
        stateMachineArn,
        name: workflow.name,
        status: 'ACTIVE',
        definition: JSON.stringify(workflow.definition),
        roleArn: `arn:aws:iam::${ACCOUNT}:role/${workflow.name}-role`,
        type: 'STANDARD',
        creationDate,
        loggingConfiguration: { level: 'OFF', includeExecutionData: false },
        tracingConfiguration: { enabled: false },
      };
    },
    StartExecution: (input: unknown): StartExecutionOutput => startExecution(parseRequest('StartExecution', input)),
    DescribeExecution: (input: unknown): DescribeExecutionOutput => {
      const execution = executionOr404(parseRequest('DescribeExecution', input).executionArn);
      const { init } = execution;
      return {
        ...listItem(execution),
        input: init.input,
        inputDetails: { included: true },
        output: execution.output,
        outputDetails: execution.output === undefined ? undefined : { included: true },
        error: execution.error,
        cause: execution.cause,
      };
    },
    ListExecutions: (input: unknown): ListExecutionsOutput => {
      const request = parseRequest('ListExecutions', input);
      stateMachineOr404(request.stateMachineArn);
      const now = Date.now();
      const matching = [...executions.values()]
        .map((execution) => (lagMs > 0 ? laggingListItem(execution, lagMs, now) : listItem(execution)))
        .filter((item) => item !== undefined)
        .filter((item) => request.statusFilter === undefined || item.status === request.statusFilter)
        .reverse(); // newest first, as AWS lists them
      const scope = `ListExecutions:${request.stateMachineArn}:${request.statusFilter ?? ''}`;
      const page = paginate(matching, scope, request.maxResults, request.nextToken);
      return { executions: page.items, nextToken: page.nextToken };
    },
    StopExecution: async (input: unknown): Promise<StopExecutionOutput> => {
      const request = parseRequest('StopExecution', input);
      const execution = executionOr404(request.executionArn);
      await execution.stop(request.error, request.cause);
      return { stopDate: execution.stopDate ?? new Date() };
    },
    // The callback pattern's answers (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html,
    // API_SendTaskFailure.html, API_SendTaskHeartbeat.html).
    SendTaskSuccess: (input: unknown): SendTaskSuccessOutput => {
      const request = parseRequest('SendTaskSuccess', input);
      const wait = callbacks.tokens.open(request.taskToken);
      wait.succeed(parseOutput(request.output));
      return {};
    },
    SendTaskFailure: (input: unknown): SendTaskFailureOutput => {
      const request = parseRequest('SendTaskFailure', input);
      callbacks.tokens.open(request.taskToken).fail(request.error ?? '', request.cause ?? '');
      return {};
    },
    SendTaskHeartbeat: (input: unknown): SendTaskHeartbeatOutput => {
      callbacks.tokens.open(parseRequest('SendTaskHeartbeat', input).taskToken).beat();
      return {};
    },
    GetExecutionHistory: (input: unknown): GetExecutionHistoryOutput => {
      const request = parseRequest('GetExecutionHistory', input);
      const execution = executionOr404(request.executionArn);
      let events = [...execution.events];
      if (request.reverseOrder) events.reverse();
      if (request.includeExecutionData === false) events = events.map(withoutExecutionData);
      const scope = `GetExecutionHistory:${request.executionArn}:${request.reverseOrder ?? false}`;
      const page = paginate(events, scope, request.maxResults, request.nextToken);
      return { events: page.items, nextToken: page.nextToken };
    },
  };

  return {
    stateMachineArn,
    async handle(operation, input, inRegion) {
      if (!isOperation(operation)) {
        throw new SandboxAwsError('UnknownOperationException', `The sandbox does not serve states:${operation}`);
      }
      return toWire(await operations[operation](input, inRegion));
    },
    startExecution,
    executionDone: (executionArn) => executionOr404(executionArn).done,
    stats: () =>
      Object.fromEntries([...executions].map(([arn, execution]) => [arn, { events: execution.events.length }])),
    async close() {
      await Promise.all(
        [...executions.values()].map((execution) => execution.stop('Sandbox.Closed', 'the sandbox stopped')),
      );
      await Promise.all([...functions.values()].map((fn) => fn.close()));
    },
  };
}

/** SendTaskSuccess's output: JSON, else InvalidOutput. */
function parseOutput(output: string): Json {
  try {
    return JSON.parse(output) as Json;
  } catch (error) {
    throw new SandboxAwsError('InvalidOutput', `Invalid Output: '${(error as Error).message}'`);
  }
}

function listItem(execution: LocalExecution): ExecutionListItem {
  const { init } = execution;
  return {
    executionArn: init.executionArn,
    stateMachineArn: init.stateMachineArn,
    name: init.name,
    status: execution.status,
    startDate: execution.startDate,
    stopDate: execution.stopDate,
    redriveCount: 0,
  };
}

/** GetExecutionHistory with includeExecutionData false: the events without inputs and outputs. */
function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const stripped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && typeof value === 'object' && value !== null) {
      const { input: _input, output: _output, parameters: _parameters, ...rest } = value as Record<string, unknown>;
      stripped[key] = rest;
    } else {
      stripped[key] = value;
    }
  }
  return stripped as unknown as HistoryEvent;
}
