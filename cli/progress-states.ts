import { StateNames } from '../lib/state-names';
import {
  asArray,
  field,
  findAll,
  isNotRestored,
  isPlan,
  isRollbackResult,
  isScheduledTaskResult,
  isServiceDeployment,
  serviceNameOf,
} from './history-values';
import { type Changes, finishAll } from './progress-changes';
import { readPlan } from './progress-inputs';
import { type ExecutionProgress, FINAL_PHASES, type Phase, revision } from './progress-model';
import { onRound, ROUND_STATES } from './progress-round';

/** What entering or leaving each state of the definition means for the rows. */

/** The phase every unfinished service and rule ends in, per terminal Fail state. */
const FAIL_STATE_PHASES: Record<string, Phase> = {
  [StateNames.invalid]: 'not started',
  [StateNames.concurrent]: 'not started',
  [StateNames.rolledBack]: 'rolled back',
  [StateNames.rollbackFailed]: 'rollback failed',
  [StateNames.verifyFailed]: 'failed',
  [StateNames.drainTimedOut]: 'timed out',
  [StateNames.rollbackTimedOut]: 'timed out',
};

export function onStateEntered(progress: ExecutionProgress, changes: Changes, name: string, input: unknown): void {
  switch (name) {
    case StateNames.registerTaskDefinition: {
      const service = serviceNameOf(input);
      if (service) changes.service(service, 'registering');
      return;
    }
    case StateNames.updateService: {
      const service = serviceNameOf(input);
      const registered = field(field(input, 'registration'), 'taskDefinition');
      if (service) {
        if (typeof registered === 'string') changes.setTaskDefinition(service, registered);
        changes.service(service, 'updating');
      }
      return;
    }
    case StateNames.startVerify:
      for (const service of progress.services.values()) {
        if (!FINAL_PHASES.has(service.phase)) changes.service(service.name, 'verifying');
      }
      return;
    case StateNames.startDrain:
      for (const service of progress.services.values()) {
        if (!FINAL_PHASES.has(service.phase)) changes.service(service.name, 'draining');
      }
      return;
    case StateNames.rollBackService: {
      const service = serviceNameOf(input);
      if (service) changes.service(service, 'rolling back', 'restoring the previous revision');
      return;
    }
    case StateNames.updateScheduledTask:
    case StateNames.rollBackScheduledTask: {
      const rule = field(field(input, 'rule'), 'rule');
      const rollback = name === StateNames.rollBackScheduledTask || field(input, 'mode') === 'rollback';
      if (typeof rule === 'string') changes.task(rule, rollback ? 'rolling back' : 'updating');
      return;
    }
    case StateNames.rollbackFailed:
      onRollbackFailed(changes, input);
      return;
    default: {
      const phase = FAIL_STATE_PHASES[name];
      if (phase) finishAll(changes, phase);
    }
  }
}

/**
 * Rollback Failed names what was not restored (Summarise Rollback's `notRestored`): those rows
 * end `rollback failed`; the others end `rolled back` when the restored services were verified
 * and drained, else `rollback failed` as well (it is not known where they are).
 */
function onRollbackFailed(changes: Changes, input: unknown): void {
  const result = field(input, 'rollbackResult');
  const left = asArray(field(result, 'notRestored')).filter(isNotRestored);
  for (const target of left) {
    const detail = `runs ${revision(target.taskDefinition)}: ${target.reason}`;
    if (target.kind === 'service') changes.service(target.name, 'rollback failed', detail);
    else changes.task(target.name, 'rollback failed', detail);
  }
  const restored = field(input, 'rollbackOutcome') === 'rolled-back';
  finishAll(changes, restored ? 'rolled back' : 'rollback failed');
}

export function onStateExited(progress: ExecutionProgress, changes: Changes, name: string, output: unknown): void {
  switch (name) {
    case StateNames.prepare: {
      const plan = field(output, 'plan');
      if (isPlan(plan)) readPlan(progress, plan);
      return;
    }
    case StateNames.updateService:
      for (const deployment of findAll(output, isServiceDeployment)) {
        changes.setTaskDefinition(deployment.name, deployment.taskDefinition);
      }
      return;
    case StateNames.deployServices:
      for (const deployment of asArray(field(output, 'deployed')).filter(isServiceDeployment)) {
        changes.setTaskDefinition(deployment.name, deployment.taskDefinition);
      }
      return;
    case StateNames.rollBackService:
    case StateNames.recordServiceNotRestored:
      for (const result of findAll(output, isRollbackResult)) {
        if (result.restored === false) {
          if (result.taskDefinition !== null) changes.setTaskDefinition(result.name, result.taskDefinition);
          changes.service(result.name, 'rollback failed', `runs ${revision(result.taskDefinition)}: ${result.reason}`);
        } else {
          changes.service(result.name, 'rolling back', `restored ${revision(result.taskDefinition)}`);
        }
      }
      return;
    case StateNames.updateScheduledTask:
    case StateNames.rollBackScheduledTask:
    case StateNames.recordRuleNotRestored:
      for (const result of findAll(output, isScheduledTaskResult)) {
        if (name === StateNames.updateScheduledTask) changes.setTargets(result);
        if (result.restored === false) changes.task(result.rule, 'rollback failed', result.reason ?? null);
        else changes.task(result.rule, name === StateNames.updateScheduledTask ? 'updated' : 'rolled back');
      }
      return;
    default: {
      const round = ROUND_STATES.get(name);
      if (round) onRound(progress, changes, output, round.phase, round.doneWord);
    }
  }
}
