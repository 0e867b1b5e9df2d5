import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IrodsError } from '../../../src/irods/index.js';
import { connect, createUser, localFile, sha2, testCollection, useClientFixture } from './setup.js';

describe('IrodsClient replica updates', () => {
  const fx = useClientFixture();

  it('sets size, checksum and mtime of a registered replica in place', async () => {
    const root = testCollection('modify');
    await fx.client.collections.ensure(root);
    const file = await localFile(fx.dir, 'registered', 'first');
    const lpath = `${root}/registered`;
    await fx.client.dataObjects.register(lpath, { physicalPath: file, resource: 'demoResc' });
    await localFile(fx.dir, 'registered', 'second version');
    const [replica] = await fx.client.dataObjects.replicas(lpath);
    assert.deepEqual(replica, { number: 0, physicalPath: file });
    await fx.client.dataObjects.modifyReplica(
      lpath,
      { replicaNumber: 0 },
      { size: 14, checksum: sha2('second version'), modifiedAt: 1_600_000_000 },
    );
    const stat = await fx.client.dataObjects.stat(lpath);
    assert.equal(stat?.size, 14);
    assert.equal(stat?.checksum, sha2('second version'));
    assert.equal(stat?.modifiedAt, 1_600_000_000);
    assert.equal((await fx.client.dataObjects.read(lpath)).toString(), 'second version');
  });

  it('selects a replica by resource hierarchy and clears its checksum', async () => {
    const root = testCollection('modify-hier');
    await fx.client.collections.ensure(root);
    const lpath = `${root}/object`;
    await fx.client.upload(await localFile(fx.dir, 'object', 'content'), lpath);
    await fx.client.dataObjects.calculateChecksum(lpath);
    await fx.client.dataObjects.modifyReplica(
      lpath,
      { resourceHierarchy: 'demoResc' },
      { checksum: '' },
    );
    assert.equal((await fx.client.dataObjects.stat(lpath))?.checksum, '');
  });

  it('is not sent again when its answer was lost, and is when it never arrived', async () => {
    const root = testCollection('modify-lost');
    await fx.client.collections.ensure(root);
    const lpath = `${root}/object`;
    await fx.client.upload(await localFile(fx.dir, 'lost', 'content'), lpath);
    const modifies = async () =>
      (await fx.emulator.writes())[lpath]!.filter((entry) => entry.kind === 'modify').length;
    const update = (size: number) =>
      fx.client.dataObjects.modifyReplica(
        lpath,
        { resourceHierarchy: 'demoResc' },
        { size, modifiedAt: 1_600_000_000 },
      );
    try {
      // Carried out, its answer lost: the replica shows the update, so it counts as done.
      await fx.emulator.setFaults({ lostAnswerRate: 1, ops: ['modify_replica'] });
      await update(3);
      assert.equal(await modifies(), 1);
      // Dropped before the server acted: each look finds the replica without it, so it is sent
      // again until the client gives up.
      await fx.emulator.setFaults({ dropRate: 1, ops: ['modify_replica'] });
      const sent = (await fx.emulator.requestsByOp())['data-objects:modify_replica'] ?? 0;
      await assert.rejects(update(5), (error: unknown) => error instanceof IrodsError);
      const after = (await fx.emulator.requestsByOp())['data-objects:modify_replica'] ?? 0;
      assert.ok(after - sent > 1, `sent ${after - sent} times`);
    } finally {
      await fx.emulator.clearFaults();
    }
    assert.equal(await modifies(), 1);
    const stat = await fx.client.dataObjects.stat(lpath);
    assert.equal(stat?.size, 3);
    assert.equal(stat?.modifiedAt, 1_600_000_000);
  });

  it('refuses a call without changes before sending anything', async () => {
    const before = fx.client.counters.requests;
    await assert.rejects(
      fx.client.dataObjects.modifyReplica(`${testCollection('none')}/x`, { replicaNumber: 0 }, {}),
      (error: unknown) => error instanceof IrodsError && error.code === 'IRODS_UNSUPPORTED',
    );
    assert.equal(fx.client.counters.requests, before);
  });

  it('reports a rodsuser as lacking the privilege, permanently', async () => {
    const name = `plain-${Date.now()}`;
    const admin = fx.client;
    await createUser(fx.emulator.url, name);
    const user = await connect(fx.emulator, { username: name, password: 'plain-password' });
    try {
      const lpath = `/tempZone/home/${name}/object`;
      await user.upload(await localFile(fx.dir, 'plain', 'x'), lpath);
      await assert.rejects(
        user.dataObjects.modifyReplica(lpath, { replicaNumber: 0 }, { size: 0 }),
        (error: unknown) =>
          error instanceof IrodsError &&
          error.irodsName === 'CAT_INSUFFICIENT_PRIVILEGE_LEVEL' &&
          !error.retryable,
      );
      assert.equal((await admin.dataObjects.stat(lpath))?.size, 1);
    } finally {
      await user.close();
    }
  });
});
