/**
 * Every operation over two passes of one daemon (one job per operation): what the first pass puts
 * into iRODS (bytes, size, checksum, mtime, AVUs), then what a content change does in the second.
 */
import assert from 'node:assert/strict';
import { appendFile, open, readFile, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
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
  type PassCounts,
} from './fixture.js';

const T1 = 1_600_000_000;
const T2 = 1_600_000_500;
const ROOT = '/tempZone/home/rods/ops';
const METADATA = { project: 'ops-test', 'run id': '7' };

interface Run {
  source: string;
  target: string;
  pass1: PassCounts;
  pass2: PassCounts;
  bytes2: number;
  /** Objects (by relative path) after each pass. */
  after1: Map<string, ObjectFacts | undefined>;
  after2: Map<string, ObjectFacts | undefined>;
}

interface Scenario {
  operation: string;
  checksum: string;
  files: Record<string, string | Buffer>;
  /** What the test looks at in iRODS. */
  watch: string[];
  /** The change between the passes. */
  change(source: string): Promise<void>;
}

async function rewrite(path: string, content: string | Buffer, mtime = T2): Promise<void> {
  await writeFile(path, content);
  await utimes(path, mtime, mtime);
}

const contentChange = (source: string) => rewrite(join(source, 'a.txt'), 'alpha version two');

const SCENARIOS: Record<string, Scenario> = {
  register: {
    operation: 'register',
    checksum: 'register',
    files: { 'a.txt': 'alpha v1', 'sub/b.bin': bytesOf(3000, 1) },
    watch: ['a.txt', 'sub/b.bin'],
    change: contentChange,
  },
  register_replica: {
    operation: 'register_replica',
    checksum: 'register',
    files: { 'a.txt': 'alpha v1', 'pre.txt': 'already there' },
    watch: ['a.txt', 'pre.txt'],
    change: contentChange,
  },
  put: {
    operation: 'put',
    checksum: 'verify',
    files: { 'a.txt': 'alpha v1', 'sub/b.bin': bytesOf(3000, 2) },
    watch: ['a.txt', 'sub/b.bin'],
    change: contentChange,
  },
  put_sync: {
    operation: 'put_sync',
    checksum: 'verify',
    files: { 'a.txt': 'alpha v1', 'sub/b.bin': bytesOf(3000, 3) },
    watch: ['a.txt', 'sub/b.bin'],
    change: contentChange,
  },
  put_append: {
    operation: 'put_append',
    checksum: 'verify',
    files: {
      'grow.log': bytesOf(1000, 4),
      'shrink.log': bytesOf(2000, 5),
      'rewrite.log': bytesOf(1000, 6),
    },
    watch: ['grow.log', 'shrink.log', 'rewrite.log'],
    async change(source) {
      await appendFile(join(source, 'grow.log'), bytesOf(500, 7));
      await truncate(join(source, 'shrink.log'), 800);
      // Same inode, grown, but its first bytes rewritten: the object is no longer its prefix.
      const handle = await open(join(source, 'rewrite.log'), 'r+');
      await handle.write(Buffer.from('REWRITTEN'), 0, 9, 0);
      await handle.write(bytesOf(500, 8), 0, 500, 1000);
      await handle.close();
      for (const name of ['grow.log', 'shrink.log', 'rewrite.log'])
        await utimes(join(source, name), T2, T2);
    },
  },
  none: {
    operation: 'none',
    checksum: 'none',
    files: { 'a.txt': 'alpha v1', 'sub/b.bin': bytesOf(3000, 9) },
    watch: ['a.txt', 'sub/b.bin'],
    change: contentChange,
  },
};

describe('sync passes per operation', () => {
  const fx = useSyncFixture();
  const runs = new Map<string, Promise<Run>>();

  async function snapshot(target: string, watch: string[]) {
    const facts = new Map<string, ObjectFacts | undefined>();
    for (const rel of watch) facts.set(rel, await objectFacts(fx.client, `${target}/${rel}`));
    return facts;
  }

  async function follow(daemon: Ingestd, name: string, source: string): Promise<Run> {
    const scenario = SCENARIOS[name]!;
    const target = `${ROOT}/${name}`;
    const pass1 = await daemon.passDone(1, name);
    const after1 = await snapshot(target, scenario.watch);
    await scenario.change(source);
    const pass2 = await daemon.passDone(2, name);
    const after2 = await snapshot(target, scenario.watch);
    return {
      source,
      target,
      pass1: countsOf(pass1),
      pass2: countsOf(pass2),
      bytes2: Number(pass2.bytes),
      after1,
      after2,
    };
  }

  before(async () => {
    const sources = new Map<string, string>();
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      const source = await fx.tempDir(`ops-${name}-`);
      await writeTree(source, scenario.files, T1);
      sources.set(name, source);
    }
    // register_replica adds the source file as one more replica of an object already there.
    const elsewhere = await fx.tempDir('ops-elsewhere-');
    await writeFile(join(elsewhere, 'pre.txt'), 'already there');
    await fx.client.collections.ensure(`${ROOT}/register_replica`);
    await fx.client.upload(join(elsewhere, 'pre.txt'), `${ROOT}/register_replica/pre.txt`);

    const names = Object.keys(SCENARIOS);
    const daemon = await fx.daemon({
      workers: names.length,
      jobs: names.map((name) => ({
        name,
        source: sources.get(name)!,
        target: `${ROOT}/${name}`,
        operation: SCENARIOS[name]!.operation,
        checksum: SCENARIOS[name]!.checksum,
        metadata: METADATA,
        rescan_interval: '3s',
      })),
    });
    for (const name of names) runs.set(name, later(follow(daemon, name, sources.get(name)!)));
  });

  /** The facts a first pass must leave for a file written with `content` at T1. */
  function assertIngested(facts: ObjectFacts | undefined, content: string | Buffer, what: string) {
    assert.ok(facts, `${what} is in iRODS`);
    assert.equal(facts.size, Buffer.byteLength(content), `${what} size`);
    assert.equal(facts.checksum, sha2(content), `${what} checksum`);
    assert.equal(facts.modifiedAt, T1, `${what} mtime`);
    assert.deepEqual(facts.bytes, Buffer.from(content), `${what} bytes`);
    assert.deepEqual(facts.avus, METADATA, `${what} AVUs`);
  }

  it('register: registers in place, then updates size, mtime and checksum on change', async () => {
    const run = await runs.get('register')!;
    assert.deepEqual(run.pass1, expected({ seen: 3, new: 3 }));
    const { files } = SCENARIOS.register!;
    for (const rel of ['a.txt', 'sub/b.bin']) assertIngested(run.after1.get(rel), files[rel]!, rel);
    const replicas = await fx.client.dataObjects.replicas(`${run.target}/a.txt`);
    assert.deepEqual(
      replicas.map((replica) => replica.physicalPath),
      [join(run.source, 'a.txt')],
    );

    assert.deepEqual(run.pass2, expected({ seen: 3, updated: 1 }));
    const a = run.after2.get('a.txt');
    assert.equal(a?.size, 'alpha version two'.length);
    assert.equal(a?.modifiedAt, T2);
    assert.equal(a?.checksum, sha2('alpha version two'));
    assert.equal(a?.bytes?.toString(), 'alpha version two');
    assert.deepEqual(run.after2.get('sub/b.bin'), run.after1.get('sub/b.bin'));
  });

  it('register_replica: adds the source as a replica of an existing object', async () => {
    const run = await runs.get('register_replica')!;
    assert.deepEqual(run.pass1, expected({ seen: 2, new: 2 }));
    assertIngested(run.after1.get('a.txt'), 'alpha v1', 'a.txt');
    const replicas = await fx.client.dataObjects.replicas(`${run.target}/pre.txt`);
    assert.equal(replicas.length, 2, 'the uploaded replica and the registered one');
    assert.ok(replicas.some((replica) => replica.physicalPath === join(run.source, 'pre.txt')));
    assert.equal(run.after1.get('pre.txt')?.checksum, sha2('already there'));

    assert.deepEqual(run.pass2, expected({ seen: 2, updated: 1 }));
    const a = run.after2.get('a.txt');
    assert.equal(a?.size, 'alpha version two'.length);
    assert.equal(a?.modifiedAt, T2);
    assert.equal(a?.checksum, sha2('alpha version two'));
  });

  it('put: uploads once and ignores later changes', async () => {
    const run = await runs.get('put')!;
    assert.deepEqual(run.pass1, expected({ seen: 3, new: 3 }));
    const { files } = SCENARIOS.put!;
    for (const rel of ['a.txt', 'sub/b.bin']) assertIngested(run.after1.get(rel), files[rel]!, rel);

    assert.deepEqual(run.pass2, expected({ seen: 3 }));
    assert.equal(run.bytes2, 0);
    assert.deepEqual(run.after2.get('a.txt'), run.after1.get('a.txt'), 'the old bytes stay');
  });

  it('put_sync: uploads, then replaces the object on change', async () => {
    const run = await runs.get('put_sync')!;
    assert.deepEqual(run.pass1, expected({ seen: 3, new: 3 }));
    const { files } = SCENARIOS.put_sync!;
    for (const rel of ['a.txt', 'sub/b.bin']) assertIngested(run.after1.get(rel), files[rel]!, rel);

    assert.deepEqual(run.pass2, expected({ seen: 3, updated: 1 }));
    assert.equal(run.bytes2, 'alpha version two'.length);
    const a = run.after2.get('a.txt');
    assert.equal(a?.bytes?.toString(), 'alpha version two');
    assert.equal(a?.size, 'alpha version two'.length);
    assert.equal(a?.checksum, sha2('alpha version two'));
    assert.equal(a?.modifiedAt, T2);
    assert.deepEqual(a?.avus, METADATA);
  });

  it('put_append: appends new bytes, re-uploads a shrunk or rewritten file whole', async () => {
    const run = await runs.get('put_append')!;
    const { files } = SCENARIOS.put_append!;
    assert.deepEqual(run.pass1, expected({ seen: 3, new: 3 }));
    for (const rel of Object.keys(files)) assertIngested(run.after1.get(rel), files[rel]!, rel);

    assert.deepEqual(run.pass2, expected({ seen: 3, updated: 3 }));
    // 500 appended bytes, then the whole shrunk (800) and rewritten (1500) files.
    assert.equal(run.bytes2, 500 + 800 + 1500);
    for (const rel of Object.keys(files)) {
      const local = await readFile(join(run.source, rel));
      const facts = run.after2.get(rel);
      assert.deepEqual(facts?.bytes, local, `${rel} bytes`);
      assert.equal(facts?.checksum, sha2(local), `${rel} checksum`);
      assert.equal(facts?.modifiedAt, T2, `${rel} mtime`);
    }
  });

  it('none: records the files and touches nothing in iRODS', async () => {
    const run = await runs.get('none')!;
    assert.deepEqual(run.pass1, expected({ seen: 3, new: 3 }));
    assert.deepEqual(run.pass2, expected({ seen: 3, updated: 1 }));
    assert.equal(run.bytes2, 0);
    for (const facts of [...run.after1.values(), ...run.after2.values()])
      assert.equal(facts, undefined);
    assert.equal(await fx.client.collections.stat(`${run.target}/sub`), undefined);
    assert.equal(await fx.client.collections.stat(run.target), undefined);
  });
});
