import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandbox } from '../../sandbox/commands';
import { motoForTests } from '../moto-probe';
import { fakeIo } from '../unit/cli/fixtures';

describe('gehen sandbox --engine', () => {
  it('refuses an engine it does not have, naming the ones it has', async () => {
    const io = fakeIo();
    expect(await sandbox(['--engine', 'stepfunctions-local'], io)).toBe(1);
    expect(io.err()).toMatch(/--engine.*stepfunctions-local.*local, moto/);
  });

  it('documents the engines in --help', async () => {
    const io = fakeIo();
    expect(await sandbox(['--help'], io)).toBe(0);
    expect(io.out()).toMatch(/--engine <engine>.*\n?.*moto/);
  });

  const moto = motoForTests();
  (moto.ok ? it : it.skip)('runs the workflow on moto until Ctrl-C, and says which engine runs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gehen-sandbox-cmd-'));
    const fleet = join(dir, 'fleet.yml');
    writeFileSync(fleet, 'services: []\n');
    const io = fakeIo();
    const listening = new Promise<void>((resolve) => {
      const write = io.stdout.write;
      io.stdout.write = (text: string) => {
        write(text);
        if (text.includes('Ctrl-C stops it')) resolve();
        return true;
      };
    });
    const running = sandbox(['--engine', 'moto', '--port', '0', '--fleet', fleet], io);
    await Promise.race([listening, running.then((code) => Promise.reject(new Error(`exited ${code}: ${io.err()}`)))]);
    expect(io.out()).toMatch(
      /state machine {2}arn:aws:states:us-east-1:000000000000:stateMachine:gehen-deploy \(moto engine\)/,
    );
    io.interrupt();
    expect(await running).toBe(0);
  });
});
