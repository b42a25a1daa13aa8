import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { DeploymentReport } from '../../lambdas/shared/contracts/state';
import { sandboxAssembly } from '../../sandbox/gehen-sandbox';
import { ACCOUNT } from '../../sandbox/ids';
import { circuitBreaker, demoConfig, demoService, ECR, FAST, probedServices } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * The deployment lock on the sandbox's DynamoDB: ListExecutions lags 5 s behind StartExecution
 * here (`consistency.executionsSeconds`), as it may on AWS, so only a strongly consistent lock
 * tells two executions started at the same moment apart. IAM is on: the steps' own policies must
 * allow every lock call.
 */
describe('the deployment lock', () => {
  let e2e: E2e;
  let dynamodb: DynamoDBClient;
  const served = (name: string, tag?: string) => demoService(name, { desiredCount: 1, listen: 0, circuitBreaker, tag });
  const { template } = sandboxAssembly({});
  const table = Object.keys(template.Resources).find((id) => template.Resources[id]?.Type === 'AWS::DynamoDB::Table');
  const apiKey = `service#${ACCOUNT}#us-east-1#demo#api`;

  beforeAll(async () => {
    e2e = await startE2e({
      services: [served('api'), served('worker'), served('none', '5555555')],
      timing: FAST,
      consistency: { executionsSeconds: 5 },
      iam: 'on',
      faults: { a1a1a1a: 'unhealthy' },
    });
    dynamodb = new DynamoDBClient({
      endpoint: e2e.sandbox.endpoint,
      region: e2e.sandbox.region,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
  });
  afterAll(() => e2e.close());

  const config = (services: string[], updateStrategy?: string, timeoutMinutes = 1) =>
    e2e.config(
      demoConfig({ services: probedServices(e2e, services), updateStrategy, timeoutMinutes }),
      `${services.join('-')}-${updateStrategy ?? 'default'}-${timeoutMinutes}.yml`,
    );
  const image = async (name: string) => e2e.images((await e2e.service(name)).taskDefinition ?? '');
  const lockItems = () => e2e.sandbox.dynamodb.items(e2e.sandbox.region, table ?? '');

  it('lets exactly one of two deploys of the same service started at the same moment proceed', async () => {
    const path = config(['api']);
    const revisions = await e2e.revisions('api');

    const runs = await Promise.all([e2e.deploy('2222222', path), e2e.deploy('3333333', path)]);

    expect(runs.map((run) => run.code).sort()).toEqual([0, 1]);
    const winner = runs.find((run) => run.code === 0);
    const refused = runs.find((run) => run.code === 1);
    expect(refused?.report.error?.code).toBe('Gehen.ConcurrentDeployment');
    expect(refused?.report.error?.message).toContain(
      `execution ${winner?.report.execution} is already deploying ${winner?.report.gitsha} to service demo/api; nothing was changed`,
    );
    // The refused one registered nothing and changed nothing: one new revision, the winner's.
    expect(await e2e.revisions('api')).toHaveLength(revisions.length + 1);
    expect(await image('api')).toEqual({ api: `${ECR}/api:${winner?.report.gitsha}` });
    expect(lockItems()).toEqual([]);
  });

  it('lets deploys of different services started at the same moment both proceed', async () => {
    const runs = await Promise.all([e2e.deploy('4444444', config(['api'])), e2e.deploy('4545454', config(['worker']))]);

    expect(runs.map((run) => [run.code, run.report.error?.message])).toEqual([
      [0, undefined],
      [0, undefined],
    ]);
    expect(await image('api')).toEqual({ api: `${ECR}/api:4444444` });
    expect(await image('worker')).toEqual({ worker: `${ECR}/worker:4545454` });
  });

  // A CLI execution's name ends in a random suffix (cli/aws.ts executionName): a second deploy of the
  // same SHA in the same second (a CI matrix of gehen.yml files) is not refused with ExecutionAlreadyExists.
  it('lets two CLI deploys of one SHA to different services in the same second both proceed', async () => {
    const runs = await Promise.all([e2e.deploy('5656565', config(['api'])), e2e.deploy('5656565', config(['worker']))]);

    expect(runs.map((run) => run.code)).toEqual([0, 0]);
  });

  test.each([
    ['a success', 'api', '5555555', undefined, 0, undefined],
    ['a rollback', 'api', 'a1a1a1a', undefined, 1, 'Gehen.RolledBack'],
    // updateStrategy none, and the url never reports the SHA: 6 s, then Verify Failed.
    ['a failure', 'none', '6666666', 'none', 1, 'Gehen.VerifyFailed'],
  ])(
    'releases the lock after %s: the next deploy of the service proceeds',
    async (_, service, sha, strategy, code, error) => {
      const ended = await e2e.deploy(sha, config([service], strategy, strategy ? 0.1 : 1));
      expect(ended.code).toBe(code);
      expect(ended.report.error?.code).toBe(error);
      expect(lockItems()).toEqual([]);

      const next = await e2e.deploy('7777777', config([service]));
      expect(next.code).toBe(0);
      expect(await image(service)).toEqual({ [service]: `${ECR}/${service}:7777777` });
    },
  );

  it('deploys a push delivered twice at the same moment once: the other execution skips it', async () => {
    const first = await e2e.deploy('1212121', config(['worker']));
    expect(first.code).toBe(0);
    // The input ECR's trigger gives an execution: the CLI's own, with the pushed tag and source ecr.
    const { input = '{}' } = await e2e.sfn.send(
      new DescribeExecutionCommand({ executionArn: first.report.execution ?? '' }),
    );
    const pushed = JSON.stringify({ ...JSON.parse(input), gitsha: '3434343', source: 'ecr' });
    const revisions = await e2e.revisions('worker');

    const started = await Promise.all(
      ['push-a', 'push-b'].map((name) =>
        e2e.sfn.send(new StartExecutionCommand({ stateMachineArn: e2e.sandbox.stateMachineArn, name, input: pushed })),
      ),
    );
    const reports = await Promise.all(
      started.map(async ({ executionArn = '' }) => {
        await e2e.sandbox.stepFunctions.executionDone(executionArn);
        const { status, output } = await e2e.sfn.send(new DescribeExecutionCommand({ executionArn }));
        return { status, report: JSON.parse(output ?? 'null') as DeploymentReport };
      }),
    );

    expect(reports.map((run) => run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(reports.map((run) => run.report.status).sort()).toEqual(['deployed', 'skipped']);
    expect(await e2e.revisions('worker')).toHaveLength(revisions.length + 1);
    expect(await image('worker')).toEqual({ worker: `${ECR}/worker:3434343` });
  });

  it('takes over a lock whose TTL has passed but DynamoDB has not deleted yet', async () => {
    const crashed = `arn:aws:states:us-east-1:${ACCOUNT}:execution:gehen-deploy:crashed`;
    await dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: apiKey },
          owner: { S: crashed },
          gitsha: { S: 'dead000' },
          target: { S: 'service demo/api' },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) - 60) },
        },
      }),
    );

    const { code } = await e2e.deploy('8888888', config(['api']));

    expect(code).toBe(0);
    expect(await image('api')).toEqual({ api: `${ECR}/api:8888888` });
  });

  it('refuses while a lock has not expired, naming its execution, and changes nothing', async () => {
    const running = `arn:aws:states:us-east-1:${ACCOUNT}:execution:gehen-deploy:elsewhere`;
    await dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: apiKey },
          owner: { S: running },
          gitsha: { S: 'beef000' },
          target: { S: 'service demo/api' },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
        },
      }),
    );
    const revisions = await e2e.revisions('api');
    try {
      const { code, report } = await e2e.deploy('9999999', config(['api']));

      expect(code).toBe(1);
      expect(report.error?.code).toBe('Gehen.ConcurrentDeployment');
      expect(report.error?.message).toContain(`execution ${running} is already deploying beef000 to service demo/api`);
      expect(report.error?.message).toContain('or stop it (StopExecution: a follow-up execution, restore-');
      expect(await e2e.revisions('api')).toEqual(revisions);
      // Its Release Lock left the other execution's item alone.
      expect(lockItems().map((item) => item.owner)).toEqual([{ S: running }]);
    } finally {
      await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: apiKey } } }));
    }
  });
});
