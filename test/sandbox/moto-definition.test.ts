import { type SandboxAssembly, sandboxAssembly, startGehenSandbox } from '../../sandbox/gehen-sandbox';
import { MotoMissingError, startMotoServer } from '../../sandbox/moto/moto-server';
import { motoForTests } from '../moto-probe';

/**
 * moto's CreateStateMachine parses the definition with its own ASL grammar: a definition it refuses
 * stops `gehen sandbox --engine moto` at start, naming the error, instead of failing executions later.
 */
const moto = motoForTests();
if (!moto.ok) console.warn(`moto definition test skipped: ${moto.reason}`);

/** The synthesized assembly with its first Wait state's Type replaced by one ASL does not have. */
function withInvalidState(assembly: SandboxAssembly): SandboxAssembly {
  const text = JSON.stringify(assembly.template);
  const broken = text.replace('\\"Type\\":\\"Wait\\"', '\\"Type\\":\\"Sleep\\"');
  if (broken === text) throw new Error('the template has no Wait state to break');
  return { ...assembly, template: JSON.parse(broken) };
}

(moto.ok ? describe : describe.skip)('the moto engine at start', () => {
  it('refuses a definition moto’s CreateStateMachine rejects, with moto’s reason', async () => {
    const start = startGehenSandbox({
      fleet: { services: [] },
      port: 0,
      assembly: withInvalidState(sandboxAssembly({})),
      engine: 'moto',
    });
    await expect(start).rejects.toThrow(/moto refused the gehen-deploy definition: InvalidDefinition: .*"Sleep"/);
  });
});

describe('the moto engine without moto', () => {
  it('fails at start saying how to install moto_server', async () => {
    const start = startMotoServer({ lambdaPort: 9, python: 'python-without-moto-gehen-test' });
    await expect(start).rejects.toThrow(MotoMissingError);
    await expect(start).rejects.toThrow("pip install 'moto[server,stepfunctions]'");
  });
});
