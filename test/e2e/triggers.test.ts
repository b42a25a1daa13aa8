import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { DeploymentReport } from '../../lambdas/shared/contracts/state';
import { StateNames } from '../../lib/state-names';
import type { StoredEvent } from '../../sandbox/events';
import { demoConfig, demoService, ECR, itOn, onProfile, PROFILES } from './fleets';
import { type E2e, enteredStates, startE2e, taskDefinition } from './harness';

const SLOW = 'f00f00f';

// The trigger's config is embedded in the synthesized template: no load balancer URLs (their
// ports change per run), so services are live when their ECS deployment completes.
const TRIGGER_CONFIG = `trigger:
  ecrRepository: api
services:
  api:
    cluster: demo
  worker:
    cluster: demo
timeoutMinutes: 1
pollIntervalSeconds: 1
requiredMatches: 1
`;

/** An image push to ECR: ECR puts its `ECR Image Action` event on the default bus. A push by digest has no tag. */
interface Push {
  repository: string;
  tag?: string;
  digest: string;
}

function pushOf(tag: string | undefined, repository = 'api'): Push {
  const digest = `sha256:${createHash('sha256')
    .update(`${repository}:${tag ?? 'untagged'}`)
    .digest('hex')}`;
  return { repository, ...(tag === undefined ? {} : { tag }), digest };
}

interface Finished {
  executionArn: string;
  described: DescribeExecutionCommandOutput;
  report: DeploymentReport;
}

describe.each(PROFILES)('ECR push triggers and overlapping deployments on the sandbox (%s)', (profile) => {
  let e2e: E2e;
  let configDir: string;
  const notifications: StoredEvent[] = [];

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'gehen-trigger-'));
    const configPath = join(configDir, 'gehen.yml');
    writeFileSync(configPath, TRIGGER_CONFIG);
    e2e = await startE2e(
      onProfile(profile, {
        services: [
          demoService('api', { desiredCount: 2 }),
          // Its container runs the api image.
          demoService('worker', {
            desiredCount: 1,
            taskDefinition: taskDefinition('worker', ['worker', `${ECR}/api:1111111`]),
          }),
        ],
        timing: { taskStartSeconds: 0.2, drainSeconds: 0.2 },
        // 50 modelled minutes: still starting when the overlapping deploy comes, on both profiles.
        faults: { [SLOW]: { startSeconds: 3_000 } },
      }),
      { context: { 'gehen:configs': configPath } },
    );
    e2e.sandbox.onEvent((event) => {
      if (event.Source === 'gehen') notifications.push(event);
    });
  });
  afterAll(async () => {
    await e2e.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  /**
   * Pushes the images at once (ECR puts their events) and waits for the executions they started to end.
   * The executions are the ones the trigger rule's deliveries of those very events started: not read
   * from ListExecutions, which lags on the realistic profile (consistency.executionsSeconds).
   */
  async function push(...pushes: Push[]): Promise<Finished[]> {
    const answers = await Promise.all(
      pushes.map((body) =>
        fetch(`${e2e.sandbox.endpoint}/_sandbox/ecr-push`, { method: 'POST', body: JSON.stringify(body) }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(pushes.map(() => 200));
    const eventIds = new Set(
      await Promise.all(answers.map(async (answer) => ((await answer.json()) as { eventId: string }).eventId)),
    );
    const started = e2e.sandbox.eventRouting.deliveries.flatMap((delivery) =>
      eventIds.has(delivery.eventId) && delivery.executionArn ? [delivery.executionArn] : [],
    );
    return Promise.all(
      started.map(async (executionArn) => {
        await e2e.sandbox.stepFunctions.executionDone(executionArn);
        const described = await e2e.sfn.send(new DescribeExecutionCommand({ executionArn }));
        return { executionArn, described, report: JSON.parse(described.output ?? 'null') as DeploymentReport };
      }),
    );
  }

  const taskDefinitions = async () => [
    (await e2e.service('api')).taskDefinition,
    (await e2e.service('worker')).taskDefinition,
  ];

  itOn(profile)('deploys the pushed tag to every service of the config, and says so on the default bus', async () => {
    const [run, ...others] = await push(pushOf('3333333'));
    expect(others).toEqual([]);
    expect(run?.described.status).toBe('SUCCEEDED');
    expect(JSON.parse(run?.described.input ?? '{}')).toMatchObject({ gitsha: '3333333', source: 'ecr' });
    expect(run?.report).toMatchObject({ status: 'deployed', gitsha: '3333333', execution: run?.executionArn });
    for (const name of ['api', 'worker']) {
      const service = await e2e.service(name);
      expect(service.taskDefinition).toMatch(new RegExp(`task-definition/${name}:2$`));
      expect(await e2e.images(service.taskDefinition ?? '')).toEqual({ [name]: `${ECR}/api:3333333` });
    }
    const notification = notifications.find(
      (event) => JSON.parse(event.Detail ?? '{}').execution === run?.executionArn,
    );
    expect(notification).toMatchObject({ Source: 'gehen', DetailType: 'Gehen Deployment State Change' });
    expect(JSON.parse(notification?.Detail ?? '{}')).toEqual(run?.report);
  });

  // It needs the deploy above.
  itOn(profile)(
    'does not deploy the same push again: the second execution ends at once as Nothing To Deploy',
    async () => {
      const before = await taskDefinitions();
      const revisions = await e2e.revisions();
      const [run] = await push(pushOf('3333333'));
      expect(run?.described.status).toBe('SUCCEEDED');
      expect(run?.report).toMatchObject({
        status: 'skipped',
        reason: 'every service and scheduled task already runs 3333333',
      });
      expect(enteredStates(await e2e.history(run?.executionArn ?? ''))).toEqual([
        StateNames.restoreChoice,
        StateNames.prepare,
        // A skipped plan passes both untouched: no role is checked, no lock taken.
        StateNames.checkTargetRoles,
        StateNames.acquireLock,
        StateNames.skipChoice,
        StateNames.reportSkipped,
        StateNames.releaseLockSkipped,
        StateNames.notifySkipped,
        StateNames.skipped,
      ]);
      expect(await taskDefinitions()).toEqual(before);
      expect(await e2e.revisions()).toEqual(revisions);
      const status = await e2e.gehen(['status', run?.executionArn ?? '', '--json']);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ status: 'skipped', exitCode: 0 });
      expect(status.stderr).toContain('every service and scheduled task already runs 3333333');
    },
  );

  itOn(profile)(
    'deploys a push delivered twice at once exactly once: one execution deploys, the other skips',
    async () => {
      const revisions = await e2e.revisions();
      const runs = await push(pushOf('4444444'), pushOf('4444444'));
      expect(runs).toHaveLength(2);
      expect(runs.map((run) => run.described.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(runs.map((run) => run.report.status).sort()).toEqual(['deployed', 'skipped']);
      // One new revision per service, not two.
      expect((await e2e.revisions()).length).toBe(revisions.length + 2);
      expect(await e2e.images((await e2e.service('api')).taskDefinition ?? '')).toEqual({ api: `${ECR}/api:4444444` });
    },
  );

  it('deploys nothing for a tag that is not a SHA (latest), and ignores other repositories', async () => {
    const before = await taskDefinitions();
    const revisions = await e2e.revisions();
    const [run, ...others] = await push(pushOf('latest'), pushOf('5555555', 'someone-else'));
    expect(others).toEqual([]);
    expect(run?.described.status).toBe('SUCCEEDED');
    expect(run?.report).toMatchObject({
      status: 'skipped',
      gitsha: 'latest',
      reason: "image tag latest does not match the trigger's tagPattern ^[0-9a-f]{7,40}$",
      services: [],
    });
    expect(await taskDefinitions()).toEqual(before);
    expect(await e2e.revisions()).toEqual(revisions);
  });

  // Issue 13 item 8: the trigger rule starts gehen-deploy for a push without a tag, which ends
  // as Invalid Deployment; a digest-only push (a multi-platform child, an attestation) must deploy nothing, quietly.
  it('deploys nothing for a push by digest only (no image-tag), and fails no execution', async () => {
    const before = await taskDefinitions();
    const runs = await push(pushOf(undefined));
    for (const run of runs) {
      expect(run.described.status).toBe('SUCCEEDED');
      expect(run.report.status).toBe('skipped');
    }
    expect(await taskDefinitions()).toEqual(before);
  });

  itOn(profile)('refuses a CLI deploy that overlaps a running one, naming it, and changes nothing', async () => {
    const path = e2e.config(demoConfig({ services: { api: {} }, requiredMatches: null }));
    const slow = await e2e.gehen(['deploy', '--gitsha', SLOW, '--path', path, '--no-wait']);
    expect(slow.code).toBe(0);
    const running = /arn:aws:states:\S+:execution:\S+/.exec(slow.stdout + slow.stderr)?.[0];
    expect(running).toBeDefined();
    try {
      const refused = await e2e.deploy('6666666', path);
      expect(refused.code).toBe(1);
      expect(refused.report.error?.code).toBe('Gehen.ConcurrentDeployment');
      expect(refused.report.error?.message).toContain(
        `execution ${running} is already deploying ${SLOW} to service demo/api`,
      );
      const described = await e2e.sfn.send(new DescribeExecutionCommand({ executionArn: running }));
      expect(described.status).toBe('RUNNING');
    } finally {
      await e2e.sfn.send(new StopExecutionCommand({ executionArn: running }));
    }
  });
});
