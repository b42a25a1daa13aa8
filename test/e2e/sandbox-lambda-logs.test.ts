import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../cli/io';
import { runCli } from '../../cli/program';
import { sandbox } from '../../sandbox/commands';
import { ensureSandboxCredentials } from '../../sandbox/gehen-sandbox';

/** `gehen sandbox --lambda-logs`: the steps' log lines on the sandbox's stdout, each after its function's name. */

const FLEET = `services:
  - name: worker
    cluster: demo
    taskDefinition:
      family: worker
      containerDefinitions:
        - name: worker
          image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/worker:1111111
timing: { taskStartSeconds: 0.2, drainSeconds: 0.3 }
`;
const GEHEN_YML = `services:
  worker:
    cluster: demo
timeoutMinutes: 1
pollIntervalSeconds: 1
`;

function io(dir: string, onWrite: (text: string) => void = () => {}) {
  let interrupt: () => void = () => {};
  const out: string[] = [];
  const cli: CliIo = {
    stdout: {
      write: (chunk: string) => {
        out.push(chunk);
        onWrite(out.join(''));
      },
    },
    stderr: { write: () => {} },
    env: { CI: 'true' },
    cwd: dir,
    clock: { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 200))) },
    onInterrupt: (handler) => {
      interrupt = handler;
      return () => {};
    },
    exitCode: 0,
  };
  return { cli, out, interrupt: () => interrupt() };
}

describe('gehen sandbox --lambda-logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gehen-lambda-logs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints every step's JSON lines while a deployment runs", async () => {
    writeFileSync(join(dir, 'fleet.yml'), FLEET);
    writeFileSync(join(dir, 'gehen.yml'), GEHEN_YML);
    ensureSandboxCredentials();
    let listening: (endpoint: string) => void = () => {};
    const endpoint = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const server = io(dir, (text) => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (match?.[1]) listening(match[1]);
    });
    const running = sandbox(['--fleet', join(dir, 'fleet.yml'), '--port', '0', '--lambda-logs'], server.cli);

    const deploy = io(dir);
    const code = await runCli(
      ['deploy', '--gitsha', '2222222', '--path', 'gehen.yml', '--endpoint', await endpoint, '--region', 'us-east-1'],
      deploy.cli,
    );
    server.interrupt();

    expect(await running).toBe(0);
    expect(code).toBe(0);
    const logged = server.out
      .join('')
      .split('\n')
      .flatMap((line) => {
        const match = /^(\S+) (\{.*\})$/.exec(line);
        return match?.[2] ? [{ fn: match[1], line: JSON.parse(match[2]) as Record<string, unknown> }] : [];
      });
    expect(logged).toContainEqual({
      fn: expect.stringContaining('UpdateService'),
      line: expect.objectContaining({ message: 'Step started', step: 'update-service', ecsService: 'worker' }),
    });
  });
});
