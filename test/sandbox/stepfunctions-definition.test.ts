import { UnsupportedDefinitionError } from '../../sandbox/stepfunctions/definition-check';
import type { AslObject, LocalWorkflow } from '../../sandbox/stepfunctions/local-workflow';
import { createStepFunctionsService } from '../../sandbox/stepfunctions/service';
import { workflowFromTemplate } from '../../sandbox/stepfunctions/template-workflow';
import { deployWorkflow, Functions } from '../fixtures/stepfunctions/workflows';

function withStates(states: AslObject, extra: AslObject = {}): LocalWorkflow {
  const first = Object.keys(states)[0] ?? 'Start';
  return { ...deployWorkflow, definition: { StartAt: first, States: states, ...extra } };
}

function refusal(workflow: LocalWorkflow): string {
  try {
    createStepFunctionsService({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', workflow });
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    return (error as Error).message;
  }
  throw new Error('the definition was accepted');
}

const task = { Type: 'Task', Resource: Functions.update.arn, End: true };

describe('createStepFunctionsService refuses at start what it cannot run faithfully', () => {
  it.each([
    ['JSONata', withStates({ Go: { Type: 'Pass', End: true } }, { QueryLanguage: 'JSONata' }), /JSONata/],
    [
      'a JSONata state',
      withStates({ Go: { Type: 'Pass', QueryLanguage: 'JSONata', End: true } }),
      /"Go": QueryLanguage JSONata/,
    ],
    ['Assign', withStates({ Go: { Type: 'Pass', Assign: { x: 1 }, End: true } }), /"Go": Assign/],
    [
      'a Distributed Map',
      withStates({
        Each: {
          Type: 'Map',
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: 'Do', States: { Do: task } },
          End: true,
        },
      }),
      /"Each": Distributed Map/,
    ],
    [
      'a Task without a bundle, even inside a Map',
      withStates({
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Do',
            States: { Do: { ...task, Resource: 'arn:aws:lambda:us-east-1:000000000000:function:nowhere' } },
          },
          End: true,
        },
      }),
      /Task "Do": no bundle for function arn:aws:lambda:us-east-1:000000000000:function:nowhere/,
    ],
    [
      'a context field the runner lacks',
      withStates({ Go: { Type: 'Pass', Parameters: { 't.$': '$$.State.EnteredTime' }, End: true } }),
      /\$\$\.State\./,
    ],
  ])('%s', (_, workflow, message) => {
    expect(refusal(workflow)).toMatch(message);
  });

  it('accepts lambda:invoke naming a known function', () => {
    const workflow = withStates({
      Do: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: Functions.update.arn, 'Payload.$': '$' },
        End: true,
      },
    });
    const service = createStepFunctionsService({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', workflow });
    return service.close();
  });
});

describe('workflowFromTemplate', () => {
  it('resolves the DefinitionString tokens and maps each function to its bundle', () => {
    const workflow = workflowFromTemplate({
      assemblyDir: '/tmp/cdk.out',
      region: 'eu-west-1',
      stackName: 'Gehen',
      template: {
        Resources: {
          PrepareFn: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Handler: 'index.handler',
              Timeout: 30,
              Environment: { Variables: { REGION: { Ref: 'AWS::Region' } } },
            },
            Metadata: { 'aws:asset:path': 'asset.abc123' },
          },
          Machine: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              StateMachineName: 'gehen-deploy',
              DefinitionString: {
                'Fn::Join': [
                  '',
                  [
                    '{"StartAt":"Prepare","States":{"Prepare":{"Type":"Task","Resource":"',
                    { 'Fn::GetAtt': ['PrepareFn', 'Arn'] },
                    '","End":true}}}',
                  ],
                ],
              },
            },
          },
        },
      },
    });
    const arn = 'arn:aws:lambda:eu-west-1:000000000000:function:Gehen-PrepareFn';
    expect(workflow.name).toBe('gehen-deploy');
    expect(workflow.definition).toEqual({
      StartAt: 'Prepare',
      States: { Prepare: { Type: 'Task', Resource: arn, End: true } },
    });
    expect(workflow.functions).toEqual([
      {
        arn,
        functionName: 'Gehen-PrepareFn',
        logicalId: 'PrepareFn',
        entry: '/tmp/cdk.out/asset.abc123/index.js',
        exportName: 'handler',
        timeoutSeconds: 30,
        memorySize: undefined,
        environment: { REGION: 'eu-west-1' },
      },
    ]);
  });

  it('finds a bundle by its Code.S3Key when the template has no asset metadata (in-process synth)', () => {
    const hash = 'a'.repeat(64);
    const workflow = workflowFromTemplate({
      assemblyDir: '/tmp/cdk.out',
      region: 'us-east-1',
      stackName: 'Gehen',
      template: {
        Resources: {
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: { Handler: 'index.handler', Code: { S3Key: `${hash}.zip` } },
          },
          Machine: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: { DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}' },
          },
        },
      },
    });
    expect(workflow.functions.map((fn) => fn.entry)).toEqual([`/tmp/cdk.out/asset.${hash}/index.js`]);
  });
});
