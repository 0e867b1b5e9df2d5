/**
 * The AWS shared-credentials format (`~/.aws/credentials`): INI sections named after profiles,
 * each with `aws_access_key_id`, `aws_secret_access_key` and optionally `aws_session_token`.
 * `[profile name]` headers (the AWS config file's form) are read as `name` too. Lines starting
 * with `#` or `;` are comments.
 *
 * A problem names the line and key, never a value: the file holds secrets, and a message about
 * it may end up in a log.
 */

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type CredentialsResult = { credentials: S3Credentials } | { problem: string };

const KEYS = {
  accessKeyId: 'aws_access_key_id',
  secretAccessKey: 'aws_secret_access_key',
  sessionToken: 'aws_session_token',
} as const;

/** The credentials of `profile` in `text`, or what is wrong with it. */
export function credentialsOf(text: string, profile: string): CredentialsResult {
  const profiles = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(?:profile\s+)?([^\]]*?)\s*\]$/.exec(line);
    if (header !== null) {
      const name = header[1]!;
      current = profiles.get(name) ?? new Map<string, string>();
      profiles.set(name, current);
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0) return { problem: `line ${index + 1} is neither [profile] nor key = value` };
    if (current === undefined) {
      return { problem: `line ${index + 1} holds a key before any [profile] header` };
    }
    current.set(line.slice(0, equals).trim().toLowerCase(), line.slice(equals + 1).trim());
  }
  const values = profiles.get(profile);
  if (values === undefined) {
    const known = [...profiles.keys()].map((name) => `[${name}]`).join(', ') || 'none';
    return { problem: `has no profile [${profile}] (profiles: ${known})` };
  }
  const accessKeyId = values.get(KEYS.accessKeyId) ?? '';
  const secretAccessKey = values.get(KEYS.secretAccessKey) ?? '';
  const missing = [
    accessKeyId === '' ? KEYS.accessKeyId : undefined,
    secretAccessKey === '' ? KEYS.secretAccessKey : undefined,
  ].filter((key) => key !== undefined);
  if (missing.length > 0) {
    return { problem: `profile [${profile}] has no ${missing.join(' and no ')}` };
  }
  const sessionToken = values.get(KEYS.sessionToken);
  return {
    credentials: {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken === undefined || sessionToken === '' ? {} : { sessionToken }),
    },
  };
}
