import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { STACK_NAME } from '../../lib/synth';
import { sandboxAssembly } from '../../sandbox/gehen-sandbox';

/**
 * cfn-lint (https://github.com/aws-cloudformation/cfn-lint) checks the synthesized template
 * against CloudFormation's own resource schemas: a second opinion that neither CDK nor our tests
 * wrote. Errors fail the test; warnings are printed (not failed on: a CDK upgrade may add some). A
 * warning is ignored only here, with why.
 */
const IGNORED_WARNINGS: Record<string, string> = {
  // CDK adds `DependsOn: [<fn>Role, <fn>RoleDefaultPolicy]` to every function; the Role is also
  // reached through `Fn::GetAtt` (Role.Arn), so the first entry is redundant, and harmless:
  // CloudFormation orders by both. It is CDK's output, not something lib/ writes.
  W3005: 'redundant DependsOn written by CDK (aws-lambda Function)',
};

interface CfnLintMatch {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Location: { Path: Array<string | number> };
}

const describeMatch = (m: CfnLintMatch) => `${m.Rule.Id} at ${m.Location.Path.join('/')}: ${m.Message}`;

function cfnLintVersion(): string | undefined {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

const version = cfnLintVersion();
if (!version) {
  // Not a silent pass: say how to get the check.
  console.warn('cfn-lint is not installed, so the template is not linted: pip install cfn-lint');
}

(version ? describe : describe.skip)(`cfn-lint on the synthesized template (${version ?? 'missing'})`, () => {
  let matches: CfnLintMatch[];
  beforeAll(() => {
    const assembly = sandboxAssembly({});
    const templatePath = join(assembly.dir, `${STACK_NAME}.template.json`);
    const run = spawnSync(
      'cfn-lint',
      ['--format', 'json', '--ignore-checks', ...Object.keys(IGNORED_WARNINGS), '--', templatePath],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    // Exit codes are a bit mask (2 errors, 4 warnings, 8 informational); 1 is cfn-lint failing.
    if (run.status === null || run.status === 1) {
      throw new Error(`cfn-lint did not run (exit ${run.status}): ${run.stderr}`);
    }
    matches = JSON.parse(run.stdout || '[]') as CfnLintMatch[];
    const warnings = matches.filter((m) => m.Level !== 'Error').map(describeMatch);
    if (warnings.length > 0)
      console.warn(`cfn-lint warnings (add a reason to IGNORED_WARNINGS or fix lib/):\n${warnings.join('\n')}`);
  });

  it('reports no error', () => {
    expect(matches.filter((m) => m.Level === 'Error').map(describeMatch)).toEqual([]);
  });
});
