import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { StateNames } from '../../lib/state-names';
import { demoConfig, demoService, ECR, FAST, nightlyReport, probedServices } from './fleets';
import { type E2e, enteredStates, startE2e, taskDefinition } from './harness';

const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const FLUENT_BIT = 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0';

/** A one-container task definition that sets MARKER, to tell which revision a new one was cloned from. */
function marked(family: string, image: string, marker: string) {
  const definition = taskDefinition(family, [family, image]);
  return {
    ...definition,
    containerDefinitions: definition.containerDefinitions.map((c) => ({
      ...c,
      environment: [{ name: 'MARKER', value: marker }],
    })),
  };
}

/** A service behind a load balancer, with one task. */
const served = (name: string, fields: Parameters<typeof demoService>[1] = {}) =>
  demoService(name, { desiredCount: 1, listen: 0, ...fields });

describe('gehen deploy: update strategies and image references', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [
        served('current', { taskDefinition: marked('current', `${ECR}/current:1111111`, 'running') }),
        served('latest', { taskDefinition: marked('latest', `${ECR}/latest:1111111`, 'running') }),
        served('redeploy'),
        // Already on 5555555 (pushed out of band): what updateStrategy none verifies.
        served('none', { tag: '5555555' }),
        demoService('sidecar', {
          taskDefinition: taskDefinition('sidecar', ['app', `${ECR}/app:1111111`], ['log-router', FLUENT_BIT]),
        }),
        demoService('ported', {
          taskDefinition: taskDefinition('ported', ['web', 'registry.example.com:5000/ns/web:1111111']),
        }),
        demoService('pinned', { taskDefinition: taskDefinition('pinned', ['app', `${ECR}/pinned@${DIGEST}`]) }),
        demoService('tag-pinned', {
          taskDefinition: taskDefinition('tag-pinned', ['app', `${ECR}/tag-pinned:1111111@${DIGEST}`]),
        }),
      ],
      scheduledTasks: [nightlyReport],
      timing: FAST,
    });
  });
  afterAll(() => e2e.close());

  /** A gehen.yml for the named services (those with a load balancer probed by url), and the rules. */
  function config(strategy: string, services: string[], scheduledTasks: string[] = [], timeoutMinutes = 1): string {
    return e2e.config(
      demoConfig({ updateStrategy: strategy, services: probedServices(e2e, services), scheduledTasks, timeoutMinutes }),
      `${strategy}-${services.join('-')}-${timeoutMinutes}.yml`,
    );
  }

  async function registerOutOfBand(definition: ReturnType<typeof marked>): Promise<string> {
    const { taskDefinition: registered } = await e2e.ecs.send(new RegisterTaskDefinitionCommand(definition));
    return registered?.taskDefinitionArn ?? '';
  }

  const markerOf = async (arn: string) =>
    (await e2e.taskDefinition(arn)).containerDefinitions?.[0]?.environment?.find((v) => v.name === 'MARKER')?.value;

  it('current: clones the running revision, not a newer one registered out of band', async () => {
    const newer = await registerOutOfBand(marked('current', `${ECR}/current:3333333`, 'out-of-band'));
    expect(newer).toMatch(/task-definition\/current:2$/);

    const { code } = await e2e.deploy('2222222', config('current', ['current']));

    expect(code).toBe(0);
    const service = await e2e.service('current');
    expect(service.taskDefinition).toMatch(/task-definition\/current:3$/);
    expect(service.deployments).toHaveLength(1);
    expect(await e2e.images(service.taskDefinition ?? '')).toEqual({ current: `${ECR}/current:2222222` });
    expect(await markerOf(service.taskDefinition ?? '')).toBe('running');
  });

  it('latest: clones the newest revision of the family, not the running one', async () => {
    await registerOutOfBand({ ...marked('latest', `${ECR}/latest:3333333`, 'newest'), cpu: '512', memory: '1024' });

    const { code } = await e2e.deploy('2222222', config('latest', ['latest']));

    expect(code).toBe(0);
    const service = await e2e.service('latest');
    expect(service.taskDefinition).toMatch(/task-definition\/latest:3$/);
    const registered = await e2e.taskDefinition(service.taskDefinition ?? '');
    expect(registered).toMatchObject({ cpu: '512', memory: '1024' });
    expect(await e2e.images(service.taskDefinition ?? '')).toEqual({ latest: `${ECR}/latest:2222222` });
    expect(await markerOf(service.taskDefinition ?? '')).toBe('newest');
  });

  it('redeploy: registers nothing and starts a new deployment of the running revision', async () => {
    const before = await e2e.service('redeploy');
    const revisions = await e2e.revisions('redeploy');

    const { code } = await e2e.deploy('1111111', config('redeploy', ['redeploy']));

    expect(code).toBe(0);
    expect(await e2e.revisions('redeploy')).toEqual(revisions);
    const after = await e2e.service('redeploy');
    expect(after.taskDefinition).toBe(before.taskDefinition);
    expect(after.deployments).toHaveLength(1);
    expect(after.deployments?.[0]?.id).not.toBe(before.deployments?.[0]?.id);
    expect(after.deployments?.[0]?.rolloutState).toBe('COMPLETED');
  });

  describe('none', () => {
    const rule = ['nightly-report'];

    it('changes no service, still updates scheduled tasks, and verifies the SHA the url already reports', async () => {
      const before = await e2e.service('none');
      const revisions = await e2e.revisions('none');

      const { code, report } = await e2e.deploy('5555555', config('none', ['none'], rule));

      expect(code).toBe(0);
      expect(await e2e.revisions('none')).toEqual(revisions);
      const after = await e2e.service('none');
      expect(after.deployments?.map((d) => d.id)).toEqual(before.deployments?.map((d) => d.id));
      const [target] = await e2e.targets('nightly-report');
      expect(target?.taskDefinition).toMatch(/task-definition\/report:2$/);
      expect(await e2e.images(target?.taskDefinition ?? '')).toEqual({ report: `${ECR}/report:5555555` });
      expect(enteredStates(await e2e.history(report.execution ?? ''))).toContain(StateNames.probe);
    });

    it('fails with Gehen.VerifyFailed when the url never reports the SHA, and rolls nothing back', async () => {
      const before = await e2e.service('none');
      // 6 s to verify: the deadline is the only way this verify loop ends.
      const { code, report } = await e2e.deploy('6666666', config('none', ['none'], rule, 0.1));

      expect(code).toBe(1);
      expect(report.error?.code).toBe('Gehen.VerifyFailed');
      const after = await e2e.service('none');
      expect(after.taskDefinition).toBe(before.taskDefinition);
      expect(after.deployments?.map((d) => d.id)).toEqual(before.deployments?.map((d) => d.id));
      // The scheduled task keeps the revision this deployment gave it.
      const [target] = await e2e.targets('nightly-report');
      expect(await e2e.images(target?.taskDefinition ?? '')).toEqual({ report: `${ECR}/report:6666666` });
      const states = enteredStates(await e2e.history(report.execution ?? ''));
      expect(states).not.toContain(StateNames.rollBackServices);
      expect(states).not.toContain(StateNames.rollBackScheduledTasks);
    });
  });

  describe('image references', () => {
    let code: number;
    beforeAll(async () => {
      const path = e2e.config(
        demoConfig({
          services: { sidecar: { containers: ['app'] }, ported: {}, pinned: {}, 'tag-pinned': {} },
          requiredMatches: null,
        }),
      );
      ({ code } = await e2e.deploy('7777777', path));
    });

    const imagesOf = async (name: string) => e2e.images((await e2e.service(name)).taskDefinition ?? '');

    it('deploys them all', () => {
      expect(code).toBe(0);
    });

    it('leaves a sidecar outside the containers filter alone', async () => {
      expect(await imagesOf('sidecar')).toEqual({ app: `${ECR}/app:7777777`, 'log-router': FLUENT_BIT });
    });

    it('keeps a registry port', async () => {
      expect(await imagesOf('ported')).toEqual({ web: 'registry.example.com:5000/ns/web:7777777' });
    });

    it('replaces a digest with the tag, with or without a tag beside it', async () => {
      expect(await imagesOf('pinned')).toEqual({ app: `${ECR}/pinned:7777777` });
      expect(await imagesOf('tag-pinned')).toEqual({ app: `${ECR}/tag-pinned:7777777` });
    });
  });
});
