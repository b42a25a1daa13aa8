import { join } from 'node:path';
import { ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { CommanderError } from 'commander';
import { rewriteLegacyArgs } from '../../../cli/legacy-args';
import { makeProgram, runCli } from '../../../cli/program';
import { registerSandboxCommands } from '../../../cli/sandbox';
import { configDir, fakeIo, GOOD_YAML } from './fixtures';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

const COMMANDS = new Set(['deploy', 'validate', 'status', 'sandbox', 'demo']);

describe('rewriteLegacyArgs', () => {
  test.each([
    [
      ['-gitsha', 'abc1234', '-path', 'g.yml'],
      ['deploy', '--gitsha', 'abc1234', '--path', 'g.yml'],
    ],
    [['-gitsha=abc1234'], ['deploy', '--gitsha=abc1234']],
    [
      ['--gitsha', 'abc1234'],
      ['deploy', '--gitsha', 'abc1234'],
    ],
    [['-version'], ['--version']],
    [
      ['deploy', '-gitsha', 'abc1234'],
      ['deploy', '--gitsha', 'abc1234'],
    ],
    [
      ['status', 'arn', '--watch'],
      ['status', 'arn', '--watch'],
    ],
    [
      ['validate', '-p', 'x.yml'],
      ['validate', '-p', 'x.yml'],
    ],
    [
      ['sandbox', '--', '-path'],
      ['sandbox', '--', '-path'],
    ],
  ])('%j becomes %j', (args, expected) => {
    expect(rewriteLegacyArgs(args, COMMANDS)).toEqual(expected);
  });
});

describe('makeProgram', () => {
  it('prints the version like the original, for -version and --version', async () => {
    for (const flag of ['-version', '--version']) {
      const io = fakeIo();
      expect(await runCli([flag], io)).toBe(0);
      expect(io.out()).toMatch(/^gehen version \d+\.\d+\.\d+\n$/);
    }
  });

  it('throws a CommanderError with exit code 1 on an unknown option instead of exiting', async () => {
    const io = fakeIo();
    const program = makeProgram(io);
    await expect(
      program.parseAsync(['deploy', '--gitsha', 'abc1234', '--bogus'], { from: 'user' }),
    ).rejects.toBeInstanceOf(CommanderError);
    expect(io.err()).toContain("unknown option '--bogus'");
  });

  it('requires --gitsha for deploy, and the original invocation without it fails the same way', async () => {
    const io = fakeIo();
    expect(await runCli(['-path', 'gehen.yml'], io)).toBe(1);
    expect(io.err()).toContain("required option '--gitsha <sha>' not specified");
    expect(sfn.calls()).toHaveLength(0);
  });

  test.each(['deploy', 'status', 'validate'])(
    '%s --help lists its flags, the environment and the exit codes',
    async (command) => {
      const io = fakeIo();
      expect(await runCli([command, '--help'], io)).toBe(0);
      const help = io.out();
      for (const text of command === 'validate'
        ? ['--path', 'Exit codes']
        : ['--json', '--wait-timeout', '--endpoint', '--region']) {
        expect(help).toContain(text);
      }
      if (command !== 'validate') {
        for (const text of [
          'AWS_PROFILE',
          'AWS_REGION',
          'AWS_ENDPOINT_URL',
          'GEHEN_STATE_MACHINE_ARN',
          'NO_COLOR',
          'CI',
          '130',
        ]) {
          expect(help).toContain(text);
        }
      }
    },
  );

  it('lists the exit codes and the original invocation in the top-level help', async () => {
    const io = fakeIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out()).toContain('gehen -gitsha SHA');
    expect(io.out()).toMatch(/2 +something may be left on the new version/);
  });

  it('parses --wait-timeout as minutes and rejects nonsense', async () => {
    const io = fakeIo();
    expect(await runCli(['deploy', '--gitsha', 'abc1234', '--wait-timeout', 'soon'], io)).toBe(1);
    expect(io.err()).toContain('must be a number of minutes');
  });
});

describe('validation before anything starts', () => {
  const BAD = `services:
  api:
    cluster: prod
    url: ftp://api.example.com
    contaners: [web]
timeoutMinutes: -1
`;

  it('prints every problem with its path, exits 1, and calls no AWS API', async () => {
    const io = fakeIo({ cwd: configDir(BAD) });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x' });
    expect(await runCli(['-gitsha', 'not-a-sha', '-path', 'gehen.yml'], io)).toBe(1);
    const err = io.err();
    expect(err).toContain('gitsha: must be 7 to 40 hexadecimal characters');
    expect(err).toContain('services.api.url: must be an http:// or https:// URL');
    expect(err).toContain('services.api: unknown key "contaners" (a typo?)');
    expect(err).toContain('timeoutMinutes: must be greater than 0');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('names a missing file and suggests --path', async () => {
    const io = fakeIo({ cwd: configDir(GOOD_YAML) });
    expect(await runCli(['deploy', '--gitsha', 'abc1234', '--path', 'nope.yml'], io)).toBe(1);
    expect(io.err()).toContain('nope.yml: cannot read the file (no such file); pass --path FILE');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('with --json, stdout carries exactly one report saying nothing started', async () => {
    const io = fakeIo({ cwd: configDir(BAD) });
    expect(await runCli(['deploy', '--gitsha', 'abc1234', '--json'], io)).toBe(1);
    const report = JSON.parse(io.out());
    expect(report).toMatchObject({ execution: null, status: 'failed', exitCode: 1, services: [], scheduledTasks: [] });
    expect(report.error.problems).toContain('services.api.url: must be an http:// or https:// URL');
  });

  it('fails when no state machine named gehen-deploy exists, after listing every page', async () => {
    const io = fakeIo({ cwd: configDir(GOOD_YAML) });
    sfn
      .on(ListStateMachinesCommand)
      .resolvesOnce({ stateMachines: [], nextToken: 'p2' })
      .resolvesOnce({
        stateMachines: [{ name: 'other', stateMachineArn: 'arn:x', type: 'STANDARD', creationDate: new Date() }],
      });
    expect(await runCli(['deploy', '--gitsha', 'abc1234'], io)).toBe(1);
    expect(io.err()).toContain('no state machine named gehen-deploy in us-east-1');
    expect(sfn).toHaveReceivedCommandTimes(ListStateMachinesCommand, 2);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});

describe('validate', () => {
  it('summarizes what a deploy would touch without calling AWS', async () => {
    const io = fakeIo({ cwd: configDir(GOOD_YAML) });
    expect(await runCli(['validate'], io)).toBe(0);
    expect(io.out()).toContain('gehen.yml is valid.');
    expect(io.out()).toContain('services (2):');
    expect(io.out()).toMatch(
      /api {2}cluster prod \(the default region\) {2}url https:\/\/api\.example\.com\/ping {2}containers all/,
    );
    expect(io.out()).toContain('scheduled tasks (1):');
    expect(io.out()).toContain('update strategy current; 5 min per phase');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('accepts the example file at the project root', async () => {
    const io = fakeIo();
    expect(await runCli(['validate', '--path', join(__dirname, '../../../gehen.example.yml')], io)).toBe(0);
  });
});

describe('the sandbox seam', () => {
  it('hands sandbox and demo their raw arguments, loading the sandbox only then', async () => {
    const io = fakeIo();
    const calls: string[][] = [];
    const load = jest.fn(() => ({
      sandbox: async (args: string[]) => {
        calls.push(args);
        return 0;
      },
      startExampleSandbox: jest.fn(),
      startGateExampleSandbox: jest.fn(),
    }));
    expect(await runCli(['--version'], io, [(p, i) => registerSandboxCommands(p, i, load)])).toBe(0);
    expect(load).not.toHaveBeenCalled();
    expect(
      await runCli(['sandbox', '--fleet', 'fleet.yml', '--port', '0'], io, [
        (p, i) => registerSandboxCommands(p, i, load),
      ]),
    ).toBe(0);
    expect(calls).toEqual([['--fleet', 'fleet.yml', '--port', '0']]);
  });
});
