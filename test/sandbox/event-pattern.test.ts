import { type EventEnvelope, matchesPattern, readPath, transformInput } from '../../sandbox/event-pattern';

const PUSH: EventEnvelope = {
  version: '0',
  id: 'e-1',
  'detail-type': 'ECR Image Action',
  source: 'aws.ecr',
  account: '000000000000',
  time: '2026-01-01T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    result: 'SUCCESS',
    'repository-name': 'api',
    'action-type': 'PUSH',
    'image-tag': 'abc1234',
    layers: [1, 2],
  },
};

const ECR_RULE = {
  source: ['aws.ecr'],
  'detail-type': ['ECR Image Action'],
  detail: { 'action-type': ['PUSH'], result: ['SUCCESS'], 'repository-name': ['api'] },
};

describe('matchesPattern', () => {
  test.each([
    ['the trigger pattern', ECR_RULE, true],
    ['another repository', { ...ECR_RULE, detail: { ...ECR_RULE.detail, 'repository-name': ['web'] } }, false],
    ['one of several values', { source: ['aws.ec2', 'aws.ecr'] }, true],
    ['a field the event lacks', { detail: { 'image-digest': ['sha256:x'] } }, false],
    ['a nested object against a string', { source: { nested: ['x'] } }, false],
    ['a value in an array field', { detail: { layers: [2] } }, true],
    ['prefix', { detail: { 'image-tag': [{ prefix: 'abc' }] } }, true],
    ['prefix, no match', { detail: { 'image-tag': [{ prefix: 'v' }] } }, false],
    ['suffix', { detail: { 'image-tag': [{ suffix: '234' }] } }, true],
    ['anything-but', { detail: { 'image-tag': [{ 'anything-but': ['latest'] }] } }, true],
    ['exists false', { detail: { 'image-digest': [{ exists: false }] } }, true],
    ['exists true', { detail: { 'image-tag': [{ exists: true }] } }, true],
  ])('%s → %s', (_, pattern, expected) => {
    expect(matchesPattern(pattern, PUSH)).toBe(expected);
  });
});

describe('readPath', () => {
  test.each([
    ['$.detail.image-tag', 'abc1234'],
    ['$.detail.layers[1]', 2],
    ['$.detail.missing.deeper', undefined],
    ['$.resources', []],
  ])('%s', (path, expected) => {
    expect(readPath(PUSH, path)).toEqual(expected);
  });
});

describe('transformInput', () => {
  const context = { ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r', ruleName: 'r', ingestionTime: 'now' };

  it('puts a string placeholder outside quotes as a JSON string, and the rest of the template verbatim', () => {
    const input = transformInput(
      {
        InputPathsMap: { tag: '$.detail.image-tag' },
        InputTemplate: '{"gitsha":<tag>,"config":{"url":"http://x/<b>"},"source":"ecr"}',
      },
      PUSH,
      context,
    );
    expect(JSON.parse(input)).toEqual({ gitsha: 'abc1234', config: { url: 'http://x/<b>' }, source: 'ecr' });
  });

  it('puts values inside a string literal as text, escaped, and objects as JSON', () => {
    const event = { ...PUSH, detail: { quote: 'say "hi"', list: [1] } };
    const input = transformInput(
      {
        InputPathsMap: { quote: '$.detail.quote', list: '$.detail.list' },
        InputTemplate: '{"text":"<quote> and <list>","raw":<list>}',
      },
      event,
      context,
    );
    expect(JSON.parse(input)).toEqual({ text: 'say "hi" and [1]', raw: [1] });
  });

  it('makes a missing path null outside quotes and empty inside', () => {
    const input = transformInput(
      { InputPathsMap: { gone: '$.detail.gone' }, InputTemplate: '{"a":<gone>,"b":"x<gone>y"}' },
      PUSH,
      context,
    );
    expect(JSON.parse(input)).toEqual({ a: null, b: 'xy' });
  });

  it('knows the predefined variables, and leaves a text template unquoted', () => {
    expect(
      transformInput({ InputTemplate: '"<aws.events.rule-name> saw <aws.events.event.json>"' }, PUSH, context),
    ).toBe(`"r saw ${JSON.stringify(PUSH)}"`);
  });
});
