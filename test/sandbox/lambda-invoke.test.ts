import { type GehenSandbox, sandboxAssembly, startGehenSandbox } from '../../sandbox/gehen-sandbox';
import { demoService } from '../e2e/fleets';
import { engineFromEnv } from '../e2e/harness';

/**
 * Lambda's Invoke API on the sandbox endpoint, as anyone with lambda:InvokeFunction could call a
 * step on AWS (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). Served on both engines.
 */
describe(`Lambda Invoke on the sandbox (${engineFromEnv()} engine)`, () => {
  let sandbox: GehenSandbox;
  beforeAll(async () => {
    sandbox = await startGehenSandbox({
      fleet: { services: [demoService('api')] },
      port: 0,
      assembly: sandboxAssembly({}),
      engine: engineFromEnv(),
    });
  });
  afterAll(() => sandbox.close());

  const invoke = (functionName: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${sandbox.endpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, {
      method: 'POST',
      headers,
      body,
    });
  const prepare = 'Gehen-DeployerPrepareFunction4E7B51EC';

  it('answers a function error as Lambda does: 200, X-Amz-Function-Error Unhandled, {errorType, errorMessage, trace}', async () => {
    const response = await invoke(prepare, JSON.stringify({ execution: { gitsha: 'nope' } }));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await response.json()).toMatchObject({
      errorType: 'InvalidDeploymentError',
      errorMessage: expect.stringContaining('not a valid gehen config'),
      trace: expect.any(Array),
    });
  });

  // Register Task Definition refuses a payload that is not a running execution's plan
  // (lambdas/shared/execution-guard.ts): the real bundle ran, found no such execution and registered nothing.
  it('runs a step by its ARN too: a forged Register Task Definition is refused (forged-invocations.test.ts checks nothing changed)', async () => {
    const task = 'arn:aws:ecs:us-east-1:000000000000:task-definition';
    const response = await invoke(
      `arn:aws:lambda:${sandbox.region}:000000000000:function:Gehen-DeployerRegisterTaskDefinitionFunctionBC386E6E`,
      JSON.stringify({
        service: {
          name: 'api',
          cluster: 'arn:aws:ecs:us-east-1:000000000000:cluster/demo',
          serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/demo/api',
          region: 'us-east-1',
          url: null,
          containers: null,
          previousTaskDefinition: `${task}/api:1`,
          previousSha: '1111111',
        },
        deployment: {
          gitsha: '2222222',
          updateStrategy: 'current',
          roleArn: null,
          timeoutSeconds: 60,
          pollIntervalSeconds: 1,
          requiredMatches: 2,
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:gehen-deploy:direct',
        },
      }),
    );
    const body = await response.json();
    expect({ status: response.status, error: response.headers.get('x-amz-function-error'), body }).toEqual({
      status: 200,
      error: 'Unhandled',
      body: expect.objectContaining({
        errorType: 'UnauthorizedInvocationError',
        errorMessage: expect.stringMatching(/no execution .*:direct with a plan was found/),
      }),
    });
  });

  it('answers 404 ResourceNotFoundException for a function the stack does not have', async () => {
    const response = await invoke('no-such-function', '{}');
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });

  it('answers 202 at once for an asynchronous (Event) invocation', async () => {
    const response = await invoke(prepare, '{}', { 'X-Amz-Invocation-Type': 'Event' });
    expect(response.status).toBe(202);
  });
});
