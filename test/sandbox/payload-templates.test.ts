import { StateMachine } from 'aws-local-stepfunctions';
import type { AslObject } from '../../sandbox/stepfunctions/local-workflow';
import { installPromiseWithResolvers } from '../../sandbox/stepfunctions/promise-with-resolvers';
import { withTaskTimeouts } from '../../sandbox/stepfunctions/task-states';

installPromiseWithResolvers();

/**
 * A payload template resolves `.$` fields at every depth, as AWS does
 * (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html): the
 * rollback's Keep states record why a deployment failed in a nested object that Notify reads.
 */
describe('the sandbox runs payload templates as AWS does', () => {
  it('resolves a nested `.$` field of a Pass state’s Parameters in the definition it runs', async () => {
    const definition: AslObject = {
      StartAt: 'Keep',
      States: {
        Keep: {
          Type: 'Pass',
          Parameters: {
            'plan.$': '$.plan',
            deployFailure: { 'status.$': '$.round.status', 'failures.$': '$.round.failures' },
          },
          End: true,
        },
      },
    };
    const machine = new StateMachine(withTaskTimeouts(definition, 900) as never, {
      validationOptions: { checkArn: false },
    });

    const output = await machine.run({ plan: { services: [] }, round: { status: 'expired', failures: ['api'] } })
      .result;

    expect(output).toEqual({ plan: { services: [] }, deployFailure: { status: 'expired', failures: ['api'] } });
  });
});
