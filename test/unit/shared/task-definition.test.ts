import type { TaskDefinition } from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import { cloneForRegistration, shaOfContainers } from '../../../lambdas/shared/aws/task-definition';
import { formatImageRef, parseImageRef } from '../../../lambdas/shared/config/image-ref';
import { describedTaskDefinition, NEW_SHA, OLD_SHA } from './deploy-fixtures';

const READ_ONLY = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
];

describe('cloneForRegistration', () => {
  // The original re-registered from a whitelist and lost these.
  it('keeps runtimePlatform, ephemeralStorage, tags and every other registerable field', () => {
    const described: TaskDefinition = {
      ...describedTaskDefinition('api', 12),
      pidMode: 'task',
      ipcMode: 'none',
      enableFaultInjection: true,
      inferenceAccelerators: [{ deviceName: 'd', deviceType: 'eia2.medium' }],
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.os-type == linux' }],
      proxyConfiguration: { containerName: 'envoy', type: 'APPMESH', properties: [{ name: 'AppPorts', value: '80' }] },
      volumes: [{ name: 'data', efsVolumeConfiguration: { fileSystemId: 'fs-1' } }],
    };
    const { input } = cloneForRegistration(described, [{ key: 'team', value: 'core' }], null, NEW_SHA);
    expect(input).toMatchObject({
      family: 'api',
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
      ephemeralStorage: { sizeInGiB: 50 },
      pidMode: 'task',
      ipcMode: 'none',
      enableFaultInjection: true,
      inferenceAccelerators: described.inferenceAccelerators,
      placementConstraints: described.placementConstraints,
      proxyConfiguration: described.proxyConfiguration,
      volumes: described.volumes,
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      executionRoleArn: described.executionRoleArn,
      taskRoleArn: described.taskRoleArn,
      tags: [{ key: 'team', value: 'core' }],
    });
  });

  it('drops the fields ECS sets and RegisterTaskDefinition rejects', () => {
    const { input } = cloneForRegistration(describedTaskDefinition('api', 12), [], null, NEW_SHA);
    expect(Object.keys(input)).toEqual(expect.not.arrayContaining(READ_ONLY));
    expect(input).not.toHaveProperty('tags');
  });

  it('retags only the selected containers', () => {
    const described = describedTaskDefinition('api', 12, {
      web: `repo/web:${OLD_SHA}`,
      sidecar: 'datadog/agent:7',
    });
    const { input, retagged } = cloneForRegistration(described, [], ['web'], NEW_SHA);
    expect(input.containerDefinitions?.map((c) => c.image)).toEqual([`repo/web:${NEW_SHA}`, 'datadog/agent:7']);
    expect(retagged).toEqual(['web']);
  });

  it('changes nothing for containers already on the tag, digest included', () => {
    const image = `repo/web:${NEW_SHA}@sha256:${'b'.repeat(64)}`;
    const { input, retagged } = cloneForRegistration(
      describedTaskDefinition('api', 12, { web: image }),
      [],
      null,
      NEW_SHA,
    );
    expect(retagged).toEqual([]);
    expect(input.containerDefinitions?.[0]?.image).toBe(image);
  });
});

describe('shaOfContainers', () => {
  test.each<[string, Record<string, string>, string[] | null, string | null]>([
    ['the tag all containers share', { a: 'r/a:abc1234', b: 'r/b:abc1234' }, null, 'abc1234'],
    ['null when containers disagree', { a: 'r/a:abc1234', b: 'r/b:def5678' }, null, null],
    ['the selected containers only', { a: 'r/a:abc1234', b: 'dd/agent:7' }, ['a'], 'abc1234'],
    ['null when untagged', { a: 'host:5000/r/a' }, null, null],
    ['the tag of a tag@digest', { a: `r/a:abc1234@sha256:${'c'.repeat(64)}` }, null, 'abc1234'],
  ])('%s', (_, images, containers, expected) => {
    expect(shaOfContainers(describedTaskDefinition('api', 1, images), containers)).toBe(expected);
  });
});

// Arbitrary task definitions: any subset of the registerable fields, any container fields.
const json = fc.jsonValue({ maxDepth: 2 });
const container = fc.record(
  {
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
    image: fc
      .tuple(
        fc.constantFrom('repo', 'host:5000/ns/repo', '1.dkr.ecr.us-east-1.amazonaws.com/app'),
        fc.option(fc.stringMatching(/^[\w][\w.-]{0,20}$/), { nil: null }),
        fc.option(fc.stringMatching(/^sha256:[0-9a-f]{64}$/), { nil: null }),
      )
      .map(([name, tag, digest]) => formatImageRef({ name, tag, digest })),
    cpu: fc.integer({ min: 0, max: 4096 }),
    environment: fc.array(fc.record({ name: fc.string(), value: fc.string() }), { maxLength: 3 }),
    dockerLabels: fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  },
  { requiredKeys: ['name', 'image'] },
);
const taskDefinition = fc.record(
  {
    family: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
    containerDefinitions: fc.uniqueArray(container, { minLength: 1, maxLength: 4, selector: (c) => c.name }),
    taskDefinitionArn: fc.string(),
    revision: fc.nat(),
    status: fc.constantFrom('ACTIVE', 'INACTIVE'),
    compatibilities: fc.constant(['EC2', 'FARGATE']),
    requiresAttributes: fc.array(fc.record({ name: fc.string() }), { maxLength: 2 }),
    registeredAt: fc.date(),
    registeredBy: fc.string(),
    cpu: fc.constantFrom('256', '1024'),
    memory: fc.constantFrom('512', '2048'),
    runtimePlatform: fc.record({ cpuArchitecture: fc.constantFrom('X86_64', 'ARM64') }),
    ephemeralStorage: fc.record({ sizeInGiB: fc.integer({ min: 21, max: 200 }) }),
    pidMode: fc.constantFrom('host', 'task'),
    ipcMode: fc.constantFrom('host', 'task', 'none'),
    volumes: fc.array(fc.record({ name: fc.string(), host: json }), { maxLength: 2 }),
    enableFaultInjection: fc.boolean(),
  },
  { requiredKeys: ['family', 'containerDefinitions'] },
) as fc.Arbitrary<TaskDefinition>;

describe('cloneForRegistration (property)', () => {
  it('registers what was described, except the retagged images and the read-only fields', () => {
    fc.assert(
      fc.property(
        taskDefinition,
        fc.option(fc.array(fc.record({ key: fc.string({ minLength: 1 }), value: fc.string() }), { minLength: 1 })),
        fc.boolean(),
        fc.stringMatching(/^[0-9a-f]{7,40}$/),
        (described, tags, selectFirst, sha) => {
          const names = described.containerDefinitions?.map((c) => c.name ?? '') ?? [];
          const selected = selectFirst ? names.slice(0, 1) : null;
          const { input } = cloneForRegistration(described, tags ?? undefined, selected, sha);

          const expected: Record<string, unknown> = { ...described };
          for (const field of READ_ONLY) delete expected[field];
          if (tags) expected.tags = tags;
          expected.containerDefinitions = described.containerDefinitions?.map((c) => {
            if (selected !== null && !selected.includes(c.name ?? '')) return c;
            const ref = parseImageRef(c.image ?? '');
            return ref.tag === sha ? c : { ...c, image: formatImageRef({ name: ref.name, tag: sha, digest: null }) };
          });
          expect(input).toEqual(expected);
        },
      ),
    );
  });
});
