import validateAsl from 'asl-validator';
import { pollingAssembly } from '../../bench/polling-baseline';
import { resolveDefinition } from '../../lib/resolve-definition';
import { StateNames as S } from '../../lib/state-names';
import type { SandboxAssembly } from '../../sandbox/gehen-sandbox';
import { synthForTest } from '../cdk/synth-once';

type States = Record<string, Record<string, unknown>>;

// The benchmark's baseline must be today's polling drain, or the event wait's comparison is void.
describe('pollingAssembly', () => {
  const { template, outdir } = synthForTest();
  const assembly = { dir: outdir, template } as unknown as SandboxAssembly;
  const statesOf = (t: SandboxAssembly['template']) =>
    (resolveDefinition(t as Parameters<typeof resolveDefinition>[0]) as { States: States }).States;
  const polling = pollingAssembly(assembly);
  const states = statesOf(polling.template);

  it('waits pollIntervalSeconds before each drain check, starting with the first, and never parks', () => {
    for (const [start, wait, check, poll] of [
      [S.startDrain, S.waitDrain, S.checkDrain, S.pollDrain],
      [S.startDrainRollback, S.waitDrainRollback, S.checkDrainRollback, S.pollDrainRollback],
    ] as const) {
      expect(states[start]?.Next).toBe(wait);
      expect(states[wait]).toEqual({ Type: 'Wait', SecondsPath: '$.plan.deployment.pollIntervalSeconds', Next: check });
      expect(states[poll]).toBeUndefined();
      expect(states[start]?.Parameters).not.toHaveProperty(['eventWaitSeconds.$']);
    }
    // No state invokes Park Wait (the gate's Await Approval, a callback Task of its own, stays).
    const park = (statesOf(assembly.template)[S.waitDrain]?.Parameters as { FunctionName?: string } | undefined)
      ?.FunctionName;
    expect(park).toEqual(expect.stringContaining('ParkWait'));
    expect(JSON.stringify(states)).not.toContain(park);
  });

  it('polls the gate as it did before its hook wait: Start Gate → Wait At Gate → Check Gate, every undecided round back to Wait At Gate', () => {
    expect(states[S.startGate]?.Next).toBe(S.waitGate);
    expect(states[S.startGate]?.Parameters).not.toHaveProperty(['eventWaitSeconds.$']);
    expect(states[S.waitGate]).toEqual({
      Type: 'Wait',
      SecondsPath: '$.plan.deployment.pollIntervalSeconds',
      Next: S.checkGate,
    });
    const choice = states[S.gateLoopChoice] as { Choices: Array<{ Next: string }>; Default: string };
    const product = statesOf(assembly.template)[S.gateLoopChoice] as typeof choice;
    expect(choice.Default).toBe(S.waitGate);
    // Only the rule for services not paused yet goes; done, failed and expired lead where they did.
    expect(choice.Choices).toEqual(product.Choices.filter((rule) => rule.Next !== S.waitGateHooks));
    expect(choice.Choices.map((rule) => rule.Next)).toContain(S.approvalChoice);
    expect(JSON.stringify(states)).not.toContain(S.waitGateHooks);
    expect(JSON.stringify(states)).not.toContain(S.pollGateHooks);
  });

  it('is valid ASL whose Tasks still name the template’s functions', () => {
    const definition = resolveDefinition(polling.template as Parameters<typeof resolveDefinition>[0]);
    const { isValid, errorsText } = validateAsl(structuredClone(definition));
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
    expect(states[S.checkDrain]).toEqual(statesOf(assembly.template)[S.checkDrain]);
  });

  it('drops the aws.ecs rule that invokes Wake, and leaves the product’s template alone', () => {
    const ecsRules = (t: SandboxAssembly['template']) =>
      Object.values(t.Resources).filter(
        (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties?.EventPattern).includes('"aws.ecs"'),
      );
    expect(ecsRules(assembly.template)).toHaveLength(1);
    expect(ecsRules(polling.template)).toEqual([]);
    expect(statesOf(assembly.template)[S.waitDrain]?.Type).toBe('Task');
  });
});
