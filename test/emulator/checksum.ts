/**
 * Replica checksums in the server's hash schemes (spec §5.2.10, §7.5): `default_hash_scheme`
 * SHA256 gives `sha2:` + standard base64 of the digest, MD5 gives 32 lowercase hex digits with no
 * prefix (the iRODS server's MD5 checksum form). Verification uses the scheme a stored value is
 * written in, as the server tells them apart by the `sha2:` prefix.
 */
import { createHash } from 'node:crypto';

export const HASH_SCHEMES = { sha256: 'SHA256', md5: 'MD5' } as const;
export type HashScheme = (typeof HASH_SCHEMES)[keyof typeof HASH_SCHEMES];

/** The scheme a stored checksum is written in. */
export function schemeOf(checksum: string): HashScheme {
  return checksum.startsWith('sha2:') ? HASH_SCHEMES.sha256 : HASH_SCHEMES.md5;
}

/** Hashes a stream of bytes into the scheme's checksum form. */
export async function digest(
  chunks: AsyncIterable<Uint8Array>,
  scheme: HashScheme,
): Promise<string> {
  const hash = createHash(scheme === HASH_SCHEMES.sha256 ? 'sha256' : 'md5');
  for await (const chunk of chunks) hash.update(chunk);
  return scheme === HASH_SCHEMES.sha256 ? `sha2:${hash.digest('base64')}` : hash.digest('hex');
}
