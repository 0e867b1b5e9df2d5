/**
 * Issue 20: when the kernel's inotify queue overflows, the events it drops are lost without a
 * word (libuv ignores the overflow notice). A stall of the daemon during a burst is what makes it
 * overflow: the test stops the daemon (SIGSTOP) for 2 s while a child process writes more files
 * than the running kernel's queue (`fs.inotify.max_queued_events`, which a test cannot change)
 * holds events for: each file costs two events (create, write), so 0.75 files per queued event
 * is half again as many events as fit. The daemon must notice and rescan at once, not an hour
 * later on its interval.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ingestd, LogEvent } from '../../helpers/ingestd.js';
import { useSyncFixture } from './fixture.js';
import { eventually } from '../../helpers/eventually.js';

const ROOT = '/tempZone/home/rods/watch-overflow';
const STOPPED_MS = 2_000;
/** Files at most: a host with a much larger queue gets this burst, and the stall alone. */
const MOST_FILES = 60_000;

const watchingJob = (job: string) => (e: LogEvent) =>
  e.job === job && String(e.message).includes(': watching ');

/** Writes `count` one-byte files into `dir` from another process, as fast as it can. */
async function burst(dir: string, count: number): Promise<void> {
  const script = `const fs = require('node:fs');
for (let i = 0; i < ${count}; i++) fs.writeFileSync(${JSON.stringify(dir)} + '/f' + i, 'x');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, 'the burst was written');
}

describe('a stall of the daemon during a burst larger than the kernel queue', () => {
  const fx = useSyncFixture();
  let daemon: Ingestd;
  let source: string;
  let files: number;
  const target = `${ROOT}/burst`;

  before(async () => {
    const queued = Number(await readFile('/proc/sys/fs/inotify/max_queued_events', 'utf8'));
    files = Math.min(Math.ceil(queued * 0.75), MOST_FILES);
    source = await fx.tempDir('watch-overflow-');
    await mkdir(join(source, 'incoming'));
    daemon = await fx.daemon({
      workers: 4,
      jobs: [
        {
          name: 'burst',
          source,
          target,
          // Registering is one request per file: the test is about what reaches the job.
          operation: 'register',
          watch: true,
          settle: '500ms',
          rescan_interval: '1h',
        },
      ],
    });
    await daemon.waitFor(watchingJob('burst'));
    await daemon.passDone(2, 'burst');
  });

  it('ends with every file in iRODS, without waiting for the interval', async () => {
    const pid = daemon.pid!;
    const stoppedAt = performance.now();
    process.kill(pid, 'SIGSTOP');
    try {
      await burst(join(source, 'incoming'), files);
      await sleep(Math.max(0, STOPPED_MS - (performance.now() - stoppedAt)));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await eventually(
      `all ${files} files registered`,
      async () => {
        const names = await fx.client.collections.list(`${target}/incoming`).catch(() => []);
        return names.length === files ? true : undefined;
      },
      { timeoutMs: 300_000 },
    );
    const rescans = daemon.logs.filter(
      (e) => e.job === 'burst' && /rescan requested: the event loop stalled/.test(e.message),
    );
    assert.ok(rescans.length >= 1, 'the stall asked for a rescan, saying why');
  });
});
