/**
 * A zone whose default hash scheme is MD5 answers checksums as 32 hex digits without a prefix:
 * `checksum = "verify"` and put_append's prefix check hash the local file the same way.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FailureList } from '../../../src/control/wire.js';
import { eventually } from '../../helpers/eventually.js';
import { runCtl } from '../control/run-ctl.js';
import { bytesOf, objectFacts, useSyncFixture, writeTree } from './fixture.js';

const MTIME = 1_700_000_000;
const md5 = (bytes: string | Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('a zone whose default hash scheme is MD5', () => {
  const fx = useSyncFixture(() =>
    Promise.resolve({ config: { irods_server: { default_hash_scheme: 'MD5' } } }),
  );

  it('verify passes for good uploads, with the MD5 checksums the zone computed', async () => {
    const source = await fx.tempDir('md5-verify-');
    const files = { 'a.bin': bytesOf(3000, 1), 'sub/b.txt': 'beta' };
    await writeTree(source, files, MTIME);
    const target = '/tempZone/home/rods/md5-verify';
    const daemon = await fx.daemon({
      jobs: [{ name: 'v', source, target, operation: 'put_sync', checksum: 'verify' }],
    });
    const summary = await daemon.passDone(1, 'v');
    assert.equal(summary.failed, 0);
    for (const [rel, content] of Object.entries(files)) {
      const facts = await objectFacts(fx.client, `${target}/${rel}`);
      assert.equal(facts?.checksum, md5(content), rel);
    }
  });

  it('verify catches an upload whose bytes in iRODS differ from the file', async () => {
    const source = await fx.tempDir('md5-corrupt-');
    const content = bytesOf(2000, 2);
    await writeTree(source, { 'c.bin': content }, MTIME);
    const target = '/tempZone/home/rods/md5-corrupt';
    // The checksum is computed late, after the replica's bytes went bad on the server's disk.
    await fx.emulator.setFaults({ latencyMs: 4_000, ops: ['calculate_checksum'] });
    try {
      const daemon = await fx.daemon({
        jobs: [
          {
            name: 'c',
            source,
            target,
            operation: 'put_sync',
            checksum: 'verify',
            rescan_interval: '0',
          },
        ],
      });
      const replica = await eventually('the uploaded replica', async () => {
        const facts = await fx.client.dataObjects.replicaFacts([`${target}/c.bin`]);
        const [first] = facts.get(`${target}/c.bin`) ?? [];
        return first?.size === content.length ? first : undefined;
      });
      const corrupted = Buffer.from(content);
      corrupted[100] = corrupted[100]! ^ 0xff;
      await writeFile(replica.physicalPath, corrupted);
      const summary = await daemon.passDone(1, 'c');
      assert.equal(summary.failed, 1);
      const listed = await runCtl(['--socket', daemon.socket, '--json', 'failures', 'c']);
      const { failures } = JSON.parse(listed.stdout) as FailureList;
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.path, 'c.bin');
      assert.match(
        failures[0]!.message,
        new RegExp(`iRODS has checksum ${md5(corrupted)}, the local file ${md5(content)}`),
      );
    } finally {
      await fx.emulator.clearFaults();
    }
  });

  it('put_append sends only the new bytes when the object holds the file prefix', async () => {
    const source = await fx.tempDir('md5-append-');
    await writeTree(source, { 'grow.log': bytesOf(1000, 3) }, MTIME);
    const target = '/tempZone/home/rods/md5-append';
    const daemon = await fx.daemon({
      jobs: [{ name: 'a', source, target, operation: 'put_append', watch: false }],
    });
    assert.equal((await daemon.passDone(1, 'a')).new, 1);

    const path = join(source, 'grow.log');
    await appendFile(path, bytesOf(500, 4));
    await utimes(path, MTIME + 60, MTIME + 60);
    const before = (await fx.emulator.stats()).data_bytes_written!;
    assert.equal((await runCtl(['--socket', daemon.socket, 'rescan', 'a'])).code, 0);
    const summary = await daemon.passDone(2, 'a');
    assert.equal(summary.updated, 1);
    assert.equal(summary.bytes, 500);
    assert.equal((await fx.emulator.stats()).data_bytes_written! - before, 500);
    const facts = await objectFacts(fx.client, `${target}/grow.log`);
    assert.deepEqual(facts?.bytes, await readFile(path));
  });
});
