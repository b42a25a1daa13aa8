import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';

/** Where definitions that passed asl-validator are remembered, one empty file per content hash. */
const VALIDATED_DIR = join(tmpdir(), 'gehen-sandbox-asl-valid');

/**
 * aws-local-stepfunctions' StateMachine, validated by asl-validator (checkArn off: the template's
 * ARNs are the sandbox's) once per definition content rather than at every start: the validator
 * builds a fresh Ajv instance and compiles every ASL schema on each call (about a second of CPU),
 * and a test run starts a sandbox on the same definition dozens of times. The same definition
 * always gives the same verdict, so a remembered pass is the validator's own answer.
 */
export function validatedStateMachine(definition: object): StateMachine {
  const hash = createHash('sha256').update(JSON.stringify(definition)).digest('hex');
  const marker = join(VALIDATED_DIR, hash);
  const known = existsSync(marker);
  const machine = new StateMachine(definition as never, {
    validationOptions: known ? { noValidate: true } : { checkArn: false },
  });
  if (!known) {
    mkdirSync(VALIDATED_DIR, { recursive: true });
    writeFileSync(marker, '');
  }
  return machine;
}
