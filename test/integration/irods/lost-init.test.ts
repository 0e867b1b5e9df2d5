/**
 * A `parallel_write_init` whose answer was lost opened a handle the client never learns, and the
 * API offers no way to find it: the object stays open for write, and every later open of it is
 * refused. The client sets free the replica such a handle holds (irods/parallel-handles.ts)
 * before it sends the init again, and on request for an upload that gave up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IrodsError } from '../../../src/irods/index.js';
import {
  connect,
  createUser,
  localFile,
  patterned,
  sha2,
  testCollection,
  useClientFixture,
} from './setup.js';

describe('IrodsClient after a lost parallel-write init answer', () => {
  const fx = useClientFixture();

  /** Requests the emulator served for `op` (data objects) since `since`. */
  async function served(op: string, since: Record<string, number> = {}): Promise<number> {
    const key = `data-objects:${op}`;
    return ((await fx.emulator.requestsByOp())[key] ?? 0) - (since[key] ?? 0);
  }

  it('sets free what each unanswered init holds before the next, and what the last held after', async () => {
    const root = testCollection('lost-init');
    await fx.client.collections.ensure(root);
    const lpath = `${root}/object.bin`;
    const content = patterned(100_000);
    const file = await localFile(fx.dir, 'lost-init', content);
    const quick = await connect(fx.emulator, { maxAttempts: 3 });
    const before = await fx.emulator.requestsByOp();
    try {
      await fx.emulator.setFaults({ lostAnswerRate: 1, ops: ['parallel_write_init'] });
      // Each init is carried out and not answered; the ones after the first are not refused.
      await assert.rejects(
        quick.upload(file, lpath, { chunkBytes: 32 * 1024, streams: 2 }),
        (error: unknown) =>
          error instanceof IrodsError && error.code === 'IRODS_TRANSPORT' && error.retryable,
      );
    } finally {
      await fx.emulator.clearFaults();
    }
    assert.equal(await served('parallel_write_init', before), 3);
    assert.equal(await served('modify_replica', before), 2, 'two replicas set free');
    // The last init still holds the object: an upload is refused until it is set free.
    await assert.rejects(quick.upload(file, lpath, { chunkBytes: 32 * 1024 }), IrodsError);
    await quick.releaseUnknownHandle(lpath);
    const result = await quick.upload(file, lpath, { chunkBytes: 32 * 1024, streams: 2 });
    assert.equal(result.mode, 'parallel');
    assert.deepEqual(await fx.client.dataObjects.read(lpath), content);
    await fx.client.dataObjects.verifyChecksum(lpath, sha2(content));
    // Only the upload that went through wrote the object.
    assert.deepEqual(
      (await fx.emulator.writes())[lpath]!.map(({ kind, size }) => ({ kind, size })),
      [{ kind: 'write', size: content.length }],
    );
    await quick.close();
  });

  it('sets nothing free where no init holds the object', async () => {
    const root = testCollection('lost-init-none');
    await fx.client.collections.ensure(root);
    const lpath = `${root}/object.bin`;
    await fx.client.upload(await localFile(fx.dir, 'closed', 'closed'), lpath);
    const before = await fx.emulator.requestsByOp();
    await fx.client.releaseUnknownHandle(lpath);
    await fx.client.releaseUnknownHandle(`${root}/missing.bin`);
    assert.equal(await served('modify_replica', before), 0);
    assert.equal((await fx.client.dataObjects.stat(lpath))?.size, 6);
  });

  it('tells a rodsuser that only a rodsadmin can set the object free', async () => {
    const name = `lost-init-${Date.now()}`;
    await createUser(fx.emulator.url, name);
    const user = await connect(fx.emulator, { username: name, password: 'plain-password' });
    const lpath = `/tempZone/home/${name}/object.bin`;
    const file = await localFile(fx.dir, 'plain-lost', patterned(100_000));
    try {
      await fx.emulator.setFaults({ lostAnswerRate: 1, ops: ['parallel_write_init'] });
      await assert.rejects(
        user.upload(file, lpath, { chunkBytes: 32 * 1024 }),
        (error: unknown) => {
          assert.ok(error instanceof IrodsError);
          assert.equal(error.irodsName, 'CAT_INSUFFICIENT_PRIVILEGE_LEVEL');
          assert.equal(error.retryable, true);
          assert.match(error.message, /parallel-write handle whose answer was lost/);
          assert.match(error.message, /only a rodsadmin/);
          return true;
        },
      );
    } finally {
      await fx.emulator.clearFaults();
      await user.close();
    }
  });
});
