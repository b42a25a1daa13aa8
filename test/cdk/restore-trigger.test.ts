import { Template } from 'aws-cdk-lib/assertions';
import { FailureCodes } from '../../lambdas/shared/contracts/errors';
import { type EventEnvelope, matchesPattern, transformInput } from '../../sandbox/event-pattern';
import { synthForTest } from './synth-once';

const template = Template.fromJSON(synthForTest().template);
const STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:gehen-deploy';

interface RuleProps {
  EventPattern: Record<string, unknown>;
  Targets: Array<{ Arn: unknown; InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }>;
}

/** The restore rules, their state machine reference resolved to STATE_MACHINE. */
function restoreRules(): RuleProps[] {
  const rules = Object.values(template.findResources('AWS::Events::Rule')) as Array<{ Properties: RuleProps }>;
  return rules
    .map((rule) => rule.Properties)
    .filter((props) => JSON.stringify(props.EventPattern).includes('aws.states'))
    .map((props) =>
      JSON.parse(
        JSON.stringify(props).replace(/\{"Ref":"[A-Za-z0-9]*StateMachine[A-Za-z0-9]*"\}/g, `"${STATE_MACHINE}"`),
      ),
    );
}

function statusChange(status: string, error: string | null, stateMachineArn = STATE_MACHINE): EventEnvelope {
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:abc1234-20260101T000000Z`;
  return {
    version: '0',
    id: 'e1',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '000000000000',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [executionArn],
    detail: { executionArn, stateMachineArn, status, error, cause: null },
  };
}

describe('the restore rules', () => {
  const matched = (event: EventEnvelope) => restoreRules().filter((rule) => matchesPattern(rule.EventPattern, event));

  it.each<[string, string | null, number]>([
    ['ABORTED', null, 1],
    ['TIMED_OUT', 'States.Timeout', 1],
    ['FAILED', 'States.DataLimitExceeded', 1],
    ['FAILED', 'States.Runtime', 1],
    ['SUCCEEDED', null, 0],
    ['RUNNING', null, 0],
    ...Object.values(FailureCodes).map((code): [string, string, number] => ['FAILED', code, 0]),
  ])('%s with error %s starts %i restore', (status, error, count) => {
    expect(matched(statusChange(status, error))).toHaveLength(count);
  });

  it("ignores other state machines' executions", () => {
    const other = 'arn:aws:states:us-east-1:000000000000:stateMachine:someone-else';
    expect(matched(statusChange('ABORTED', null, other))).toHaveLength(0);
  });

  it('starts this state machine with { restoreOf: the execution ARN }', () => {
    const event = statusChange('ABORTED', null);
    const [rule] = matched(event);
    const [target] = rule?.Targets ?? [];
    expect(target?.Arn).toBe(STATE_MACHINE);
    const input = transformInput(target?.InputTransformer as RuleProps['Targets'][0]['InputTransformer'], event, {
      ruleArn: 'arn',
      ruleName: 'rule',
      ingestionTime: event.time,
    });
    expect(JSON.parse(input)).toEqual({ restoreOf: (event.detail as { executionArn: string }).executionArn });
  });
});
