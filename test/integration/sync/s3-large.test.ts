/**
 * A 300 MiB object streamed from S3 into iRODS by `put_sync`: its checksum verified against the
 * object's bytes, and the daemon's resident memory growing by less than 150 MiB while it is sent
 * (no temporary file, no whole object in memory).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { startS3, type TestS3 } from '../../helpers/s3.js';
import { bytesOf, useSyncFixture } from './fixture.js';

const BUCKET = 'ingest-large';
const MIB = 1024 * 1024;
const SIZE = 300 * MIB;
const TARGET = '/tempZone/home/rods/s3large';

/** Writes the object straight into s3rver's layout, 1 MiB at a time; its `sha2:` checksum. */
async function writeLargeObject(s3: TestS3, key: string): Promise<string> {
  const object = join(s3.dir, 'data', BUCKET, `${key}._S3rver_object`);
  await mkdir(dirname(object), { recursive: true });
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const out = createWriteStream(object);
  for (let offset = 0; offset < SIZE; offset += MIB) {
    const piece = bytesOf(MIB, offset / MIB + 1);
    sha.update(piece);
    md5.update(piece);
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await writeFile(`${object}.md5`, md5.digest('hex'));
  await writeFile(join(s3.dir, 'data', BUCKET, `${key}._S3rver_metadata.json`), '{}');
  return `sha2:${sha.digest('base64')}`;
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status);
  return Number(kib?.[1] ?? 0) * 1024;
}

describe('a large S3 object', () => {
  let s3: TestS3;
  const fx = useSyncFixture(async () => {
    s3 = await startS3();
    return {};
  });

  after(async () => {
    await s3?.stop();
  });

  it('streams 300 MiB with its checksum verified, the daemon growing by less than 150 MiB', async (t) => {
    await s3.createBucket(BUCKET);
    const checksum = await writeLargeObject(s3, 'big/object.bin');
    const daemon = await fx.daemon({
      workers: 1,
      jobs: [
        {
          source: `s3://${BUCKET}/big`,
          target: TARGET,
          operation: 'put_sync',
          checksum: 'verify',
          s3: {
            endpoint: s3.endpoint,
            path_style: true,
            credentials_file: await s3.credentialsFile('large-secret'),
          },
        },
      ],
    });
    await daemon.waitFor((event) => /pass 1 started/.test(event.message));
    const pid = daemon.pid!;
    const baseline = await rssBytes(pid);
    let peak = baseline;
    let done = false;
    const sampling = (async () => {
      while (!done) {
        peak = Math.max(peak, await rssBytes(pid).catch(() => 0));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const summary = await daemon.passDone(1, undefined, 600_000);
    done = true;
    await sampling;
    assert.equal(Number(summary.failed), 0);
    assert.equal(Number(summary.new), 1);
    const stat = await fx.client.dataObjects.stat(`${TARGET}/object.bin`);
    assert.equal(stat?.size, SIZE);
    assert.equal(stat?.checksum, checksum);
    const growth = (peak - baseline) / MIB;
    t.diagnostic(
      `daemon RSS ${(baseline / MIB).toFixed(0)} MiB before, grew by ${growth.toFixed(1)} MiB`,
    );
    assert.ok(growth < 150, `RSS grew by ${growth.toFixed(1)} MiB`);
  });
});
