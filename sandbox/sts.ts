import { randomBytes } from 'node:crypto';
import { SandboxAwsError } from './aws-error';
import { ACCOUNT, hexId } from './ids';

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

/** Who an AssumeRole key acts as: the role and the session's ARN. */
export interface AssumedRole {
  roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  arn: string;
}

// Keys are random and unique, so one registry serves every sandbox of the process.
const assumedRoles = new Map<string, AssumedRole>();

/** The role an access key handed out by AssumeRole acts as; undefined for any other key. */
export function assumedRoleOf(accessKeyId: string): AssumedRole | undefined {
  return assumedRoles.get(accessKeyId);
}

function key(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(length);
  return prefix + [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function response(action: string, result: string): string {
  return (
    `<${action}Response xmlns="${NAMESPACE}"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${hexId(16)}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/**
 * The sandbox's STS on the query protocol (form-encoded `Action=…`, XML answers): AssumeRole
 * hands out temporary credentials for any well-formed role ARN, so configs with `role.arn` run.
 */
export function handleSts(action: string, params: URLSearchParams): string {
  switch (action) {
    case 'AssumeRole':
      return assumeRole(params);
    case 'GetCallerIdentity':
      return response(
        'GetCallerIdentity',
        `<Arn>arn:aws:iam::${ACCOUNT}:user/sandbox</Arn><UserId>${key('AIDA', 16)}</UserId><Account>${ACCOUNT}</Account>`,
      );
    default:
      throw new SandboxAwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  }
}

function assumeRole(params: URLSearchParams): string {
  const roleArn = params.get('RoleArn') ?? '';
  const session = params.get('RoleSessionName') ?? '';
  const match = ROLE_ARN.exec(roleArn);
  if (!match) throw new SandboxAwsError('ValidationError', `${roleArn} is invalid`);
  if (!/^[\w+=,.@-]{2,64}$/.test(session)) {
    throw new SandboxAwsError(
      'ValidationError',
      `1 validation error detected: Value '${session}' at 'roleSessionName'`,
    );
  }
  const duration = Number(params.get('DurationSeconds') ?? 3600);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
    throw new SandboxAwsError('ValidationError', 'DurationSeconds must be between 900 and 43200.');
  }
  const [, account = ACCOUNT, roleName = ''] = match;
  const expiration = new Date(Date.now() + duration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const roleId = key('AROA', 16);
  const accessKeyId = key('ASIA', 16);
  const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`;
  assumedRoles.set(accessKeyId, { roleArn, arn });
  return response(
    'AssumeRole',
    `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId>` +
      `<SecretAccessKey>${randomBytes(30).toString('base64')}</SecretAccessKey>` +
      `<SessionToken>${randomBytes(96).toString('base64')}</SessionToken>` +
      `<Expiration>${expiration}</Expiration></Credentials>` +
      `<AssumedRoleUser><AssumedRoleId>${roleId}:${escapeXml(session)}</AssumedRoleId>` +
      `<Arn>${escapeXml(arn)}</Arn></AssumedRoleUser>`,
  );
}

/** An STS error as the query protocol carries it. */
export function stsErrorXml(error: SandboxAwsError): string {
  return (
    `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${escapeXml(error.type)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${hexId(16)}</RequestId></ErrorResponse>`
  );
}
