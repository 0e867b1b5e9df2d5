/**
 * Comparing iRODS checksums with digests computed here (irods-http-api.md §5.2.10, §7.5). Under
 * the default hash scheme iRODS answers `sha2:` + standard base64 of the SHA-256 digest; a zone
 * configured for MD5 answers 32 lowercase hex digits without a prefix. The scheme is read off
 * the checksum itself, so a comparison hashes the local file the way the zone did.
 */

export const CHECKSUM_VERDICT = {
  match: 'match',
  mismatch: 'mismatch',
  /** No checksum recorded, or one under another hash scheme. */
  incomparable: 'incomparable',
} as const;

export type ChecksumVerdict = (typeof CHECKSUM_VERDICT)[keyof typeof CHECKSUM_VERDICT];

export const SHA2_PREFIX = 'sha2:';

/** Hash schemes whose iRODS form this daemon can reproduce, named as node:crypto names them. */
export const CHECKSUM_SCHEMES = { sha256: 'sha256', md5: 'md5' } as const;
export type ChecksumScheme = (typeof CHECKSUM_SCHEMES)[keyof typeof CHECKSUM_SCHEMES];

const MD5_FORM = /^[0-9a-f]{32}$/;

/** The iRODS form of a SHA-256 digest given in standard base64. */
export function sha2Checksum(digestBase64: string): string {
  return `${SHA2_PREFIX}${digestBase64}`;
}

/** Compares two checksums in iRODS form; ones of different (or unknown) schemes cannot be. */
export function compareChecksums(irodsChecksum: string, localChecksum: string): ChecksumVerdict {
  const scheme = checksumScheme(irodsChecksum);
  if (scheme === undefined || scheme !== checksumScheme(localChecksum)) {
    return CHECKSUM_VERDICT.incomparable;
  }
  return irodsChecksum === localChecksum ? CHECKSUM_VERDICT.match : CHECKSUM_VERDICT.mismatch;
}

/** The scheme an iRODS checksum was computed under; undefined for "" or a form not known here. */
export function checksumScheme(irodsChecksum: string): ChecksumScheme | undefined {
  if (irodsChecksum.startsWith(SHA2_PREFIX)) return CHECKSUM_SCHEMES.sha256;
  if (MD5_FORM.test(irodsChecksum)) return CHECKSUM_SCHEMES.md5;
  return undefined;
}

/** How iRODS writes a digest (raw bytes) computed under `scheme`. */
export function irodsChecksumOf(scheme: ChecksumScheme, digest: Uint8Array): string {
  if (scheme === CHECKSUM_SCHEMES.md5) {
    return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  }
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return sha2Checksum(btoa(binary));
}
