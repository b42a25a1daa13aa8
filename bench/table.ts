import { type BenchResult, HISTORY_EVENT_LIMIT, PAYLOAD_LIMIT_BYTES } from './result';
import { TARGETS, targetNames } from './targets';

interface Row {
  section: string;
  scenario: string;
  measure: string;
  value: string;
  target: string;
  result: string;
}

/** The one table `npm run bench` prints: markdown, so docs/performance.md can quote it as is. */
export function renderTable(result: BenchResult): string {
  const rows: Row[] = [];
  const verdict = (name: string) => {
    const check = result.targets.find((t) => t.name === name);
    return check ? (check.pass ? 'PASS' : 'MISS') : '';
  };
  const margin = (value: number, limit: number) => `${pct(1 - value / limit)} margin`;

  for (const run of result.scale) {
    const scenario = `${run.label} (${run.status}, poll ${run.pollIntervalSeconds} s)`;
    const add = (measure: string, value: string, target = '', res = '') =>
      rows.push({ section: 'Scale', scenario, measure, value, target, result: res });
    add('wall time', `${run.wallSeconds.toFixed(1)} s`);
    add('state transitions', int(run.stateTransitions));
    const isRollbackTarget =
      run.rollback &&
      result.targets.some((t) => t.name === targetNames.rollbackHistory && t.value === run.historyEvents);
    add(
      'history events',
      int(run.historyEvents),
      isRollbackTarget ? `≤ ${int(HISTORY_EVENT_LIMIT / 2)} (half the limit)` : `≤ ${int(HISTORY_EVENT_LIMIT)}`,
      isRollbackTarget
        ? `${verdict(targetNames.rollbackHistory)}, ${margin(run.historyEvents, HISTORY_EVENT_LIMIT)}`
        : margin(run.historyEvents, HISTORY_EVENT_LIMIT),
    );
    add('largest state payload', kb(run.maxPayloadBytes), '≤ 256 KB', margin(run.maxPayloadBytes, PAYLOAD_LIMIT_BYTES));
    const throttled = run.throttling;
    if (throttled) {
      add(
        'wall time ÷ RegisterTaskDefinition floor',
        throttled.ratio === null ? 'n/a (within the burst)' : `${throttled.ratio.toFixed(2)}×`,
        throttled.ratio === null
          ? `floor 0 s: ${throttled.registrations} registrations ≤ burst ${throttled.burst}`
          : `floor ${throttled.floorSeconds.toFixed(0)} s = (${throttled.registrations} − ${throttled.burst}) / ${throttled.ratePerSecond} s`,
      );
      const calls = Object.entries(throttled.throttledCalls).sort(([a], [b]) => a.localeCompare(b));
      add(
        'calls throttled',
        int(calls.reduce((sum, [, n]) => sum + n, 0)),
        '',
        calls.map(([operation, n]) => `${operation} ${int(n)}`).join(', '),
      );
    }
  }

  const load = result.apiLoad;
  const loadScenario = load ? `${load.services} services, ${load.pollRounds} rounds` : '';
  for (const [operation, value] of Object.entries(load?.perServicePerRound ?? {})) {
    rows.push({
      section: 'API load',
      scenario: loadScenario,
      measure: `${operation} / service / round`,
      value: fixed(value, 3),
      target: '',
      result: '',
    });
  }
  if (load) {
    rows.push({
      section: 'API load',
      scenario: loadScenario,
      measure: 'ECS read calls / service / round',
      value: fixed(load.readCallsPerServicePerRound, 3),
      target: '≤ 0.3',
      result: `${verdict(targetNames.apiLoad)} (original: ~${load.originalPerServicePerRound}, ${times(load.originalPerServicePerRound / load.readCallsPerServicePerRound)} fewer)`,
    });
  }

  for (const latency of result.latency) {
    const name = targetNames.latency(latency.pollIntervalSeconds);
    rows.push({
      section: 'Detection',
      scenario: `poll ${latency.pollIntervalSeconds} s, ${latency.samplesSeconds.length} sample${latency.samplesSeconds.length === 1 ? '' : 's'}`,
      measure: 'only-new at LB → verify loop left (median / max)',
      value: `${latency.medianSeconds.toFixed(2)} / ${latency.maxSeconds.toFixed(2)} s`,
      target: `≤ ${latency.pollIntervalSeconds + 0.5} s`,
      result: verdict(name),
    });
  }

  rows.push(...eventWaitRows(result, verdict));
  rows.push(...gateWaitRows(result, verdict));

  for (const bundle of result.coldStart.bundles) {
    const scenario = `${bundle.step} bundle`;
    rows.push({
      section: 'Cold start',
      scenario,
      measure: 'size',
      value: kb(bundle.bytes),
      target: '≤ 300 KB',
      result: verdict(targetNames.bundleSize(bundle.step)),
    });
    rows.push({
      section: 'Cold start',
      scenario,
      measure: 'module load (median)',
      value: `${bundle.loadMsMedian.toFixed(0)} ms`,
      target: '≤ 150 ms',
      result: verdict(targetNames.bundleLoad(bundle.step)),
    });
  }
  for (const cli of result.coldStart.cli) {
    const target =
      cli.command === targetNames.version
        ? { ms: TARGETS.versionMs, name: targetNames.version }
        : cli.command === targetNames.validateBigConfig
          ? { ms: TARGETS.validateBigConfigMs, name: targetNames.validateBigConfig }
          : null;
    rows.push({
      section: 'Cold start',
      scenario: cli.command,
      measure: 'wall time (median)',
      value: `${cli.msMedian.toFixed(0)} ms`,
      target: target ? `≤ ${target.ms} ms` : '',
      result: target ? verdict(target.name) : '',
    });
  }

  for (const cost of result.cost) {
    rows.push({
      section: 'Cost',
      scenario: `${cost.services} service${cost.services === 1 ? '' : 's'}`,
      measure: 'per deployment (Step Functions + Lambda)',
      value: `$${cost.totalUsd.toFixed(5)}`,
      target: '',
      result: `${int(cost.stateTransitions)} transitions = $${cost.stepFunctionsUsd.toFixed(5)}; ${cost.lambdaGbSeconds.toFixed(2)} GB-s = $${cost.lambdaUsd.toFixed(5)}`,
    });
  }
  return markdown(rows);
}

/** Issue 16 §3: per size, the event wait's figures beside the polling baseline's. */
function eventWaitRows(result: BenchResult, verdict: (name: string) => string): Row[] {
  const rows: Row[] = [];
  for (const event of result.eventWait.filter((run) => run.mode === 'event')) {
    const poll = result.eventWait.find((run) => run.mode === 'poll' && run.services === event.services);
    const scenario = `${event.services} service${event.services === 1 ? '' : 's'}, poll ${event.pollIntervalSeconds} s, ${event.samples.length} sample${event.samples.length === 1 ? '' : 's'}`;
    const add = (measure: string, value: string, target: string, res: string) =>
      rows.push({ section: 'Event wait', scenario, measure, value, target, result: res });
    const early = [event, poll].flatMap((run) => run?.samples ?? []).filter((s) => !s.eventDuringDrain).length;
    add(
      'ECS event → decision, event wait (median / max)',
      `${event.decisionMedianSeconds.toFixed(2)} / ${event.decisionMaxSeconds.toFixed(2)} s`,
      `≤ ${TARGETS.eventDecisionSeconds} s`,
      `${verdict(targetNames.eventDecision(event.services))}${early > 0 ? ` (${early} sample(s) had the event before the drain loop)` : ''}`,
    );
    if (!poll) continue;
    add(
      'ECS event → decision, polling (median / max)',
      `${poll.decisionMedianSeconds.toFixed(2)} / ${poll.decisionMaxSeconds.toFixed(2)} s`,
      '',
      `${times(poll.decisionMedianSeconds / event.decisionMedianSeconds)} the event wait's median`,
    );
    add(
      'state transitions, event wait vs polling (sum)',
      `${int(event.transitionsTotal)} vs ${int(poll.transitionsTotal)}`,
      '≤ polling',
      `${verdict(targetNames.eventTransitions(event.services))} (per sample: ${event.samples.map((s) => s.stateTransitions).join(', ')} vs ${poll.samples.map((s) => s.stateTransitions).join(', ')}; drains ${event.samples.map((s) => `${s.drainSeconds.toFixed(1)}`).join(', ')} s)`,
    );
  }
  return rows;
}

/** Issue 16 §3, the gate: per size, the hook wait's figures beside the polling baseline's. */
function gateWaitRows(result: BenchResult, verdict: (name: string) => string): Row[] {
  const rows: Row[] = [];
  for (const event of result.gateWait.filter((run) => run.mode === 'event')) {
    const poll = result.gateWait.find((run) => run.mode === 'poll' && run.services === event.services);
    const scenario = `${event.services} service${event.services === 1 ? '' : 's'}, poll ${event.pollIntervalSeconds} s, ${event.samples.length} sample${event.samples.length === 1 ? '' : 's'}`;
    const add = (measure: string, value: string, target: string, res: string) =>
      rows.push({ section: 'Gate wait', scenario, measure, value, target, result: res });
    const early = [event, poll].flatMap((run) => run?.samples ?? []).filter((s) => !s.eventDuringGate).length;
    add(
      'last hook paused → gate decision, event wait (median / max)',
      `${event.decisionMedianSeconds.toFixed(2)} / ${event.decisionMaxSeconds.toFixed(2)} s`,
      `≤ ${TARGETS.eventDecisionSeconds} s`,
      `${verdict(targetNames.gateDecision(event.services))}${early > 0 ? ` (${early} sample(s) had the event before the gate loop)` : ''}`,
    );
    if (!poll) continue;
    add(
      'last hook paused → gate decision, polling (median / max)',
      `${poll.decisionMedianSeconds.toFixed(2)} / ${poll.decisionMaxSeconds.toFixed(2)} s`,
      '',
      `${times(poll.decisionMedianSeconds / event.decisionMedianSeconds)} the event wait's median`,
    );
    add(
      'gate-loop transitions, event wait vs polling (sum)',
      `${int(event.gateTransitionsTotal)} vs ${int(poll.gateTransitionsTotal)}`,
      '≤ polling',
      `${verdict(targetNames.gateTransitions(event.services))} (per sample: ${event.samples.map((s) => s.gateTransitions).join(', ')} vs ${poll.samples.map((s) => s.gateTransitions).join(', ')}; hooks after ${event.samples.map((s) => `${s.hookSeconds.toFixed(1)}`).join(', ')} s)`,
    );
  }
  return rows;
}

function markdown(rows: readonly Row[]): string {
  const header: Row = {
    section: 'Section',
    scenario: 'Case',
    measure: 'Measure',
    value: 'Value',
    target: 'Target / limit',
    result: 'Result',
  };
  const keys = Object.keys(header) as Array<keyof Row>;
  const widths = keys.map((key) => Math.max(...[header, ...rows].map((row) => row[key].length)));
  const line = (row: Row) => `| ${keys.map((key, i) => row[key].padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

function times(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(0)}×` : '∞×';
}
