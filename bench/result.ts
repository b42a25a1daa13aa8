/** What `npm run bench` measures: the figures of one run, as printed and as written to bench/results/. */

export const HISTORY_EVENT_LIMIT = 25_000;
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

export interface Machine {
  os: string;
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  node: string;
}

export interface HistoryMetrics {
  historyEvents: number;
  /** Events counted by the sandbox (`GET /_sandbox/stats`), a cross-check of `historyEvents`. */
  statsEvents: number | null;
  stateTransitions: number;
  maxPayloadBytes: number;
  /** Probe and Check Drain invocations: one per poll round. */
  pollRounds: number;
  lambdaInvocations: number;
  /** Billed (per started ms) duration × configured memory, summed. */
  lambdaGbSeconds: number;
}

export interface ApiLoad {
  services: number;
  pollRounds: number;
  /** ECS calls made while polling (after the first Wait of the verify loop), by operation. */
  callsByOperation: Record<string, number>;
  perServicePerRound: Record<string, number>;
  readCallsPerServicePerRound: number;
  /** TouchBistro/gehen: DescribeServices, ListTasks and DescribeTasks per service every round. */
  originalPerServicePerRound: number;
}

/**
 * A deployment under `throttling: aws`: ECS's task-definition-modify bucket (burst 20, then 1 a
 * second) lets R registrations through no sooner than (R − burst) / rate seconds: the floor.
 */
export interface ThrottledRun {
  /** The registrations the deploy needs: one per service and scheduled-task target. */
  registrations: number;
  burst: number;
  ratePerSecond: number;
  floorSeconds: number;
  /** wallSeconds / floorSeconds (null when the registrations fit in the burst). */
  ratio: number | null;
  /** Calls answered ThrottlingException, by operation. */
  throttledCalls: Record<string, number>;
}

export interface ScaleRun extends HistoryMetrics {
  label: string;
  services: number;
  clusters: number;
  scheduledTasks: number;
  rollback: boolean;
  pollIntervalSeconds: number;
  status: string;
  exitCode: number;
  /** `gehen deploy` from start to exit (it follows the execution every 1–2 s). */
  wallSeconds: number;
  /** StartExecution to the terminal event. */
  executionSeconds: number;
  apiLoad: ApiLoad | null;
  /** Set for runs under `throttling: aws`; null otherwise. */
  throttling: ThrottledRun | null;
  executionArn: string;
}

export interface LatencyResult {
  pollIntervalSeconds: number;
  /** Seconds from the load balancer serving only the new version to the workflow leaving the verify loop. */
  samplesSeconds: number[];
  medianSeconds: number;
  maxSeconds: number;
}

/** `event`: the synthesized workflow (the drain waits on ECS's events); `poll`: the polling baseline. */
export type WaitMode = 'event' | 'poll';

export interface EventWaitSample {
  gitsha: string;
  /** How long the old version drained (the sample's fault). */
  drainSeconds: number;
  /** StateEntered events of the whole deployment: what Standard workflows bill. */
  stateTransitions: number;
  /** Check Drain rounds. */
  drainRounds: number;
  /** From the last SERVICE_DEPLOYMENT_COMPLETED on the bus to entering Clean Up Revisions?. */
  decisionSeconds: number;
  /** The deciding event came once the drain loop had started (else the sample measured the verify phase). */
  eventDuringDrain: boolean;
}

export interface EventWaitRun {
  mode: WaitMode;
  services: number;
  pollIntervalSeconds: number;
  samples: EventWaitSample[];
  transitionsMedian: number;
  transitionsTotal: number;
  decisionMedianSeconds: number;
  decisionMaxSeconds: number;
}

export interface GateWaitSample {
  gitsha: string;
  /** How long the new version's tasks took to start (the sample's fault): when the PAUSE hooks began. */
  hookSeconds: number;
  /** StateEntered events of the gate loop: from Start Gate up to the decision (Approval Needed? excluded). */
  gateTransitions: number;
  /** StateEntered events of the whole deployment (its drain waits on events too in `event` mode). */
  stateTransitions: number;
  /** Check Gate rounds. */
  gateRounds: number;
  /** From the last HOOK_AWAITING_ACTION on the bus to entering Approval Needed?. */
  decisionSeconds: number;
  /** The deciding event came once the gate loop had started (else the sample measured Deploy Services). */
  eventDuringGate: boolean;
}

export interface GateWaitRun {
  mode: WaitMode;
  services: number;
  pollIntervalSeconds: number;
  samples: GateWaitSample[];
  gateTransitionsMedian: number;
  gateTransitionsTotal: number;
  decisionMedianSeconds: number;
  decisionMaxSeconds: number;
}

export interface BundleStart {
  step: string;
  bytes: number;
  memoryMb: number;
  loadMsSamples: number[];
  loadMsMedian: number;
}

export interface CliStart {
  command: string;
  msSamples: number[];
  msMedian: number;
}

export interface CostRow {
  services: number;
  stateTransitions: number;
  lambdaGbSeconds: number;
  stepFunctionsUsd: number;
  lambdaUsd: number;
  totalUsd: number;
}

export interface TargetCheck {
  name: string;
  value: number;
  target: number;
  unit: string;
  pass: boolean;
}

/** The sections `--only` can run alone. */
export const BENCH_SECTIONS = ['event-wait', 'gate-wait'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

export interface BenchResult {
  command: string;
  smoke: boolean;
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  /** `--only event-wait` (or gate-wait) runs that section alone: the others are then empty (apiLoad null). */
  only: BenchSection | null;
  scale: ScaleRun[];
  apiLoad: ApiLoad | null;
  latency: LatencyResult[];
  /** Issue 16 §3: the drain waiting on ECS events against the polling baseline. */
  eventWait: EventWaitRun[];
  /** Issue 16 §3: the gate waiting on ECS's hook events against the polling baseline. */
  gateWait: GateWaitRun[];
  coldStart: { bundles: BundleStart[]; cli: CliStart[] };
  cost: CostRow[];
  targets: TargetCheck[];
}
