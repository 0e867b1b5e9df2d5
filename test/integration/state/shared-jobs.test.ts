import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { daemonKey } from '../../../src/state/keys.js';
import { DaemonRegistry } from '../../../src/state/daemon-registry.js';
import { JobDefinitions } from '../../../src/state/job-definitions.js';
import { eventually } from '../../helpers/eventually.js';
import { useRedis } from './setup.js';

const definition = (owner: string, extra = '') =>
  JSON.stringify({ format: 1, origin: 'config', owner, job: { name: 'x', extra } });

describe('shared job definitions in Redis', () => {
  const db = useRedis();

  it('are withdrawn only by the daemon that wrote them', async () => {
    const definitions = new JobDefinitions(db.redis, db.prefix);
    await definitions.put('a', definition('daemon-1'));
    assert.equal(await definitions.withdraw('a', 'daemon-2'), false);
    assert.deepEqual([...(await definitions.all()).keys()], ['a']);
    assert.equal(await definitions.withdraw('a', 'daemon-1'), true);
    assert.deepEqual(await definitions.all(), new Map());
  });

  it('are put back when missing, never over what another daemon wrote', async () => {
    const definitions = new JobDefinitions(db.redis, `${db.prefix}:restore`);
    await definitions.put('b', definition('daemon-2', 'theirs'));
    const own = new Map([
      ['b', definition('daemon-1', 'mine')],
      ['c', definition('daemon-1', 'mine')],
    ]);
    assert.equal(await definitions.restore(own), 1);
    assert.deepEqual(
      await definitions.all(),
      new Map([
        ['b', definition('daemon-2', 'theirs')],
        ['c', definition('daemon-1', 'mine')],
      ]),
    );
  });

  it('announce every change to those watching', async () => {
    const definitions = new JobDefinitions(db.redis, `${db.prefix}:watch`);
    let heard = 0;
    const errors: Error[] = [];
    const watch = await definitions.watch(
      () => (heard += 1),
      (error) => errors.push(error),
    );
    try {
      // The subscription's own start counts as one (a watcher reads everything then).
      await eventually('the first call', () => heard >= 1);
      const before = heard;
      await definitions.put('d', definition('daemon-1'));
      await eventually('the put announced', () => heard > before);
      const afterPut = heard;
      await definitions.withdraw('d', 'daemon-1');
      await eventually('the withdrawal announced', () => heard > afterPut);
      const afterWithdraw = heard;
      await definitions.drop('e');
      await eventually('the drop announced', () => heard > afterWithdraw);
      assert.deepEqual(errors, []);
    } finally {
      await watch.close();
    }
  });

  // Redis 7 gives new ACL users no channel rights: the watch fails, and its connection must not
  // stay behind (the follower then re-reads the definitions on its timer).
  it('refuse to watch for a user without channel rights, and leave no connection', async () => {
    const user = `nochannels-${randomUUID().slice(0, 8)}`;
    await db.redis.call('ACL', 'SETUSER', user, 'on', '>secret', '~*', '+@all', 'resetchannels');
    const limited = new Redis({ path: db.redis.options.path!, username: user, password: 'secret' });
    try {
      const definitions = new JobDefinitions(limited, `${db.prefix}:acl`);
      await assert.rejects(
        definitions.watch(
          () => undefined,
          () => undefined,
        ),
        /NOPERM/,
      );
      const connections = async () =>
        String(await db.redis.call('CLIENT', 'LIST'))
          .split('\n')
          .filter((line) => line.includes(`user=${user}`)).length;
      await eventually('the subscriber gone', async () =>
        (await connections()) === 1 ? true : undefined,
      );
    } finally {
      limited.disconnect();
    }
  });
});

describe('the daemon registry', () => {
  const db = useRedis();

  it('lists the daemons that beat, drops one whose heartbeat lapsed and one removed', async () => {
    const registry = new DaemonRegistry<{ host: string }>(db.redis, db.prefix);
    await registry.beat('h1:1:a', { host: 'h1' });
    await registry.beat('h2:2:b', { host: 'h2' });
    await registry.beat('h3:3:c', { host: 'h3' });
    assert.deepEqual(
      (await registry.list()).map(({ id, info }) => [id, info.host]),
      [
        ['h1:1:a', 'h1'],
        ['h2:2:b', 'h2'],
        ['h3:3:c', 'h3'],
      ],
    );
    // h2 stops beating: its key expires as it would after the timeout.
    await db.redis.pexpire(daemonKey(db.prefix, 'h2:2:b'), 1);
    await registry.remove('h3:3:c');
    await eventually('h2 dropped out', async () => (await registry.list()).length === 1);
    const [left] = await registry.list();
    assert.equal(left!.id, 'h1:1:a');
    assert.equal(typeof left!.lastSeen, 'number');
    assert.deepEqual(await db.redis.smembers(`${db.prefix}:~daemons`), ['h1:1:a']);
  });
});
