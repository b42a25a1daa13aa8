import validateAsl from 'asl-validator';
import { MAX_TARGETS } from '../../lambdas/shared/config/bounds';
import { ErrorNames, FailureCodes } from '../../lambdas/shared/contracts/errors';
import { resolveDefinition, type TemplateFunction, templateFunctions } from '../../lib/resolve-definition';
import { StateNames } from '../../lib/state-names';
import { LAMBDA_CRASH_ERRORS } from '../../lib/workflow/task';
import { THROTTLING_TABLE } from '../../sandbox/throttling';
import { synthForTest } from './synth-once';

interface AslRetry {
  ErrorEquals: string[];
  JitterStrategy?: string;
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxAttempts?: number;
  MaxDelaySeconds?: number;
}

/** The longest a retrier can wait in all: the sum of its delay caps (full jitter waits a random share of each). */
function longestWaitSeconds(retry: AslRetry): number {
  let sum = 0;
  for (let attempt = 0; attempt < (retry.MaxAttempts ?? 3); attempt++) {
    const cap = (retry.IntervalSeconds ?? 1) * (retry.BackoffRate ?? 2) ** attempt;
    sum += Math.min(cap, retry.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
  }
  return sum;
}

interface AslState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Error?: string;
  Retry?: AslRetry[];
  ItemProcessor?: { States: Record<string, AslState> };
}
/** The states a state may go to next: Next, Default, Choices and Catch targets. */
function targetsOf(state: AslState): string[] {
  const s = state as AslState & {
    Next?: string;
    Default?: string;
    Choices?: Array<{ Next: string }>;
    Catch?: Array<{ Next: string }>;
  };
  return [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...(s.Catch ?? []).map((c) => c.Next)].filter(
    (next): next is string => next !== undefined,
  );
}

/** A `.waitForTaskToken` Task (the drain's event wait): its function is in Parameters, its output a callback's. */
function isCallback(state: AslState): boolean {
  return state.Resource?.endsWith('.waitForTaskToken') ?? false;
}

function stepOfResource(resource: string | undefined): string | undefined {
  return functions.find((fn) => resource === `arn:aws:lambda:us-east-1:000000000000:function:${fn.logicalId}`)?.step;
}

interface Asl {
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, AslState>;
}

let asl: Asl;
let functions: TemplateFunction[];

beforeAll(() => {
  const { template } = synthForTest();
  asl = resolveDefinition(template) as unknown as Asl;
  functions = templateFunctions(template);
});

/** Every state, Map iterations included. */
function allStates(states: Record<string, AslState> = asl.States): Array<[string, AslState]> {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : []),
  ]);
}

describe('the gehen-deploy definition', () => {
  it('is valid ASL', () => {
    const { isValid, errorsText } = validateAsl(structuredClone(asl));
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('names its states from lib/state-names.ts', () => {
    const known = new Set<string>(Object.values(StateNames));
    expect(
      allStates()
        .map(([name]) => name)
        .filter((name) => !known.has(name)),
    ).toEqual([]);
    expect(asl.StartAt).toBe(StateNames.restoreChoice);
  });

  it('ends only in the terminal states the CLI maps to exit codes', () => {
    const fails = allStates().filter(([, state]) => state.Type === 'Fail');
    expect(fails.map(([, state]) => state.Error).sort()).toEqual(Object.values(FailureCodes).sort());
    expect(
      allStates()
        .filter(([, state]) => state.Type === 'Succeed')
        .map(([name]) => name)
        .sort(),
    ).toEqual([StateNames.deployed, StateNames.skipped].sort());
  });

  it('reaches every terminal state through its Notify state only, which cannot change the outcome', () => {
    const terminals = allStates().filter(([, state]) => state.Type === 'Fail' || state.Type === 'Succeed');
    expect(terminals).toHaveLength(9);
    for (const [terminal] of terminals) {
      const into = allStates().filter(([, state]) => targetsOf(state).includes(terminal));
      expect(into.map(([name]) => name)).toEqual([`Notify ${terminal}`]);
      const [, notify] = into[0] as [string, AslState];
      expect(notify).toMatchObject({
        Type: 'Task',
        ResultPath: null,
        Next: terminal,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: terminal, ResultPath: null }],
      });
      expect(stepOfResource(notify.Resource)).toBe('notify');
    }
  });

  it('waits out Update Service before rolling back a failed Deploy Services, so no deploy write lands after the rollback', () => {
    // An aborted iteration's Lambda runs on to its timeout; the rollback must read after that.
    const deploy = asl.States[StateNames.deployServices] as AslState & { Catch: Array<{ Next: string }> };
    expect(deploy.Catch.map((c) => c.Next)).toEqual([StateNames.waitForDeployWrites]);
    const wait = asl.States[StateNames.waitForDeployWrites] as AslState & { Seconds?: number; Next?: string };
    const updateService = functions.find((fn) => fn.step === 'update-service');
    expect(wait.Type).toBe('Wait');
    expect(wait.Seconds).toBeGreaterThanOrEqual(updateService?.timeoutSeconds ?? Number.POSITIVE_INFINITY);
    expect(wait.Next).toBe(StateNames.failureKindChoice);
  });

  it('releases the deployment lock before every Notify, whatever becomes of the release', () => {
    // Every ending's Notify; not a restore's first step, Notify Aborted, which ends nothing.
    const notifies = allStates().filter(
      ([name, state]) => stepOfResource(state.Resource) === 'notify' && name !== StateNames.notifyAborted,
    );
    expect(notifies).toHaveLength(9);
    for (const [notify] of notifies) {
      const into = allStates().filter(([, state]) => targetsOf(state).includes(notify));
      const release = `Release Lock (${notify.replace(/^Notify /, '')})`;
      expect(into.map(([name]) => name)).toEqual([release]);
      expect(into[0]?.[1]).toMatchObject({
        Type: 'Task',
        Parameters: { 'executionArn.$': '$$.Execution.Id' },
        ResultPath: null,
        Next: notify,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: notify, ResultPath: null }],
      });
      expect(stepOfResource(into[0]?.[1].Resource)).toBe('release-lock');
    }
  });

  it('puts the scheduled tasks back on every way a rollback ends, keeping each ending', () => {
    // From Roll Back Services, nothing reaches a Notify or terminal state without Roll Back Scheduled Tasks.
    const seen = new Set<string>();
    const queue = [StateNames.rollBackServices as string];
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (seen.has(name) || name === StateNames.rollBackScheduledTasks) continue;
      seen.add(name);
      queue.push(...targetsOf(asl.States[name] as AslState));
    }
    expect(
      [...seen].filter(
        (name) =>
          name.startsWith('Notify ') ||
          name.startsWith('Release Lock ') ||
          !asl.States[name]?.Type.match(/Task|Map|Pass|Wait|Choice/),
      ),
    ).toEqual([]);
    for (const record of [
      StateNames.recordRolledBack,
      StateNames.recordRollbackFailed,
      StateNames.recordRollbackTimedOut,
    ]) {
      expect(seen).toContain(record);
      expect(asl.States[record]).toMatchObject({
        Type: 'Pass',
        ResultPath: '$.rollbackOutcome',
        Next: StateNames.rollBackScheduledTasks,
      });
    }
    // Then Summarise Rollback and Rollback Outcome? pick the ending; a rule not put back is Rollback Failed.
    expect(asl.States[StateNames.rollBackScheduledTasks]).toMatchObject({
      Next: StateNames.summariseRollback,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: StateNames.summariseRollback }],
    });
    expect(asl.States[StateNames.summariseRollback]).toMatchObject({ Next: StateNames.rollbackOutcomeChoice });
    const into = (notify: string) =>
      allStates()
        .filter(([, state]) => targetsOf(state).includes(notify))
        .map(([name]) => name)
        .sort();
    expect(into(StateNames.releaseLockRolledBack)).toEqual([StateNames.rollbackOutcomeChoice]);
    expect(into(StateNames.releaseLockRollbackTimedOut)).toEqual([StateNames.rollbackOutcomeChoice]);
    expect(into(StateNames.releaseLockRollbackFailed)).toEqual([StateNames.rollbackOutcomeChoice]);
    const outcome = (value: string) =>
      (
        asl.States[StateNames.rollbackOutcomeChoice] as AslState & {
          Choices: Array<{ StringEquals: string; Next: string }>;
        }
      ).Choices.find((choice) => choice.StringEquals === value)?.Next;
    expect(outcome('rolled-back')).toBe(StateNames.releaseLockRolledBack);
    expect(outcome('timed-out')).toBe(StateNames.releaseLockRollbackTimedOut);
    expect(asl.States[StateNames.rollbackOutcomeChoice]).toMatchObject({
      Default: StateNames.releaseLockRollbackFailed,
    });
  });

  it.each([
    [StateNames.report, StateNames.reportWithoutDetails, StateNames.releaseLockDeployed, 'deployed'],
    [StateNames.reportSkipped, StateNames.reportSkippedWithoutDetails, StateNames.releaseLockSkipped, 'skipped'],
  ])('still ends successfully when %s fails', (report, fallback, release, status) => {
    expect(asl.States[report]).toMatchObject({
      Next: release,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: fallback }],
    });
    expect(asl.States[fallback]).toMatchObject({
      Type: 'Pass',
      Next: release,
      Parameters: { status, services: [], scheduledTasks: [] },
    });
  });

  it('catches each error once: no Catch is shadowed by an earlier one to the same state', () => {
    for (const [name, state] of allStates()) {
      const catchers = (state as AslState & { Catch?: Array<{ ErrorEquals: string[]; Next: string }> }).Catch ?? [];
      const all = catchers.findIndex((c) => c.ErrorEquals.includes('States.ALL'));
      if (all < 0) continue;
      const redundant = catchers.slice(0, all).filter((c) => c.Next === catchers[all]?.Next);
      expect({ name, redundant }).toEqual({ name, redundant: [] });
      expect({ name, last: all }).toEqual({ name, last: catchers.length - 1 });
    }
  });

  it("tells Notify each failure's code and report status, the same ones the CLI maps to exit codes", () => {
    const statusOf: Record<string, string> = {
      [FailureCodes.rolledBack]: 'rolled-back',
      [FailureCodes.drainTimedOut]: 'timed-out',
      [FailureCodes.rollbackTimedOut]: 'timed-out',
    };
    for (const [name, state] of allStates().filter(([, s]) => s.Type === 'Fail')) {
      const notify = asl.States[`Notify ${name}`] as AslState & {
        Parameters: { failure: { code: string; status: string } };
      };
      expect(notify.Parameters.failure).toMatchObject({
        code: state.Error,
        status: statusOf[state.Error ?? ''] ?? 'failed',
      });
    }
  });

  it('gives every Task a timeout and a jittered retry of transient errors, once', () => {
    const tasks = allStates().filter(([, state]) => state.Type === 'Task' && !isCallback(state));
    expect(tasks).toHaveLength(41);
    for (const [name, task] of tasks) {
      // Await Approval's timeout is the plan's phase timeout (TimeoutSecondsPath).
      const timeout = (task.TimeoutSeconds ?? 0) > 0 || task.TimeoutSecondsPath === '$.plan.deployment.timeoutSeconds';
      expect({ name, timeout }).toEqual({ name, timeout: true });
      const transient = (task.Retry ?? []).filter((retry) => retry.ErrorEquals.includes(ErrorNames.transient));
      expect(transient).toEqual([expect.objectContaining({ JitterStrategy: 'FULL' })]);
      const lambdaRetries = (task.Retry ?? []).filter((retry) => retry.ErrorEquals.includes('Lambda.ServiceException'));
      expect(lambdaRetries).toHaveLength(1);
    }
  });

  it("retries each ECS write long enough to outlast the queue the largest plan makes in the write's bucket", () => {
    // ECS's published buckets (sandbox/throttling.ts cites request-throttling.html), not gehen's own copy.
    const bucket = (name: string) => THROTTLING_TABLE.ecs[name] ?? { burst: 0, rate: 0 };
    const taskDefinitionModify = bucket('Task definition modify actions');
    const serviceModify = bucket('Service modify actions');
    const writers: Record<string, { burst: number; rate: number }> = {
      [StateNames.registerTaskDefinition]: taskDefinitionModify,
      [StateNames.updateScheduledTask]: taskDefinitionModify,
      [StateNames.rollBackScheduledTask]: taskDefinitionModify,
      [StateNames.updateService]: serviceModify,
      [StateNames.rollBackService]: serviceModify,
    };
    const retries = allStates()
      .filter(([, state]) => state.Type === 'Task' && !isCallback(state))
      .map(([name, state]) => ({
        name,
        retry: state.Retry?.find((r) => r.ErrorEquals.includes(ErrorNames.transient)),
      }));
    for (const { name, retry } of retries) {
      const queue = writers[name];
      if (queue) {
        // Every write of a plan (MAX_TARGETS) past the burst waits its turn at the refill rate; a
        // retry that has backed off far loses tokens to fresher ones, so its mean wait (half the
        // caps, full jitter) is twice that queue.
        const queueSeconds = (MAX_TARGETS - queue.burst) / queue.rate;
        expect({ name, wait: longestWaitSeconds(retry ?? { ErrorEquals: [] }) >= 4 * queueSeconds }).toEqual({
          name,
          wait: true,
        });
      } else {
        // Everything else: the short ladder (at most 90 s), so a broken dependency fails fast.
        expect({ name, retry }).toEqual({
          name,
          retry: expect.objectContaining({ MaxAttempts: 6, MaxDelaySeconds: 30 }),
        });
      }
    }
    expect(
      longestWaitSeconds(
        retries.find((r) => r.name === StateNames.registerTaskDefinition)?.retry ?? { ErrorEquals: [] },
      ),
    ).toBeGreaterThanOrEqual(1120);
  });

  it('runs a read-only round or an idempotent release again when its function timed out or crashed, and nothing else', () => {
    const crashRetried = allStates()
      .filter(([, state]) => (state.Retry ?? []).some((retry) => retry.ErrorEquals.includes('States.Timeout')))
      .map(([name, state]) => [name, stepOfResource(state.Resource)]);
    expect(crashRetried.sort()).toEqual(
      [
        [StateNames.checkDrain, 'check-drain'],
        [StateNames.checkDrainRollback, 'check-drain'],
        [StateNames.checkGate, 'gate'],
        [StateNames.checkGateAfterBake, 'gate'],
        // Continues only what is still paused; ECS refuses a hook answered twice.
        [StateNames.releaseRollback, 'gate'],
        [StateNames.probe, 'probe'],
        [StateNames.probeRollback, 'probe'],
        ...Object.entries(StateNames)
          .filter(([key]) => key.startsWith('releaseLock'))
          .map(([, name]) => [name, 'release-lock']),
      ].sort(),
    );
    for (const [, state] of allStates().filter(([name]) => name === StateNames.probe)) {
      expect(state.Retry?.find((retry) => retry.ErrorEquals.includes('States.Timeout'))?.ErrorEquals).toEqual(
        LAMBDA_CRASH_ERRORS,
      );
    }
  });

  it('invokes each step function by ARN, one function per step', () => {
    const expected: Record<string, string> = {
      [StateNames.prepare]: 'prepare',
      [StateNames.checkTargetRoles]: 'check-target-roles',
      [StateNames.acquireLock]: 'acquire-lock',
      [StateNames.prepareRestore]: 'prepare-restore',
      [StateNames.updateScheduledTask]: 'update-scheduled-task',
      [StateNames.rollBackScheduledTask]: 'update-scheduled-task',
      [StateNames.registerTaskDefinition]: 'register-task-definition',
      [StateNames.updateService]: 'update-service',
      [StateNames.probe]: 'probe',
      [StateNames.probeRollback]: 'probe',
      [StateNames.checkDrain]: 'check-drain',
      [StateNames.checkDrainRollback]: 'check-drain',
      [StateNames.rollBackService]: 'roll-back',
      [StateNames.checkRolledBackServices]: 'report',
      [StateNames.summariseRollback]: 'report',
      [StateNames.report]: 'report',
      [StateNames.reportSkipped]: 'report',
      [StateNames.cleanUpRevisions]: 'clean-up-revisions',
      [StateNames.notifyDeployed]: 'notify',
      [StateNames.notifyRolledBack]: 'notify',
      [StateNames.releaseLockDeployed]: 'release-lock',
      [StateNames.releaseLockConcurrent]: 'release-lock',
      [StateNames.checkGate]: 'gate',
      [StateNames.checkGateAfterBake]: 'gate',
      [StateNames.continueGate]: 'gate',
    };
    const stepOf = new Map(
      functions.map((fn) => [`arn:aws:lambda:us-east-1:000000000000:function:${fn.logicalId}`, fn.step]),
    );
    const actual = Object.fromEntries(
      allStates()
        .filter(([, state]) => state.Type === 'Task' && !isCallback(state))
        .map(([name, state]) => [name, stepOf.get(state.Resource ?? '')]),
    );
    expect(actual).toMatchObject(expected);
    // Park Wait is invoked by the event waits (test/cdk/event-wait.test.ts), Wake by the aws.ecs rule.
    const notByArn = ['park-wait', 'wake'];
    expect(new Set(Object.values(actual))).toEqual(
      new Set(functions.map((fn) => fn.step).filter((step) => !notByArn.includes(step))),
    );
  });

  it('times out above four phases (verify, drain, and both again) of the longest gehen.yml timeout', () => {
    expect(asl.TimeoutSeconds).toBeGreaterThan(4 * 1440 * 60);
  });

  it('cleans up old revisions only with cleanupRevisions, and whatever happens there still reports Deployed', () => {
    const drained = asl.States[StateNames.drainChoice] as AslState & { Choices: Array<{ Next: string }> };
    expect(drained.Choices[0]?.Next).toBe(StateNames.cleanUpChoice);
    expect(asl.States[StateNames.cleanUpChoice]).toMatchObject({
      Choices: [{ Variable: '$.plan.deployment.keepRevisions', IsPresent: true, Next: StateNames.cleanUpRevisions }],
      Default: StateNames.report,
    });
    // Its result and its error stay in the history: Report reads the state as the drain left it.
    expect(asl.States[StateNames.cleanUpRevisions]).toMatchObject({
      ResultPath: null,
      Next: StateNames.report,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: StateNames.report, ResultPath: null }],
    });
  });

  it('matches the snapshot', () => {
    expect(asl).toMatchSnapshot();
  });
});
