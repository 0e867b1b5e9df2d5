/**
 * The content check of a file whose ctime alone moved (src/worker/content-check.ts), per
 * operation: what it reads, what it asks iRODS, what it records, and when it syncs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, open, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobConfig } from '../../../src/config/index.js';
import { syncFile } from '../../../src/worker/actions.js';
import { useClientFixture } from '../irods/setup.js';
import { job, Records, sha2, sourceDir, taskFor } from './fixture.js';

const MTIME = 1_600_000_000;

describe('content check of a ctime-only change', () => {
  const fx = useClientFixture();

  /** A synced file, then `change`; returns the outcome of the next sync and the records. */
  async function afterChange(
    overrides: Partial<JobConfig>,
    change: (path: string, logicalPath: string) => Promise<void>,
  ) {
    const source = await sourceDir(fx);
    const spec = job(source, overrides);
    const path = join(source, 'file.dat');
    await writeFile(path, 'first content');
    await utimes(path, MTIME, MTIME);
    const records = new Records();
    await syncFile(records.deps(fx, spec), await taskFor(spec, 'file.dat'), undefined);
    const synced = records.states.get('file.dat');
    await change(path, `${spec.target}/file.dat`);
    const task = await taskFor(spec, 'file.dat');
    const outcome = await syncFile(records.deps(fx, spec), task, synced);
    return { spec, task, outcome, synced, recorded: records.states.get('file.dat') };
  }

  const chmodOnly = (path: string) => chmod(path, 0o600);
  /** Other bytes of the same length, then the mtime put back. */
  async function rewriteKeepingTimes(path: string): Promise<void> {
    const handle = await open(path, 'r+');
    await handle.write(Buffer.from('OTHER'), 0, 5, 0);
    await handle.close();
    await utimes(path, MTIME, MTIME);
  }

  it('records the new ctime of unchanged content, with the checksum iRODS computed', async () => {
    const { spec, task, outcome, recorded } = await afterChange({}, chmodOnly);
    assert.equal(outcome.action.kind, 'check-content');
    assert.equal(outcome.bytesSent, 0);
    assert.equal(recorded?.ctimeNs, task.entry.ctimeNs);
    const stat = await fx.client.dataObjects.stat(`${spec.target}/file.dat`);
    assert.equal(stat?.checksum, sha2('first content'), 'computed once, kept in the catalog');
  });

  it('uploads other content of the same size and mtime (put_sync)', async () => {
    const { spec, outcome, recorded, task } = await afterChange({}, rewriteKeepingTimes);
    assert.equal(outcome.action.kind, 'upload');
    assert.equal(outcome.bytesSent, 'first content'.length);
    assert.equal(recorded?.ctimeNs, task.entry.ctimeNs);
    const bytes = await fx.client.dataObjects.read(`${spec.target}/file.dat`);
    assert.equal(bytes.toString(), 'OTHER content');
  });

  it('asks for no checksum for a registration without one: its replica is the file', async () => {
    const { spec, outcome, recorded, task } = await afterChange(
      { operation: 'register' },
      rewriteKeepingTimes,
    );
    assert.equal(outcome.action.kind, 'check-content');
    assert.equal(recorded?.ctimeNs, task.entry.ctimeNs);
    const stat = await fx.client.dataObjects.stat(`${spec.target}/file.dat`);
    assert.equal(stat?.checksum, '', 'no checksum was asked for');
  });

  it('registers size and checksum again when the catalog holds a stale checksum', async () => {
    const { spec, outcome } = await afterChange(
      { operation: 'register', checksum: 'register' },
      rewriteKeepingTimes,
    );
    assert.equal(outcome.action.kind, 'update-registration');
    const stat = await fx.client.dataObjects.stat(`${spec.target}/file.dat`);
    assert.equal(stat?.checksum, sha2('OTHER content'));
    assert.equal(stat?.modifiedAt, MTIME);
  });

  it('takes a ctime-only change for a chmod with ctime_changes = "ignore"', async () => {
    const { outcome, recorded, synced } = await afterChange(
      { ctime_changes: 'ignore' },
      rewriteKeepingTimes,
    );
    assert.deepEqual(outcome.action, { kind: 'skip', why: 'metadata-only' });
    assert.deepEqual(recorded, synced, 'nothing recorded');
  });

  /** Sets the catalog checksum of the object, as a zone under another hash scheme would. */
  const catalogChecksum = (checksum: string) => async (path: string, logicalPath: string) => {
    await fx.client.dataObjects.modifyReplica(logicalPath, { replicaNumber: 0 }, { checksum });
    await chmod(path, 0o600);
  };
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');

  it('hashes the file as the zone did: an MD5 checksum is compared with a local MD5', async () => {
    const same = await afterChange({}, catalogChecksum(md5('first content')));
    assert.equal(same.outcome.action.kind, 'check-content');
    const other = await afterChange({}, catalogChecksum(md5('other content')));
    assert.equal(other.outcome.action.kind, 'upload');
  });

  it('syncs when the checksum is in a scheme it cannot reproduce', async () => {
    const { outcome } = await afterChange({}, catalogChecksum('sha512:AAAA'));
    assert.equal(outcome.action.kind, 'upload');
  });
});
