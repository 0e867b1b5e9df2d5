/**
 * Issue 20: a directory renamed inside a watched source is carried over as what it is, one
 * collection rename with the recorded states of everything below it moved along, not as an
 * attempt (and a warning) per child.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Ingestd, LogEvent } from '../../helpers/ingestd.js';
import { countsOf, expected, namesIn, useSyncFixture } from './fixture.js';
import { eventually } from '../../helpers/eventually.js';
import { ctl, ctlJson } from './safety.js';

const ROOT = '/tempZone/home/rods/watch-renames';
const FILES = 5_000;

const watchingJob = (job: string) => (e: LogEvent) =>
  e.job === job && String(e.message).includes(': watching ');

const nameOf = (i: number) => `f${String(i).padStart(4, '0')}.dat`;

/** What was sent between two counts of the emulator's requests by op. */
function requestsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const sent: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) {
    if (n > (before[op] ?? 0)) sent[op] = n - (before[op] ?? 0);
  }
  return sent;
}

/** The summary of the pass that `ctl rescan` asked for (other passes may run meanwhile). */
async function requestedPass(daemon: Ingestd, job: string): Promise<LogEvent> {
  const seen = daemon.logs.length;
  assert.equal((await ctl(daemon, 'rescan', job)).code, 0);
  const started = await daemon.waitFor(
    (e) =>
      daemon.logs.indexOf(e) >= seen &&
      new RegExp(
        `^job ${job} pass \\d+ started: .*rescan: requested through the control socket`,
      ).test(String(e.message)),
  );
  const pass = Number(/ pass (\d+) /.exec(String(started.message))![1]);
  return daemon.passDone(pass, job, 120_000);
}

describe('a directory renamed inside a watched source', () => {
  const fx = useSyncFixture();
  let daemon: Ingestd;
  let source: string;
  const target = `${ROOT}/dir`;

  before(async () => {
    source = await fx.tempDir('watch-rename-');
    await mkdir(join(source, 'run'));
    for (let i = 0; i < FILES; i++) await writeFile(join(source, 'run', nameOf(i)), `${i}\n`);
    daemon = await fx.daemon({
      workers: 4,
      jobs: [
        {
          name: 'ren',
          source,
          target,
          operation: 'put_sync',
          delete: 'no_trash',
          watch: true,
          settle: '1s',
          rescan_interval: '1h',
        },
      ],
    });
    await daemon.waitFor(watchingJob('ren'), 300_000);
    await daemon.passDone(2, 'ren', 300_000);
  });

  /**
   * Waits for the job to settle the rename of `from` to `to` (its old name's removals come
   * settle + 1 s later), then checks that it cost one collection rename and no warning.
   */
  async function settledAsOneRename(
    from: string,
    to: string,
    sentBefore: Record<string, number>,
    warnedBefore: number,
  ): Promise<void> {
    await eventually('the job idle', async () => {
      const status = await ctlJson<{ queued: number }>(daemon, 'job', 'ren');
      return status.queued === 0 &&
        daemon.logs.some((e) => String(e.message).includes(`renamed ${from} to ${to}`))
        ? true
        : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const sent = requestsBetween(sentBefore, await fx.emulator.requestsByOp());
    assert.equal(sent['collections:rename'], 1, JSON.stringify(sent));
    for (const op of ['data-objects:rename', 'data-objects:write', 'data-objects:remove']) {
      assert.equal(sent[op], undefined, `no ${op}: ${JSON.stringify(sent)}`);
    }
    const warned = daemon.logs.filter((e) => e.level === 'warn').slice(warnedBefore);
    assert.deepEqual(
      warned.map((e) => e.message),
      [],
    );
  }

  it('costs one collection rename, nothing per child, no warnings', async () => {
    const sentBefore = await fx.emulator.requestsByOp();
    const warnedBefore = daemon.logs.filter((e) => e.level === 'warn').length;
    await rename(join(source, 'run'), join(source, 'renamed'));

    await eventually('the collection under its new name', async () =>
      (await namesIn(fx.client, target)).join() === 'renamed' ? true : undefined,
    );
    await settledAsOneRename('run', 'renamed', sentBefore, warnedBefore);
    assert.equal((await namesIn(fx.client, `${target}/renamed`)).length, FILES);
    for (const i of [0, 2500, FILES - 1]) {
      const bytes = await fx.client.dataObjects.read(`${target}/renamed/${nameOf(i)}`);
      assert.ok(bytes.equals(await readFile(join(source, 'renamed', nameOf(i)))), nameOf(i));
    }
    // The children's states moved with them: a pass finds everything in sync.
    assert.deepEqual(countsOf(await requestedPass(daemon, 'ren')), expected({ seen: FILES + 1 }));
  });

  // A rescan set off by a stall, say, lists the tree while the watcher settles the rename: it
  // must neither sync the new name (which made the collection rename fail, and then one rename
  // per child) nor weigh the old one as a delete (held by max_delete, with a warning).
  it('costs the same while a pass lists the tree', async () => {
    const sentBefore = await fx.emulator.requestsByOp();
    const warnedBefore = daemon.logs.filter((e) => e.level === 'warn').length;
    await rename(join(source, 'renamed'), join(source, 'again'));
    const pass = requestedPass(daemon, 'ren');
    await eventually('the collection under its new name', async () =>
      (await namesIn(fx.client, target)).join() === 'again' ? true : undefined,
    );
    await pass;
    await settledAsOneRename('renamed', 'again', sentBefore, warnedBefore);
    assert.equal((await namesIn(fx.client, `${target}/again`)).length, FILES);
    assert.deepEqual(countsOf(await requestedPass(daemon, 'ren')), expected({ seen: FILES + 1 }));
  });
});
