import { existsSync } from 'node:fs';
import { readsTaskContextElsewhere } from './callback-definition';
import { type AslObject, isAslObject, type LambdaFunctionSpec, type LocalWorkflow } from './local-workflow';
import { TASK_TOKEN_PATH, type TaskStateTarget, taskStateTargets, walkStates } from './task-states';

/** The definition uses something aws-local-stepfunctions would run differently from AWS, or not at all. */
export class UnsupportedDefinitionError extends Error {
  override readonly name = 'UnsupportedDefinitionError';
  constructor(readonly problems: readonly string[]) {
    super(`the sandbox cannot run state machine definition faithfully:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Fields of the Distributed Map only. */
const DISTRIBUTED_MAP_FIELDS = ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage'];

/** Context object fields the runner does not provide (`$$.Task.Token` of callback Tasks: see callback-definition.ts). */
const MISSING_CONTEXT = ['$$.State.'];

/**
 * Refuses, before anything runs, a definition the runner would execute unfaithfully: JSONata,
 * variables (`Assign`), a Distributed Map, a context field it lacks, or a Task without a bundle.
 * Returns each Task state's function (none for events:putEvents).
 */
export function checkWorkflow(
  workflow: LocalWorkflow,
): Map<string, { target: TaskStateTarget; fn?: LambdaFunctionSpec }> {
  const problems: string[] = [];
  const { definition } = workflow;
  if (definition.QueryLanguage === 'JSONata') problems.push('QueryLanguage JSONata (the runner speaks JSONPath only)');
  for (const [name, state] of walkStates(definition)) problems.push(...stateProblems(name, state));
  for (const field of MISSING_CONTEXT) {
    if (JSON.stringify(definition).includes(field))
      problems.push(`a path reads ${field}* (no such context field here)`);
  }
  if (readsTaskContextElsewhere(definition)) {
    problems.push(
      `a path reads $$.Task.* other than "key.$": "${TASK_TOKEN_PATH}" in a .waitForTaskToken Task's Parameters`,
    );
  }

  const tasks = new Map<string, { target: TaskStateTarget; fn?: LambdaFunctionSpec }>();
  for (const target of taskStateTargets(definition)) {
    const fn = findFunction(workflow.functions, target.functionRef);
    if (target.integration === 'putEvents') {
      if (target.waitForTaskToken) tasks.set(target.stateName, { target });
      else problems.push(`Task "${target.stateName}": events:putEvents runs here only with .waitForTaskToken`);
    } else if (!target.resource.startsWith('arn:aws:lambda:') && target.integration !== 'invoke') {
      problems.push(`Task "${target.stateName}": Resource ${target.resource || '(none)'} is not a Lambda function`);
    } else if (target.functionRef === null) {
      problems.push(`Task "${target.stateName}": its function is chosen at run time (FunctionName.$)`);
    } else if (fn === undefined) {
      problems.push(`Task "${target.stateName}": no bundle for function ${target.functionRef}`);
    } else if (!existsSync(fn.entry)) {
      problems.push(`Task "${target.stateName}": bundle ${fn.entry} of ${fn.functionName} does not exist`);
    } else {
      tasks.set(target.stateName, { target, fn });
    }
  }
  if (problems.length > 0) throw new UnsupportedDefinitionError(problems);
  return tasks;
}

function stateProblems(name: string, state: AslObject): string[] {
  const problems: string[] = [];
  if (state.QueryLanguage === 'JSONata') problems.push(`state "${name}": QueryLanguage JSONata`);
  const assigners = [state, ...asObjects(state.Choices), ...asObjects(state.Catch)];
  if (assigners.some((o) => o.Assign !== undefined)) problems.push(`state "${name}": Assign (variables)`);
  if (state.Type === 'Map') {
    const processor = isAslObject(state.ItemProcessor) ? state.ItemProcessor : {};
    const config = isAslObject(processor.ProcessorConfig) ? processor.ProcessorConfig : {};
    const distributed = DISTRIBUTED_MAP_FIELDS.filter((field) => state[field] !== undefined);
    if (config.Mode === 'DISTRIBUTED' || distributed.length > 0) {
      problems.push(`state "${name}": Distributed Map`);
    }
  }
  return problems;
}

function asObjects(value: unknown): AslObject[] {
  return Array.isArray(value) ? value.filter(isAslObject) : [];
}

function findFunction(functions: readonly LambdaFunctionSpec[], ref: string | null): LambdaFunctionSpec | undefined {
  if (ref === null) return undefined;
  return functions.find((fn) => fn.arn === ref || fn.functionName === ref);
}
