/**
 * Reading password files. A secret file must be a regular file that others cannot read; its
 * content never appears in a message. systemd's LoadCredential= puts credentials in
 * $CREDENTIALS_DIRECTORY, which stands in when no password_file is configured.
 */
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Secret } from './secret.js';

export type SecretResult = { readonly secret: Secret } | { readonly problem: string };

/**
 * Reads the secret in `path`, without its trailing newline. `kind` names the file in problems.
 */
export async function readSecretFile(path: string, kind = 'password file'): Promise<SecretResult> {
  let mode: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { problem: `${kind} ${path} is not a regular file` };
    mode = info.mode & 0o7777;
  } catch (error) {
    return { problem: `${kind} ${path} ${describeFsError(error)}` };
  }
  if ((mode & 0o004) !== 0) {
    const octal = mode.toString(8).padStart(4, '0');
    return {
      problem: `${kind} ${path} is world-readable (mode ${octal}); run: chmod 640 ${path}`,
    };
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { problem: `${kind} ${path} ${describeFsError(error)}` };
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') return { problem: `${kind} ${path} is empty` };
  return { secret: new Secret(value) };
}

/**
 * The file holding credential `name`: `configured` when set, else `$CREDENTIALS_DIRECTORY/name`
 * when systemd provides that directory, else undefined.
 */
export function credentialPath(
  configured: string | undefined,
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (configured !== undefined) return configured;
  const directory = env.CREDENTIALS_DIRECTORY;
  return directory === undefined || directory === '' ? undefined : join(directory, name);
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return `cannot be read (${code ?? String(error)})`;
}

export async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
