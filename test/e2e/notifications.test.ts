import { demoConfig, demoService, FAST } from './fleets';
import { type E2e, startE2e } from './harness';

const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:datadog-AbCdEf';

/**
 * The notification rules of the template, on the sandbox's EventBridge: the events Notify really
 * puts reach the SNS topic, Datadog and the dashboard's log, each with the message it would get.
 */
describe('deployment notifications on the sandbox', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await startE2e(
      { services: [demoService('api', { listen: 0 })], timing: FAST },
      { context: { 'gehen:notifySnsTopicArn': 'create', 'gehen:datadogApiKeySecretArn': SECRET } },
    );
  });
  afterAll(() => e2e.close());

  it('sends every deployment end to the topic, Datadog and the dashboard log, readable', async () => {
    const path = e2e.config(demoConfig({ services: { api: { url: `${e2e.sandbox.loadBalancers.api}/` } } }));
    const { code, report } = await e2e.deploy('2222222', path);
    expect(code).toBe(0);
    const deliveries = e2e.sandbox.eventRouting.deliveries.filter((d) => d.input?.includes(report.execution ?? '-'));
    const to = (type: string) => deliveries.filter((d) => d.targetArn?.includes(`:${type}/`));

    const [topic] = to('AWS::SNS::Topic');
    const message = JSON.parse(topic?.input ?? '{}');
    expect(message).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: 'gehen: deployed 2222222',
        nextSteps: [`gehen status ${report.execution}`],
      },
    });

    const [datadog] = to('AWS::Events::ApiDestination');
    expect(JSON.parse(datadog?.input ?? '{}')).toMatchObject({
      title: 'gehen deployment deployed: 2222222',
      tags: expect.arrayContaining(['gehen_status:deployed', 'git.commit.sha:2222222']),
      aggregation_key: report.execution,
    });

    const [log] = to('AWS::Logs::LogGroup');
    expect(JSON.parse(log?.input ?? '{}')).toMatchObject({
      source: 'gehen',
      'detail-type': 'Gehen Deployment State Change',
      detail: { status: 'deployed', gitsha: '2222222' },
    });
  });
});
