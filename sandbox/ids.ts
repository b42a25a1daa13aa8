import { randomBytes } from 'node:crypto';

/** Every resource in the sandbox belongs to this account. */
export const ACCOUNT = '000000000000';

export function hexId(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** The short name of a resource given as a name or an ARN (`…:cluster/demo` → `demo`). */
export function nameOf(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split('/').pop() ?? nameOrArn) : nameOrArn;
}
