import type { Context } from 'aws-lambda';
import { invocationKeys, Logger, stepLogger } from '../../../lambdas/shared/logger';
import { stepHandler } from '../../../lambdas/shared/step-handler';
import { deployment, NEW_SHA, plannedRule, plannedService } from './deploy-fixtures';

const EXECUTION = deployment().executionArn;
const plan = { deployment: deployment(), services: [plannedService()], scheduledTasks: [] };

describe('invocationKeys', () => {
  test.each<[string, unknown, Record<string, string>]>([
    [
      'Prepare',
      { execution: { gitsha: 'abc1234', config: { services: [] } }, executionArn: EXECUTION },
      { executionArn: EXECUTION, gitsha: 'abc1234' },
    ],
    [
      'a Deploy Services iteration',
      { service: plannedService(), deployment: deployment() },
      { executionArn: EXECUTION, gitsha: NEW_SHA, ecsService: 'api' },
    ],
    [
      'an Update Scheduled Tasks iteration',
      { rule: plannedRule(), deployment: deployment(), mode: 'deploy' },
      { executionArn: EXECUTION, gitsha: NEW_SHA, rule: 'nightly-report' },
    ],
    ['a poll round', { plan, deployed: [], expect: 'new', round: null }, { executionArn: EXECUTION, gitsha: NEW_SHA }],
    [
      'the rollback bookkeeping',
      { action: 'summarise-rollback', state: { plan } },
      { executionArn: EXECUTION, gitsha: NEW_SHA },
    ],
    [
      'Notify on success',
      { report: { execution: EXECUTION, gitsha: NEW_SHA, status: 'deployed' } },
      { executionArn: EXECUTION, gitsha: NEW_SHA },
    ],
    [
      'Prepare with a gitsha that is no SHA',
      { execution: { gitsha: 'hunter2 is my password' }, executionArn: EXECUTION },
      { executionArn: EXECUTION },
    ],
    ['an event of another shape', { hello: 'world', service: 'api' }, {}],
    ['no event at all', null, {}],
  ])('picks the keys of %s, and nothing else', (_, event, keys) => {
    expect(invocationKeys(event)).toEqual(keys);
  });
});

function lambdaContext(requestId: string): Context {
  return {
    awsRequestId: requestId,
    functionName: 'gehen-report',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:gehen-report',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 30_000,
  } as unknown as Context;
}

/** A step whose core logs at every level, and the JSON lines its invocations write. */
function loggingStep(level?: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = new Logger({
    persistentKeys: { step: 'report' },
    level,
    sink: (line) => {
      expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  const handler = stepHandler<{ fail?: boolean; mark?: string }, string>(
    'report',
    async (event, step) => {
      if (event.mark) step.logger.appendKeys({ mark: event.mark });
      step.logger.debug('Detail', { n: 1 });
      step.logger.warn('Odd', { cause: new TypeError('bad answer') });
      if (event.fail) throw new RangeError('out of range');
      return 'done';
    },
    { logger },
  );
  return { lines, handler };
}

describe('the steps’ logger', () => {
  it('carries nothing of one invocation onto the next one of the same container', async () => {
    const { lines, handler } = loggingStep();

    await handler(
      { service: plannedService(), deployment: deployment(), mark: 'first' } as never,
      lambdaContext('req-1'),
    );
    const first = lines.splice(0);
    await handler({ rule: plannedRule() } as never, lambdaContext('req-2'));

    expect(first.at(-1)).toMatchObject({
      message: 'Step finished',
      ecsService: 'api',
      mark: 'first',
      function_request_id: 'req-1',
      cold_start: true,
    });
    expect(lines.map((line) => line.message)).toEqual(['Step started', 'Odd', 'Step finished']);
    for (const line of lines) {
      expect(line).toMatchObject({ service: 'gehen', step: 'report', rule: 'nightly-report' });
      expect(line).toMatchObject({ function_request_id: 'req-2', cold_start: false });
      expect(line).not.toHaveProperty('ecsService');
      expect(line).not.toHaveProperty('mark');
      expect(line).not.toHaveProperty('executionArn');
    }
  });

  it('writes each line with the documented keys, an Error as its name and message', async () => {
    const { lines, handler } = loggingStep();
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    try {
      await expect(handler({ fail: true }, lambdaContext('req-1'))).rejects.toThrow('out of range');
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }

    expect(lines.map((line) => [line.level, line.message])).toEqual([
      ['INFO', 'Step started'],
      ['WARN', 'Odd'],
      ['ERROR', 'Step failed'],
    ]);
    expect(lines[1]).toEqual({
      level: 'WARN',
      message: 'Odd',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'gehen',
      cold_start: true,
      function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:gehen-report',
      function_memory_size: '256',
      function_name: 'gehen-report',
      function_request_id: 'req-1',
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      step: 'report',
      cause: { name: 'TypeError', message: 'bad answer' },
    });
    expect(lines[2]).toMatchObject({ error: { name: 'RangeError', message: 'out of range' } });
  });

  test.each<[string | undefined, string[]]>([
    ['DEBUG', ['Step started', 'Detail', 'Odd', 'Step finished']],
    ['debug', ['Step started', 'Detail', 'Odd', 'Step finished']],
    [undefined, ['Step started', 'Odd', 'Step finished']],
    ['INFO', ['Step started', 'Odd', 'Step finished']],
    ['VERBOSE', ['Step started', 'Odd', 'Step finished']],
    ['WARN', ['Odd']],
    ['ERROR', []],
  ])('at level %s writes only %j', async (level, messages) => {
    const { lines, handler } = loggingStep(level);
    await handler({}, lambdaContext('req-1'));
    expect(lines.map((line) => line.message)).toEqual(messages);
  });

  it('takes its level from GEHEN_LOG_LEVEL', () => {
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      process.env.GEHEN_LOG_LEVEL = 'DEBUG';
      stepLogger('report').debug('shown');
      process.env.GEHEN_LOG_LEVEL = 'INFO';
      stepLogger('report').debug('hidden');
    } finally {
      delete process.env.GEHEN_LOG_LEVEL;
      jest.restoreAllMocks();
    }
    expect(written.map((chunk) => JSON.parse(chunk).message)).toEqual(['shown']);
  });
});
