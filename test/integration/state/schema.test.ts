import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import {
  ensureSchema,
  FileStateStore,
  JobRegistry,
  SCHEMA_VERSION,
  SchemaError,
} from '../../../src/state/index.js';
import { dirId } from '../../../src/state/keys.js';
import { packState } from '../../../src/state/pack.js';
import { schemaKey, type Migration } from '../../../src/state/schema.js';
import { startEmulator } from '../../helpers/emulator.js';
import { startIngestd } from '../../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { bytes, connect } from './setup.js';

let server: TestRedis;
const clients: Redis[] = [];
before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const client of clients) client.disconnect();
  await server.stop();
});
function open(): { redis: Redis; prefix: string } {
  const client = connect(server);
  clients.push(client.redis);
  return client;
}

describe('the Redis layout version', () => {
  it('is written as the current one under an empty prefix', async () => {
    const { redis, prefix } = open();
    assert.equal(await ensureSchema(redis, prefix), SCHEMA_VERSION);
    assert.equal(await redis.get(schemaKey(prefix)), String(SCHEMA_VERSION));
  });

  it('takes state written before versions existed for version 1, and keeps it readable', async () => {
    const { redis, prefix } = open();
    const states = new FileStateStore(redis, prefix, 'job');
    const state = { type: 'file' as const, size: 3, mtimeNs: 5n, ino: 7n, ctimeNs: 9n };
    await states.record([{ relPath: bytes('a.txt'), state }]);
    assert.equal(await ensureSchema(redis, prefix), 1);
    assert.equal(await redis.get(schemaKey(prefix)), String(SCHEMA_VERSION));
    assert.deepEqual(await states.getMany([bytes('a.txt')]), [state]);
  });

  it('registers the jobs of version 2 state, so that status can list leftovers', async () => {
    const { redis, prefix } = open();
    await redis.set(schemaKey(prefix), '2');
    await redis.hset(`${prefix}:old-camera:pass`, 'pass', '4');
    await redis.hset(`${prefix}:moved:source`, 'source', '/data', 'target', '/tempZone/t');
    await redis.hset(`${prefix}:moved:pass`, 'pass', '1');
    await redis.set(`${prefix}:~schema-like`, 'not a job');
    assert.equal(await ensureSchema(redis, prefix), 2);
    assert.equal(await redis.get(schemaKey(prefix)), String(SCHEMA_VERSION));
    assert.deepEqual(await new JobRegistry(redis, prefix).names(), ['moved', 'old-camera']);
  });

  it('refuses state of a newer layout, naming both versions, and changes nothing', async () => {
    const { redis, prefix } = open();
    await redis.set(schemaKey(prefix), String(SCHEMA_VERSION + 1));
    await assert.rejects(ensureSchema(redis, prefix), (error: unknown) => {
      assert.ok(error instanceof SchemaError);
      assert.equal(error.code, 'STATE_SCHEMA');
      assert.match(
        error.message,
        new RegExp(`version ${SCHEMA_VERSION + 1}, newer than the ${SCHEMA_VERSION}`),
      );
      return true;
    });
    assert.equal(await redis.get(schemaKey(prefix)), String(SCHEMA_VERSION + 1));
  });

  it('refuses an unreadable version instead of guessing', async () => {
    const { redis, prefix } = open();
    await redis.set(schemaKey(prefix), 'two');
    await assert.rejects(ensureSchema(redis, prefix), /unreadable layout version/);
  });

  it('runs the migrations from the version found, in order, and records each step', async () => {
    const { redis, prefix } = open();
    await redis.set(schemaKey(prefix), '1');
    const ran: string[] = [];
    const migration = (to: number): Migration => ({
      to,
      what: `to ${to}`,
      run: async (client) => {
        ran.push(`${to}:${await client.get(schemaKey(prefix))}`);
      },
    });
    assert.equal(await ensureSchema(redis, prefix, [migration(3), migration(2)], 3), 1);
    assert.deepEqual(ran, ['2:1', '3:2']);
    assert.equal(await redis.get(schemaKey(prefix)), '3');
  });

  it('brings version 1 state to version 2, where provisional file states live beside it', async () => {
    const { redis, prefix } = open();
    const states = new FileStateStore(redis, prefix, 'job');
    const file = { type: 'file' as const, size: 3, mtimeNs: 5n, ino: 7n, ctimeNs: 9n };
    const dir = { type: 'dir' as const, size: 0, mtimeNs: 11n, ino: 13n };
    // The version 1 layout: confirmed files and directories only.
    await states.record([
      { relPath: bytes('d'), state: dir },
      { relPath: bytes('d/a.txt'), state: file },
    ]);
    await redis.set(schemaKey(prefix), '1');
    assert.equal(await ensureSchema(redis, prefix), 1);
    assert.equal(await redis.get(schemaKey(prefix)), String(SCHEMA_VERSION));
    assert.deepEqual(await states.getMany([bytes('d'), bytes('d/a.txt')]), [dir, file]);
    const provisional = { ...file, size: 4, provisional: true as const };
    await states.record([{ relPath: bytes('d/b.bin'), state: provisional }]);
    const children = await states.recordedChildren(bytes('d'));
    assert.deepEqual(children.get('a.txt'), file);
    assert.deepEqual(children.get('b.bin'), provisional);
    assert.equal(await states.trackedCount(), 3);
  });

  it('reads version 3 directories, doubled at once, and grows them a shard at a time', async () => {
    const { redis, prefix } = open();
    const states = new FileStateStore(redis, prefix, 'job');
    const file = (size: number) => ({ type: 'file' as const, size, mtimeNs: 5n, ino: 7n });
    // The version 3 layout of a directory of 300 entries doubled to 4 shards: each entry in
    // the shard the first 32 bits of the SHA-1 of its name give, mod 4.
    const id = dirId(bytes('big'));
    for (let i = 0; i < 300; i++) {
      const name = `f${i}`;
      const shard = parseInt(createHash('sha1').update(name).digest('hex').slice(0, 8), 16) % 4;
      await redis.hset(`${prefix}:job:d:${id}:${shard}`, name, packState(file(i)));
    }
    await redis.hset(`${prefix}:job:shards`, id, '4');
    await redis.set(`${prefix}:job:tracked`, '300');
    await redis.set(schemaKey(prefix), '3');
    assert.equal(await ensureSchema(redis, prefix), 3);
    assert.equal(await redis.get(schemaKey(prefix)), String(SCHEMA_VERSION));
    const old = Array.from({ length: 300 }, (_, i) => bytes(`big/f${i}`));
    assert.deepEqual(
      (await states.getMany(old)).map((state) => state?.size),
      old.map((_, i) => i),
    );
    await states.record(
      Array.from({ length: 300 }, (_, i) => ({ relPath: bytes(`big/g${i}`), state: file(i) })),
    );
    const shape = await states.directoryShape(bytes('big'));
    assert.ok(shape.shards > 4, `shards: ${shape.shards}`);
    assert.equal(shape.compact, true);
    const children = await states.recordedChildren(bytes('big'));
    assert.equal(children.size, 600);
    assert.deepEqual(children.get('f299'), file(299));
    assert.deepEqual(children.get('g299'), file(299));
  });

  it('refuses a layout it has no migration from', async () => {
    const { redis, prefix } = open();
    await redis.set(schemaKey(prefix), '1');
    await assert.rejects(ensureSchema(redis, prefix, [], 2), /no migration from it/);
    assert.equal(await redis.get(schemaKey(prefix)), '1');
  });
});

describe('a daemon on state of a newer layout', () => {
  it('refuses to start, exits 1 and says why, leaving the state alone', async () => {
    const { redis, prefix } = open();
    await redis.set(schemaKey(prefix), '99');
    const emulator = await startEmulator();
    const daemon = await startIngestd({
      emulator,
      jobs: [],
      redisUrl: server.url,
      keyPrefix: prefix,
    });
    try {
      await daemon.waitFor((event) => /layout version 99, newer than the/.test(event.message));
      assert.equal(await daemon.exit(), 1);
      assert.equal(await redis.get(schemaKey(prefix)), '99');
    } finally {
      await daemon.cleanUp();
      await emulator.stop();
    }
  });
});
