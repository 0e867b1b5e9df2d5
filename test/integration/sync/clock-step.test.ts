/**
 * The wall clock set back while the daemon runs (an NTP step, a VM resumed, an operator fixing
 * the time): watched changes still reach iRODS after their settle time, measured on a clock that
 * does not move back. libfaketime (Debian's faketime) moves the daemon's wall clock an hour back
 * partway through, as the kernel's clock would move.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../helpers/eventually.js';
import type { LogEvent } from '../../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { objectFacts, useSyncFixture, writeTree } from './fixture.js';

/** Debian's libfaketime, under the machine's multiarch directory (package faketime). */
function libfaketime(): string {
  const found = readdirSync('/usr/lib')
    .map((dir) => `/usr/lib/${dir}/faketime/libfaketime.so.1`)
    .find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error('libfaketime is missing: ./scripts/setup installs the faketime package');
  }
  return found;
}

const watching = (e: LogEvent) =>
  typeof e.message === 'string' && e.message.includes(': watching ');

describe('the wall clock set back an hour', () => {
  const fx = useSyncFixture();
  // Redis runs outside the faked clock: redis-server does not start under libfaketime.
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  it('holds back no watched change', async () => {
    const source = await fx.tempDir('clock-step-');
    const offsetFile = join(await fx.tempDir('clock-step-time-'), 'offset');
    await writeFile(offsetFile, '+0\n');
    await writeTree(source, { 'before.txt': 'before' });
    const target = '/tempZone/home/rods/clock-step';
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'step',
          source,
          target,
          operation: 'put_sync',
          watch: true,
          settle: '3s',
          rescan_interval: '1h',
        },
      ],
      redisUrl: redis.url,
      env: {
        LD_PRELOAD: libfaketime(),
        FAKETIME_TIMESTAMP_FILE: offsetFile,
        FAKETIME_NO_CACHE: '1',
        // The clock the kernel keeps monotonic stays so.
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      },
    });
    await daemon.passDone(1, 'step');
    await daemon.waitFor(watching);
    await daemon.passDone(2, 'step');

    // A change the watcher saw before the step, settling across it, and one after it.
    await writeFile(join(source, 'seen-before.txt'), 'one');
    await sleep(1000);
    const steppedAt = Date.now();
    await writeFile(offsetFile, '-1h\n');
    await writeFile(join(source, 'seen-after.txt'), 'two');
    const bytesOf = async (name: string) =>
      (await objectFacts(fx.client, `${target}/${name}`))?.bytes?.toString();
    assert.equal(await eventually('seen-before.txt', () => bytesOf('seen-before.txt')), 'one');
    assert.equal(await eventually('seen-after.txt', () => bytesOf('seen-after.txt')), 'two');
    // The daemon's clock did go back: it logs the uploads an hour early.
    const late = daemon.logs.filter(
      (e) => Date.parse(e.timestamp as string) < steppedAt - 1_800_000,
    );
    assert.ok(late.length > 0, 'no log line stamped an hour back');
  });
});
