import { retryThrottled } from '../../../lambdas/prepare/lookups';

/** ECS's throttling error as the SDK raises it: named ThrottlingException, HTTP 400. */
function throttled(): Error {
  const error = new Error('Rate exceeded');
  error.name = 'ThrottlingException';
  return Object.assign(error, { $metadata: { httpStatusCode: 400 } });
}

describe('retryThrottled', () => {
  it('tries a throttled call again until it answers, waiting less than 4 s each time', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retryThrottled(
      Date.now() + 60_000,
      async () => {
        calls += 1;
        if (calls < 6) throw throttled();
        return 'described';
      },
      async (ms) => {
        waits.push(ms);
      },
    );
    expect(result).toBe('described');
    expect(calls).toBe(6);
    expect(waits.every((ms) => ms >= 0 && ms <= 4000)).toBe(true);
  });

  it('gives up at the deadline, with the throttling error', async () => {
    await expect(
      retryThrottled(Date.now() - 1, async () => {
        throw throttled();
      }),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('does not retry what is not transient', async () => {
    let calls = 0;
    await expect(
      retryThrottled(Date.now() + 60_000, async () => {
        calls += 1;
        throw new Error('ClientException: Unable to describe task definition.');
      }),
    ).rejects.toThrow('Unable to describe');
    expect(calls).toBe(1);
  });
});
