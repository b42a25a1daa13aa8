import { StateNames } from '../../lib/state-names';
import { demoService, ECR, FAST, nightlyReport } from './fleets';
import { type E2e, enteredStates, startE2e, taskDefinition } from './harness';

/**
 * gehen.yml's cleanupRevisions on the sandbox, with the template's real IAM policies enforced and
 * ECS's token buckets on: old revisions go, those in use stay, and the deployment ends as it would.
 */

const KEEP = 10;
const DEPLOYS = 12;

const shortName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
const sha = (i: number) => `${(i + 2).toString(16).repeat(7)}`.slice(0, 7);

describe('gehen deploy with cleanupRevisions', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      iam: 'on',
      throttling: 'aws',
      timing: FAST,
      services: [
        demoService('api', { desiredCount: 1, listen: 0 }),
        // Not in gehen.yml, same cluster, same family: its revision is in use whatever its number.
        demoService('api-legacy', { taskDefinition: taskDefinition('api', ['api', `${ECR}/api:0000000`]) }),
      ],
      scheduledTasks: [nightlyReport],
      // The cleanup cannot tell what is in use: it deregisters nothing and fails.
      apiFaults: [
        {
          operation: 'ListServices',
          error: 'AccessDeniedException',
          message: 'not authorized to perform ecs:ListServices',
          count: 1,
        },
      ],
    });
  });
  afterAll(() => e2e.close());

  function config(keep: number | null): string {
    return e2e.config(
      [
        'services:',
        '  api:',
        '    cluster: demo',
        `    url: ${e2e.sandbox.loadBalancers.api}/`,
        'scheduledTasks:',
        '  nightly-report:',
        'timeoutMinutes: 1',
        'pollIntervalSeconds: 1',
        'requiredMatches: 1',
        ...(keep === null ? [] : ['cleanupRevisions:', `  keep: ${keep}`]),
        '',
      ].join('\n'),
      `keep-${keep}.yml`,
    );
  }

  // First: the fleet refuses the first ListServices call only.
  it('still ends Deployed when the cleanup fails, and deregisters nothing', async () => {
    const before = await e2e.revisions();

    const { code, report } = await e2e.deploy('abcabc2', config(1));

    expect(code).toBe(0);
    expect(report.status).toBe('deployed');
    expect(await e2e.revisions()).toEqual(expect.arrayContaining(before));
    const history = await e2e.history(report.execution ?? '');
    const causes = history.flatMap((event) => event.lambdaFunctionFailedEventDetails?.cause ?? []);
    expect(causes).toEqual([expect.stringContaining('not authorized to perform ecs:ListServices')]);
    const states = enteredStates(history);
    expect(states).toEqual(
      expect.arrayContaining([StateNames.cleanUpRevisions, StateNames.report, StateNames.deployed]),
    );
  });

  it(`keeps the newest ${KEEP} revisions of each deployed family after ${DEPLOYS} deploys, and every one in use`, async () => {
    const legacy = (await e2e.service('api-legacy')).taskDefinition ?? '';
    const path = config(KEEP);

    for (let i = 0; i < DEPLOYS; i++) {
      const { code, report } = await e2e.deploy(sha(i), path);
      expect({ deploy: i, code, status: report.status }).toEqual({ deploy: i, code: 0, status: 'deployed' });
    }

    const report = (await e2e.revisions('report')).map(shortName);
    expect(report).toHaveLength(KEEP);
    expect(report).toContain(shortName((await e2e.targets('nightly-report'))[0]?.taskDefinition ?? ''));

    const api = (await e2e.revisions('api')).map(shortName);
    const running = shortName((await e2e.service('api')).taskDefinition ?? '');
    // The newest ten, plus the one api-legacy still runs.
    expect(api).toHaveLength(KEEP + 1);
    expect(api).toContain(shortName(legacy));
    expect(api).toContain(running);
    expect((await e2e.service('api-legacy')).taskDefinition).toBe(legacy);
    const newest = Math.max(...api.map((name) => Number(name.split(':')[1])));
    expect(api.filter((name) => name !== shortName(legacy))).toEqual(
      Array.from({ length: KEEP }, (_, i) => `api:${newest - KEEP + 1 + i}`),
    );
  });

  it('leaves revisions alone without cleanupRevisions, and runs no cleanup step', async () => {
    const before = await e2e.revisions();
    const { code, report } = await e2e.deploy('abcabc1', config(null));

    expect(code).toBe(0);
    const after = await e2e.revisions();
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after.length).toBe(before.length + 2);
    expect(enteredStates(await e2e.history(report.execution ?? ''))).not.toContain(StateNames.cleanUpRevisions);
  });
});
