import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, type StepFunctionsContext, startSandbox } from '../../sandbox';
import { LocalLambdaFunction } from '../../sandbox/stepfunctions/lambda-function';
import type { LambdaFunctionSpec } from '../../sandbox/stepfunctions/local-workflow';
import { type TemplateLike, workflowFromTemplate } from '../../sandbox/stepfunctions/template-workflow';
import { fastFleet, serverHeader, taskDefinition } from './helpers';

// A function that GETs a URL the way the probe does (fetch, bounded by its own timeout) and
// says what it got: the Server header, or the error's name and code.
const HANDLER = `
exports.handler = async ({ url, timeoutMs }) => {
  try {
    const init = timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) };
    const response = await fetch(url, init);
    await response.text();
    return { server: response.headers.get('server') };
  } catch (error) {
    // A system error's code (ECONNREFUSED, ETIMEDOUT…), on fetch's TypeError or its cause.
    const code = [error.cause && error.cause.code, error.code].find((c) => typeof c === 'string');
    return { error: error.name, code: code || null };
  }
};
`;

/** A template with one function in a VPC and one outside, both running HANDLER. */
function template(): TemplateLike {
  const fn = (vpcConfig?: Record<string, unknown>) => ({
    Type: 'AWS::Lambda::Function',
    Properties: { Handler: 'index.handler', Timeout: 2, ...(vpcConfig ? { VpcConfig: vpcConfig } : {}) },
    Metadata: { 'aws:asset:path': 'asset.fetch' },
  });
  return {
    Resources: {
      InVpc: fn({ SubnetIds: ['subnet-0a1b2c3d'], SecurityGroupIds: ['sg-0a1b2c3d'] }),
      Outside: fn(),
      Detached: fn({ SubnetIds: [], SecurityGroupIds: [] }),
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}' },
      },
    },
  };
}

describe('private load balancers', () => {
  let sandbox: Sandbox;
  let context: StepFunctionsContext | undefined;
  let assemblyDir: string;
  const functions: LocalLambdaFunction[] = [];

  beforeAll(async () => {
    assemblyDir = mkdtempSync(join(tmpdir(), 'gehen-vpc-'));
    const asset = join(assemblyDir, 'asset.fetch');
    mkdirSync(asset);
    writeFileSync(join(asset, 'index.js'), HANDLER);
    sandbox = await startSandbox({
      port: 0,
      fleet: fastFleet({
        services: [
          {
            name: 'internal',
            cluster: 'demo',
            listen: 0,
            private: true,
            taskDefinition: taskDefinition('internal', 'aaaaaaa'),
          },
          { name: 'public', cluster: 'demo', listen: 0, taskDefinition: taskDefinition('public', 'bbbbbbb') },
        ],
      }),
      stepFunctions: async (ctx) => {
        context = ctx;
        return { handle: async () => ({}), close: async () => {} };
      },
    });
  });
  afterAll(async () => {
    await Promise.all(functions.map((fn) => fn.close()));
    await sandbox.close();
    rmSync(assemblyDir, { recursive: true, force: true });
  });

  /** The template's function `name`, run in the sandbox's network as Step Functions would run it. */
  function lambda(name: string): LocalLambdaFunction {
    const workflow = workflowFromTemplate({
      template: template(),
      assemblyDir,
      region: sandbox.region,
      stackName: 'Gehen',
      privateAddresses: context?.privateAddresses,
    });
    const spec = workflow.functions.find((fn) => fn.functionName === `Gehen-${name}`) as LambdaFunctionSpec;
    const fn = new LocalLambdaFunction(spec, { endpoint: sandbox.endpoint, region: sandbox.region });
    functions.push(fn);
    return fn;
  }

  const url = (service: string) => sandbox.loadBalancers[service] ?? '';

  it('hands Step Functions the private load balancer only', () => {
    expect(context?.privateAddresses).toEqual([new URL(url('internal')).host]);
  });

  it('answers everyone outside the Lambdas (tests, the CLI, curl)', async () => {
    expect(await serverHeader(url('internal'))).toBe('internal-aaaaaaa');
  });

  it('never connects a function without VpcConfig: its own timeout gives up, no answer, no refusal', async () => {
    const outside = lambda('Outside');
    expect(await outside.invoke({ url: url('internal'), timeoutMs: 300 })).toEqual({
      error: 'TimeoutError',
      code: null,
    });
    // The same function reaches a public load balancer.
    expect(await outside.invoke({ url: url('public'), timeoutMs: 2000 })).toEqual({ server: 'public-bbbbbbb' });
  });

  it('treats a VpcConfig without subnets as no VPC, as Lambda does', async () => {
    const detached = lambda('Detached');
    expect(await detached.invoke({ url: url('internal'), timeoutMs: 300 })).toEqual({
      error: 'TimeoutError',
      code: null,
    });
  });

  it('times the function out when nothing bounds the connection', async () => {
    await expect(lambda('Outside').invoke({ url: url('internal') })).rejects.toMatchObject({
      name: 'Sandbox.Timedout',
    });
  });

  it('lets a function with VpcConfig subnets reach it', async () => {
    expect(await lambda('InVpc').invoke({ url: url('internal'), timeoutMs: 2000 })).toEqual({
      server: 'internal-aaaaaaa',
    });
  });
});
