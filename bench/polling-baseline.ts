import { stateMachineOf } from '../lib/resolve-definition';
import { StateNames as S } from '../lib/state-names';
import type { SandboxAssembly } from '../sandbox/gehen-sandbox';

type AslState = Record<string, unknown>;

/**
 * Each loop that waits on ECS alone every round — the drain loops, and a gate's rollback releasing
 * its deployments at the hooks — with its event wait, the Wait it fell back to, and its start Pass.
 */
const DRAIN_LOOPS = [
  { start: S.startDrain, wait: S.waitDrain, poll: S.pollDrain },
  { start: S.startDrainRollback, wait: S.waitDrainRollback, poll: S.pollDrainRollback },
  { start: S.startReleaseRollback, wait: S.waitReleaseRollback, poll: S.pollReleaseRollback },
] as const;

/** The gate loop: its start Pass, its plain Wait, its event wait (while services are not paused yet) with its fallback Wait, its Choice. */
const GATE_LOOP = {
  start: S.startGate,
  wait: S.waitGate,
  park: S.waitGateHooks,
  poll: S.pollGateHooks,
  choice: S.gateLoopChoice,
} as const;

const TOKEN = /@@TOKEN(\d+)@@/;

/**
 * The benchmark's baseline, NOT the product: the synthesized template turned back into today's
 * polling drain, as gehen ran before it waited on ECS events. In each drain loop the park Task
 * (Wait For Drain, Wait For Rollback Drain, Wait For Rollback At Hooks) becomes a Wait of `pollIntervalSeconds` on the same
 * name, entered from the start Pass before the first check (the event wait checks first), and
 * the park's fallback Wait goes. The gate loop becomes what it was before it waited on ECS's hook
 * events: Start Gate → Wait At Gate → Check Gate → Every Service At Gate? → Wait At Gate …, its
 * event wait Wait For Hooks At Gate and that wait's fallback gone. The `aws.ecs` rule that invokes
 * Wake goes. The assembly's bundles are shared: only the template differs.
 */
export function pollingAssembly(assembly: SandboxAssembly): SandboxAssembly {
  const template = structuredClone(assembly.template);
  const { logicalId } = stateMachineOf(template);
  const machine = template.Resources[logicalId];
  if (!machine?.Properties) throw new Error(`${logicalId} has no properties`);
  machine.Properties.DefinitionString = mapDefinition(machine.Properties.DefinitionString, pollingLoops);
  for (const [id, resource] of Object.entries(template.Resources)) {
    const pattern = resource.Properties?.EventPattern as { source?: unknown } | undefined;
    if (resource.Type === 'AWS::Events::Rule' && JSON.stringify(pattern?.source) === '["aws.ecs"]') {
      delete template.Resources[id];
    }
  }
  return { dir: assembly.dir, template };
}

/** `definition` with its drain loops and its gate loop polling: the transformation itself, on plain ASL. */
export function pollingLoops(definition: Record<string, unknown>): Record<string, unknown> {
  const states = definition.States as Record<string, AslState>;
  for (const loop of DRAIN_LOOPS) {
    const park = states[loop.wait];
    const start = states[loop.start];
    if (park?.Type !== 'Task' || start?.Type !== 'Pass' || typeof park.Next !== 'string') {
      throw new Error(`the definition has no event wait ${loop.wait} after ${loop.start}: nothing to turn back`);
    }
    states[loop.wait] = { Type: 'Wait', SecondsPath: '$.plan.deployment.pollIntervalSeconds', Next: park.Next };
    delete states[loop.poll];
    const { 'eventWaitSeconds.$': _, ...parameters } = start.Parameters as Record<string, unknown>;
    states[loop.start] = { ...start, Parameters: parameters, Next: loop.wait };
  }
  // The gate polls too (with the aws.ecs rule gone, nothing would wake its park): every round
  // that is not decided waits pollIntervalSeconds in Wait At Gate, the first one included.
  const gateStart = states[GATE_LOOP.start];
  const gateChoice = states[GATE_LOOP.choice];
  const gateWait = states[GATE_LOOP.wait];
  if (
    states[GATE_LOOP.park]?.Type !== 'Task' ||
    gateStart?.Type !== 'Pass' ||
    gateChoice?.Type !== 'Choice' ||
    gateWait?.Type !== 'Wait'
  ) {
    throw new Error(`the definition has no gate loop parking in ${GATE_LOOP.park}: nothing to turn back`);
  }
  delete states[GATE_LOOP.park];
  delete states[GATE_LOOP.poll];
  const choices = gateChoice.Choices as Array<{ Next?: string }>;
  states[GATE_LOOP.choice] = { ...gateChoice, Choices: choices.filter((rule) => rule.Next !== GATE_LOOP.park) };
  const { 'eventWaitSeconds.$': _gate, ...gateParameters } = gateStart.Parameters as Record<string, unknown>;
  states[GATE_LOOP.start] = { ...gateStart, Parameters: gateParameters, Next: GATE_LOOP.wait };
  return definition;
}

/**
 * Applies `transform` to a DefinitionString as CDK writes it (a string, or an Fn::Join of strings
 * and Ref/Fn::GetAtt tokens): each token stands in the JSON as a placeholder string while the
 * ASL is parsed and transformed, then goes back into the Fn::Join where the placeholder ended up.
 */
function mapDefinition(
  definitionString: unknown,
  transform: (definition: Record<string, unknown>) => Record<string, unknown>,
): unknown {
  if (typeof definitionString === 'string') return JSON.stringify(transform(JSON.parse(definitionString)));
  const join = (definitionString as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join?.[0] !== '') throw new Error('DefinitionString is neither a string nor an Fn::Join on ""');
  const tokens: unknown[] = [];
  const text = join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      tokens.push(part);
      return `@@TOKEN${tokens.length - 1}@@`;
    })
    .join('');
  const parts = JSON.stringify(transform(JSON.parse(text)))
    .split(TOKEN)
    .map((piece, i) => (i % 2 === 0 ? piece : tokens[Number(piece)]));
  return { 'Fn::Join': ['', parts.filter((part) => part !== '')] };
}
