/**
 * Comparing an iRODS checksum with a locally computed SHA-256 (irods-http-api.md §5.2.10, §7.5).
 * Under the default hash scheme iRODS answers `sha2:` + standard base64 of the digest; a server
 * configured for MD5 answers hex without a prefix, which a SHA-256 cannot be compared with.
 */

export const CHECKSUM_VERDICT = {
  match: 'match',
  mismatch: 'mismatch',
  /** No checksum recorded, or one under another hash scheme. */
  incomparable: 'incomparable',
} as const;

export type ChecksumVerdict = (typeof CHECKSUM_VERDICT)[keyof typeof CHECKSUM_VERDICT];

export const SHA2_PREFIX = 'sha2:';

/** The iRODS form of a SHA-256 digest given in standard base64. */
export function sha2Checksum(digestBase64: string): string {
  return `${SHA2_PREFIX}${digestBase64}`;
}

export function compareChecksums(irodsChecksum: string, localSha2: string): ChecksumVerdict {
  if (!irodsChecksum.startsWith(SHA2_PREFIX)) return CHECKSUM_VERDICT.incomparable;
  return irodsChecksum === localSha2 ? CHECKSUM_VERDICT.match : CHECKSUM_VERDICT.mismatch;
}
