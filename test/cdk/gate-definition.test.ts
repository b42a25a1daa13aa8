import { AWAIT_APPROVAL_STATE_NAME } from '../../lambdas/shared/contracts/state-names';
import { resolveDefinition } from '../../lib/resolve-definition';
import { StateNames as S } from '../../lib/state-names';
import { synthForTest } from './synth-once';

interface State {
  Type: string;
  Next?: string;
  Default?: string;
  Resource?: string;
  Choices?: Array<{
    Next: string;
    Variable?: string;
    StringEquals?: string;
    NumericGreaterThan?: number;
    IsPresent?: boolean;
  }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string; ResultPath?: string }>;
  Parameters?: Record<string, unknown>;
  TimeoutSecondsPath?: string;
  SecondsPath?: string;
  ResultPath?: string | null;
}

let states: Record<string, State>;

beforeAll(() => {
  states = (resolveDefinition(synthForTest().template) as unknown as { States: Record<string, State> }).States;
});

function state(name: string): State {
  const found = states[name];
  if (!found) throw new Error(`no state ${name}`);
  return found;
}

/** Every transition out of a state: [target, how] (Next, Default, a Choice's condition, a Catch). */
function edges(name: string): Array<{ to: string; via: string }> {
  const s = state(name);
  return [
    ...(s.Next ? [{ to: s.Next, via: 'Next' }] : []),
    ...(s.Default ? [{ to: s.Default, via: 'Default' }] : []),
    ...(s.Choices ?? []).map((c) => ({
      to: c.Next,
      via: `${c.Variable}=${c.StringEquals ?? c.NumericGreaterThan ?? (c.IsPresent ? 'present' : undefined)}`,
    })),
    ...(s.Catch ?? []).map((c) => ({ to: c.Next, via: 'Catch' })),
  ];
}

/** The states reachable from `from`, not following `skip`'s transitions. */
function reachable(from: string, skip: (from: string, via: string) => boolean = () => false): Set<string> {
  const seen = new Set<string>([from]);
  const queue = [from];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const { to, via } of edges(name)) {
      if (skip(name, via) || seen.has(to)) continue;
      seen.add(to);
      queue.push(to);
    }
  }
  return seen;
}

const GATE_STATES: readonly string[] = [
  S.startGate,
  S.waitGate,
  S.waitGateHooks,
  S.pollGateHooks,
  S.checkGate,
  S.gateLoopChoice,
  S.approvalChoice,
  S.awaitApproval,
  S.bakeChoice,
  S.bakeAtGate,
  S.checkGateAfterBake,
  S.gateHeldChoice,
  S.continueGate,
];

describe('the gate in the gehen-deploy definition', () => {
  it('follows Deploy Services only when the plan has a gate, and leads to verify', () => {
    expect(state(S.deployServices).Next).toBe(S.gateChoice);
    expect(state(S.gateChoice)).toMatchObject({
      Choices: [{ Variable: '$.plan.gate', IsPresent: true, Next: S.startGate }],
      Default: S.startVerify,
    });
    expect(state(S.continueGate).Next).toBe(S.startVerify);
  });

  it('checks at once, and goes on only once every service is at the gate', () => {
    // An event wait checks first: a hook that started waiting before the park would not end it.
    expect(state(S.startGate).Next).toBe(S.checkGate);
    expect(state(S.waitGate)).toMatchObject({
      Next: S.checkGate,
      SecondsPath: '$.plan.deployment.pollIntervalSeconds',
    });
    expect(state(S.checkGate)).toMatchObject({
      Next: S.gateLoopChoice,
      ResultPath: '$.round',
      Parameters: { action: 'check', 'round.$': '$.round', 'plan.$': '$.plan', 'deployed.$': '$.deployed' },
    });
    expect(edges(S.gateLoopChoice)).toEqual([
      { to: S.waitGate, via: 'Default' },
      { to: S.approvalChoice, via: '$.round.status=done' },
      { to: S.failureKindChoice, via: '$.round.status=failed' },
      { to: S.failureKindChoice, via: '$.round.status=expired' },
      // Services not paused yet: their hooks' events end the wait. Else (testUrls alone) the Wait.
      { to: S.waitGateHooks, via: '$.round.pending=present' },
    ]);
  });

  it("waits on ECS's hook events while services are not paused, with the drain's safety net and fallback", () => {
    expect(state(S.waitGateHooks)).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSecondsPath: '$.eventWaitSeconds',
      ResultPath: '$.wake',
      Next: S.checkGate,
      // A gate's wait: Wake ends it on HOOK_AWAITING_ACTION (and a failure), not on a completion.
      Parameters: { Payload: { kind: 'gate', 'round.$': '$.round', 'taskToken.$': '$$.Task.Token' } },
    });
    expect(state(S.waitGateHooks).Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['States.Timeout'], Next: S.checkGate }),
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: S.pollGateHooks }),
    ]);
    expect(state(S.pollGateHooks)).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.plan.deployment.pollIntervalSeconds',
      Next: S.checkGate,
    });
    // The start Pass sets the safety net's seconds, as the drain's does.
    expect(state(S.startGate)).toMatchObject({ Parameters: { 'eventWaitSeconds.$': expect.any(String) } });
  });

  it('waits for an operator only with approval manual, with a task token and the phase timeout', () => {
    expect(AWAIT_APPROVAL_STATE_NAME).toBe('Await Approval');
    expect(state(S.approvalChoice)).toMatchObject({
      Choices: [{ Variable: '$.plan.gate.approval', StringEquals: 'manual', Next: S.awaitApproval }],
      Default: S.bakeChoice,
    });
    expect(state(S.awaitApproval)).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSecondsPath: '$.plan.deployment.timeoutSeconds',
      ResultPath: null,
      Next: S.bakeChoice,
      Parameters: { Payload: { action: 'request-approval', 'taskToken.$': '$$.Task.Token', 'plan.$': '$.plan' } },
    });
    // A rejection (SendTaskFailure), the timeout (States.Timeout) and anything else roll back.
    expect(state(S.awaitApproval).Catch).toEqual([
      { ErrorEquals: ['States.ALL'], Next: S.failureKindChoice, ResultPath: '$.error' },
    ]);
  });

  it('bakes only with bakeMinutes, then checks the gate once more before continuing', () => {
    expect(state(S.bakeChoice)).toMatchObject({
      Choices: [{ Variable: '$.plan.gate.bakeSeconds', NumericGreaterThan: 0, Next: S.bakeAtGate }],
      Default: S.continueGate,
    });
    expect(state(S.bakeAtGate)).toMatchObject({ Next: S.checkGateAfterBake, SecondsPath: '$.plan.gate.bakeSeconds' });
    expect(state(S.checkGateAfterBake)).toMatchObject({
      Next: S.gateHeldChoice,
      Parameters: { action: 'check', final: true },
    });
    // A fresh round (CDK drops a null parameter: no round means the first): every testUrl probed again.
    expect(state(S.checkGateAfterBake).Parameters).not.toHaveProperty(['round.$']);
    expect(edges(S.gateHeldChoice)).toEqual([
      { to: S.failureKindChoice, via: 'Default' },
      { to: S.continueGate, via: '$.round.status=done' },
    ]);
  });

  it('reaches Continue Gate only through a round in which every service passed', () => {
    const done = (from: string, via: string) =>
      (from === S.gateLoopChoice || from === S.gateHeldChoice) && via === '$.round.status=done';
    expect(reachable(S.startGate)).toContain(S.continueGate);
    expect(reachable(S.startGate, done)).not.toContain(S.continueGate);
  });

  it('sends every failure of the gate to the rollback', () => {
    for (const name of GATE_STATES) {
      for (const { to } of edges(name)) {
        expect({ name, to: GATE_STATES.includes(to) || to === S.startVerify || to === S.failureKindChoice }).toEqual({
          name,
          to: true,
        });
      }
      // The event wait's catches are no failure: a timeout checks again, a failed park polls.
      if (name === S.waitGateHooks) continue;
      for (const catcher of state(name).Catch ?? [])
        expect({ name, to: catcher.Next }).toEqual({ name, to: S.failureKindChoice });
    }
    for (const task of GATE_STATES.filter((name) => state(name).Type === 'Task')) {
      expect({ task, caught: state(task).Catch?.some((c) => c.ErrorEquals.includes('States.ALL')) }).toEqual({
        task,
        caught: true,
      });
    }
  });
});
