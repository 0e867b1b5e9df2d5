/**
 * Changes that are not plain content rewrites: an mtime-only change (data moves again under
 * put_sync, the object's mtime follows), a chmod (no data moves), and a file that keeps growing
 * while it is uploaded (never recorded with stale content; the retry lands the final bytes).
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { chmod, readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Ingestd } from '../../helpers/ingestd.js';
import {
  bytesOf,
  countsOf,
  expected,
  later,
  objectFacts,
  sha2,
  useSyncFixture,
  writeTree,
  type ObjectFacts,
} from './fixture.js';

const ROOT = '/tempZone/home/rods/changes';
const T1 = 1_600_000_000;
const T2 = 1_600_000_900;
/** Long enough that every upload of the growing file overlaps some of its appends. */
const WRITE_LATENCY_MS = 300;
const GROW_FOR_MS = 3_000;
const GROW_AT_MOST_MS = 30_000;
const GROW_EVERY_MS = 50;

describe('sync of mtime-only, chmod-only and in-flight changes', () => {
  const fx = useSyncFixture();
  let daemon: Ingestd;
  const sources = new Map<string, string>();
  let growth: Promise<void>;
  const passes = new Map<string, Promise<{ after1?: ObjectFacts; after2?: ObjectFacts }>>();

  /** Pass 1, then `change`, then pass 2, with the object's facts after each. */
  async function twoPasses(name: string, rel: string, change: (path: string) => Promise<void>) {
    const path = `${ROOT}/${name}/${rel}`;
    await daemon.passDone(1, name);
    const after1 = await objectFacts(fx.client, path);
    await change(join(sources.get(name)!, rel));
    await daemon.passDone(2, name);
    return { after1, after2: await objectFacts(fx.client, path) };
  }

  before(async () => {
    for (const name of ['mtime', 'chmod', 'grow']) sources.set(name, await fx.tempDir(`${name}-`));
    await writeTree(sources.get('mtime')!, { 'm.txt': 'same bytes' }, T1);
    await writeTree(sources.get('chmod')!, { 'c.txt': 'same mode?' }, T1);
    await writeTree(sources.get('grow')!, { 'big.bin': bytesOf(1 << 20, 11) }, T1);
    await fx.emulator.setFaults({ latencyMs: WRITE_LATENCY_MS, ops: ['write'] });

    const growing = join(sources.get('grow')!, 'big.bin');
    let chunk = 0;
    const appender = setInterval(() => {
      appendFileSync(growing, bytesOf(64 << 10, 100 + chunk++));
    }, GROW_EVERY_MS);
    const common = { operation: 'put_sync', checksum: 'verify' };
    daemon = await fx.daemon({
      jobs: ['mtime', 'chmod', 'grow'].map((name) => ({
        name,
        source: sources.get(name)!,
        target: `${ROOT}/${name}`,
        rescan_interval: name === 'grow' ? '0' : '3s',
        ...common,
      })),
    });
    growth = later(
      (async () => {
        try {
          await daemon.waitFor((event) => event.message.startsWith('job grow pass 1 started'));
          // Growing at least GROW_FOR_MS, and on until an upload was caught out by the growth:
          // on a loaded machine the first upload may start only after GROW_FOR_MS.
          await new Promise((resolve) => setTimeout(resolve, GROW_FOR_MS));
          await daemon
            .waitFor((event) => event.message.startsWith('will retry big.bin'), GROW_AT_MOST_MS)
            .catch(() => undefined);
        } finally {
          clearInterval(appender);
        }
      })(),
    );
    passes.set('mtime', later(twoPasses('mtime', 'm.txt', (path) => utimes(path, T2, T2))));
    passes.set('chmod', later(twoPasses('chmod', 'c.txt', (path) => chmod(path, 0o600))));
  });
  after(async () => {
    await growth.catch(() => undefined);
  });

  it('uploads again after an mtime-only change, and the object mtime follows', async () => {
    const { after1, after2 } = await passes.get('mtime')!;
    const pass2 = await daemon.passDone(2, 'mtime');
    assert.deepEqual(countsOf(pass2), expected({ seen: 1, updated: 1 }));
    assert.equal(pass2.bytes, 'same bytes'.length);
    assert.equal(after1?.modifiedAt, T1);
    assert.equal(after2?.modifiedAt, T2);
    assert.equal(after2?.bytes?.toString(), 'same bytes');
    assert.equal(after2?.checksum, sha2('same bytes'));
  });

  it('moves no data after a chmod-only change', async () => {
    const { after1, after2 } = await passes.get('chmod')!;
    const pass2 = await daemon.passDone(2, 'chmod');
    assert.deepEqual(countsOf(pass2), expected({ seen: 1 }));
    assert.equal(pass2.bytes, 0);
    assert.ok(after1);
    assert.deepEqual(after2, after1);
  });

  it('never records a file that grew during its upload; the final bytes land', async () => {
    const summary = await daemon.passDone(1, 'grow', 90_000);
    await growth;
    assert.deepEqual(countsOf(summary), expected({ seen: 1, new: 1 }));
    const retried = daemon.logs.filter((event) => event.message.startsWith('will retry big.bin'));
    assert.ok(retried.length > 0, 'the upload overlapped the growth and was tried again');
    const local = await readFile(join(sources.get('grow')!, 'big.bin'));
    assert.ok(local.length > 1 << 20, 'the file grew');
    const facts = await objectFacts(fx.client, `${ROOT}/grow/big.bin`);
    assert.equal(facts?.size, local.length);
    assert.equal(facts?.checksum, sha2(local));
    assert.ok(facts?.bytes?.equals(local), 'the object holds the final bytes');
  });
});
