/** Replica checksums in the default SHA256 scheme: `sha2:` + base64 of the digest (§7.5). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function fileChecksum(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return `sha2:${hash.digest('base64')}`;
}
