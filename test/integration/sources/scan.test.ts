import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, lstatSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ScanError } from '../../../src/sources/errors.js';
import { SCAN_WINDOW, scanTree } from '../../../src/sources/scan.js';
import {
  build,
  bytePath,
  collect,
  entriesByPath,
  finalChunk,
  NO_EXCLUSIONS,
  scannedDirs,
  show,
  tempTree,
} from './fixtures.js';

describe('scanTree', () => {
  let root: string;
  let dispose: () => void;
  before(() => ({ root, dispose } = tempTree()));
  after(() => dispose());

  /** A fresh subdirectory of the suite's temp dir for one test. */
  let count = 0;
  const fresh = (): string => {
    const dir = join(root, `t${count++}`);
    mkdirSync(dir);
    return dir;
  };

  it('walks a 10-deep tree depth first, reporting what lstat sees', async () => {
    const dir = fresh();
    let path = '';
    const layout: Record<string, string> = {};
    for (let level = 1; level <= 10; level++) {
      path += `${path ? '/' : ''}d${level}`;
      layout[`${path}/f${level}.txt`] = 'x'.repeat(level);
    }
    layout['side/s.txt'] = 'side';
    build(dir, layout);

    const chunks = await collect(dir, NO_EXCLUSIONS);
    const chain = path.split('/').map((_, i, all) => all.slice(0, i + 1).join('/'));
    // Depth first: the chain is walked without interruption, before or after 'side'.
    const dirs = scannedDirs(chunks);
    assert.ok(
      [
        ['', ...chain, 'side'],
        ['', 'side', ...chain],
      ].some((order) => order.join() === dirs.join()),
      dirs.join(),
    );
    assert.equal(chunks.length, 12);
    assert.ok(chunks.every((c) => c.final && c.complete && c.failures.length === 0));

    const entries = entriesByPath(chunks);
    assert.equal(entries.size, 10 + 10 + 2);
    const deepest = `${path}/f10.txt`;
    const stats = lstatSync(join(dir, deepest), { bigint: true });
    assert.deepEqual(entries.get(deepest), {
      relPath: new TextEncoder().encode(deepest),
      type: 'file',
      size: 10,
      mtimeNs: stats.mtimeNs,
      ctimeNs: stats.ctimeNs,
      ino: stats.ino,
      dev: stats.dev,
      mode: Number(stats.mode),
    });
    assert.equal(entries.get('d1/d2')?.type, 'dir');
    assert.equal(entries.get('d1/d2')?.size, 0);
  });

  it('reports an empty directory as one final, complete chunk without entries', async () => {
    const dir = fresh();
    build(dir, { empty: null, 'zero.bin': '' });
    const chunks = await collect(dir, NO_EXCLUSIONS);
    assert.deepEqual(scannedDirs(chunks), ['', 'empty']);
    const empty = finalChunk(chunks, 'empty');
    assert.deepEqual(empty.entries, []);
    assert.equal(empty.complete, true);
    assert.equal(entriesByPath(chunks).get('zero.bin')?.size, 0);

    const alone = await collect(join(dir, 'empty'), NO_EXCLUSIONS);
    assert.equal(alone.length, 1);
    assert.equal(show(alone[0]!.dir), '');
    assert.deepEqual(alone[0]!.entries, []);
  });

  it('keeps names byte for byte: spaces, plus signs and bytes that are not UTF-8', async () => {
    const dir = fresh();
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1
    const broken = Buffer.from([0x64, 0xff, 0xfe, 0x2b]);
    build(dir, { 'a b+c.txt': 'spaces', 'ünï çødé': null });
    mkdirSync(bytePath(dir, broken));
    writeFileSync(bytePath(dir, broken, latin1), 'bytes');

    const chunks = await collect(dir, NO_EXCLUSIONS);
    const paths = chunks.flatMap((c) => c.entries.map((e) => Buffer.from(e.relPath)));
    const expected = [
      Buffer.from('a b+c.txt'),
      Buffer.from('ünï çødé'),
      broken,
      Buffer.concat([broken, Buffer.from('/'), latin1]),
    ];
    for (const path of expected) {
      assert.ok(
        paths.some((p) => p.equals(path)),
        `missing ${show(path)}`,
      );
    }
    assert.equal(paths.length, expected.length);
    assert.ok(chunks.some((c) => Buffer.from(c.dir).equals(broken)));
  });

  it('walks on below a name that is not UTF-8 and keeps names that hold a real U+FFFD', async () => {
    const dir = fresh();
    const broken = Buffer.from([0x6e, 0xe9]); // "n\xe9"
    const mixed = Buffer.from('mixed');
    const nested = [mixed, broken, Buffer.from('inner'), Buffer.from('deeper')];
    build(dir, { 'plain/a.txt': 'a', 'odd/\ufffd.txt': 'a real U+FFFD', 'mixed/ok.txt': 'ok' });
    mkdirSync(bytePath(dir, ...nested), { recursive: true });
    writeFileSync(bytePath(dir, ...nested, Buffer.from('f.txt')), 'f');
    writeFileSync(bytePath(dir, mixed, broken, Buffer.from('\ufffd')), 'r');

    const chunks = await collect(dir, { ...NO_EXCLUSIONS, exclude: ['**/deeper/f.txt'] });
    const hex = (...elements: Uint8Array[]) =>
      Buffer.concat(elements.flatMap((e, i) => (i === 0 ? [e] : [Buffer.from('/'), e]))).toString(
        'hex',
      );
    const expected = [
      ['plain'],
      ['plain', 'a.txt'],
      ['odd'],
      ['odd', '\ufffd.txt'],
      ['mixed'],
      ['mixed', 'ok.txt'],
    ].map((elements) => hex(...elements.map((e) => Buffer.from(e))));
    expected.push(
      hex(mixed, broken),
      hex(mixed, broken, Buffer.from('inner')),
      hex(mixed, broken, Buffer.from('\ufffd')),
      hex(...nested),
    );
    const paths = chunks.flatMap((c) => c.entries.map((e) => hex(e.relPath)));
    assert.deepEqual(paths.sort(), expected.sort());
    assert.deepEqual(finalChunk(chunks, 'mixed/n\\xe9/inner/deeper').excludedNames.map(show), [
      'f.txt',
    ]);
    assert.ok(chunks.every((c) => c.failures.length === 0 && c.complete));
  });

  it('excludes by glob, counts and names the excluded, and does not descend into them', async () => {
    const dir = fresh();
    build(dir, {
      'keep.txt': '',
      'drop.tmp': '',
      'sub/deep.tmp': '',
      'sub/.hidden': '',
      'cache/inner/x.txt': '',
      'build/out.o': '',
      'notes/build': 'a file named like the directory pattern',
    });
    const chunks = await collect(dir, {
      ...NO_EXCLUSIONS,
      exclude: ['**/*.tmp', '**/.*', 'cache/**', '**/build/'],
    });
    assert.deepEqual(scannedDirs(chunks).sort(), ['', 'notes', 'sub']);
    assert.deepEqual([...entriesByPath(chunks).keys()].sort(), [
      'keep.txt',
      'notes',
      'notes/build',
      'sub',
    ]);
    const top = finalChunk(chunks, '');
    assert.equal(top.excluded, 3);
    assert.deepEqual(top.excludedNames.map(show).sort(), ['build', 'cache', 'drop.tmp']);
    assert.deepEqual(finalChunk(chunks, 'sub').excludedNames.map(show).sort(), [
      '.hidden',
      'deep.tmp',
    ]);
  });

  it('matches globs against names that are not UTF-8 and hands back their exact bytes', async () => {
    const dir = fresh();
    const name = Buffer.from([0x78, 0xff, 0x2e, 0x74, 0x6d, 0x70]); // "x\xff.tmp"
    writeFileSync(bytePath(dir, name), '');
    const chunks = await collect(dir, { ...NO_EXCLUSIONS, exclude: ['**/*.tmp'] });
    assert.deepEqual(chunks[0]!.entries, []);
    assert.deepEqual(chunks[0]!.excludedNames, [new Uint8Array(name)]);
  });

  it('reports sizes beyond 4 GiB and times before 1970 exactly', async () => {
    const dir = fresh();
    const path = join(dir, 'sparse');
    writeFileSync(path, '');
    truncateSync(path, 5 * 2 ** 30);
    execFileSync('touch', ['-h', '-d', '1969-12-31 00:00:00.123456789 UTC', path]);
    const stats = lstatSync(path, { bigint: true });
    const entry = entriesByPath(await collect(dir, NO_EXCLUSIONS)).get('sparse');
    assert.equal(entry?.size, 5 * 2 ** 30);
    assert.equal(entry?.mtimeNs, stats.mtimeNs);
    assert.equal(stats.mtimeNs, -86_400n * 10n ** 9n + 123_456_789n);
  });

  describe('special files', () => {
    let dir: string;
    const server = createServer();
    before(async () => {
      dir = fresh();
      build(dir, { 'file.txt': 'data' });
      execFileSync('mkfifo', [join(dir, 'pipe')]);
      symlinkSync('file.txt', join(dir, 'link'));
      server.listen(join(dir, 'sock'));
      await once(server, 'listening');
    });
    after(() => server.close());

    it('reports fifos, sockets and unfollowed links with their type and link target', async () => {
      const entries = entriesByPath(await collect(dir, NO_EXCLUSIONS));
      assert.equal(entries.get('pipe')?.type, 'fifo');
      assert.equal(entries.get('sock')?.type, 'socket');
      assert.equal(entries.get('link')?.type, 'symlink');
      assert.deepEqual(entries.get('link')?.linkTarget, new TextEncoder().encode('file.txt'));
      assert.equal(entries.get('file.txt')?.linkTarget, undefined);
    });

    it('excludes the configured types and counts them', async () => {
      const chunks = await collect(dir, {
        ...NO_EXCLUSIONS,
        excludeTypes: ['fifo', 'socket', 'symlink'],
      });
      assert.deepEqual([...entriesByPath(chunks).keys()], ['file.txt']);
      assert.equal(chunks[0]!.excluded, 3);
      assert.deepEqual(chunks[0]!.excludedNames.map(show).sort(), ['link', 'pipe', 'sock']);
    });
  });

  describe('symbolic links', () => {
    let dir: string;
    before(() => {
      dir = fresh();
      build(dir, { 'outside/o.txt': 'o', 'tree/a/f.txt': 'f' });
      symlinkSync('../outside', join(dir, 'tree/to-outside'));
      symlinkSync('..', join(dir, 'tree/a/loop'));
      symlinkSync('missing', join(dir, 'tree/dangling'));
      symlinkSync('f.txt', join(dir, 'tree/a/to-file'));
    });

    it('reports links as links when not following them', async () => {
      const chunks = await collect(join(dir, 'tree'), NO_EXCLUSIONS);
      assert.deepEqual(scannedDirs(chunks), ['', 'a']);
      const entries = entriesByPath(chunks);
      for (const link of ['to-outside', 'a/loop', 'dangling', 'a/to-file']) {
        assert.equal(entries.get(link)?.type, 'symlink', link);
      }
      assert.ok(chunks.every((c) => c.failures.length === 0));
    });

    it('follows links into what they point to, stopping at a loop with a failure', async () => {
      const chunks = await collect(join(dir, 'tree'), { ...NO_EXCLUSIONS, followSymlinks: true });
      assert.deepEqual(scannedDirs(chunks).sort(), ['', 'a', 'to-outside']);
      const entries = entriesByPath(chunks);
      const target = lstatSync(join(dir, 'outside'), { bigint: true });
      assert.equal(entries.get('to-outside')?.type, 'dir');
      assert.equal(entries.get('to-outside')?.ino, target.ino);
      assert.equal(entries.get('to-outside/o.txt')?.size, 1);
      assert.equal(entries.get('a/to-file')?.type, 'file');
      assert.equal(entries.get('a/to-file')?.size, 1);
      // A dangling link stays a link, as with find -L.
      assert.equal(entries.get('dangling')?.type, 'symlink');
      assert.equal(entries.has('a/loop'), false);
      const loop = finalChunk(chunks, 'a');
      assert.deepEqual(
        loop.failures.map((f) => [show(f.relPath), f.errno]),
        [['a/loop', 'ELOOP']],
      );
      assert.equal(loop.complete, true);
    });
  });

  it('reports unreadable directories in their parent and unstattable entries, without root capabilities', async () => {
    const dir = fresh();
    build(dir, {
      'open/ok.txt': 'ok',
      'secret/hidden.txt': 'no',
      'no-search/a.txt': 'a',
      'locked.txt': 'no',
    });
    chmodSync(dir, 0o755);
    chmodSync(root, 0o755);
    chmodSync(join(dir, 'secret'), 0o000);
    chmodSync(join(dir, 'no-search'), 0o644);
    chmodSync(join(dir, 'locked.txt'), 0o000);

    const lines = await scanAsNobody(dir);
    const top = lines.find((l) => l.dir === '')!;
    assert.deepEqual(top.entries.map((e) => e.path).sort(), ['locked.txt', 'no-search', 'open']);
    assert.deepEqual(
      top.failures.map((f) => [f.relPath, f.errno, f.syscall]),
      [['secret', 'EACCES', 'open']],
    );
    assert.equal(top.complete, true);
    // The scanner does not read files; whoever reads locked.txt reports its failure.
    assert.equal(top.entries.find((e) => e.path === 'locked.txt')?.mode, 0o100000);
    assert.ok(!lines.some((l) => l.dir === 'secret'));

    const noSearch = lines.find((l) => l.dir === 'no-search')!;
    assert.deepEqual(noSearch.entries, []);
    assert.deepEqual(
      noSearch.failures.map((f) => [f.relPath, f.errno, f.syscall]),
      [['no-search/a.txt', 'EACCES', 'lstat']],
    );
    assert.equal(noSearch.complete, true);
  });

  it('delivers a large directory in chunks of at most chunkSize', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'big'));
    for (let i = 0; i < 2500; i++) writeFileSync(join(dir, 'big', `f${i}`), '');

    const chunks = (await collect(dir, NO_EXCLUSIONS)).filter((c) => show(c.dir) === 'big');
    assert.deepEqual(
      chunks.map((c) => [c.entries.length, c.final]),
      [
        [1000, false],
        [1000, false],
        [500, true],
      ],
    );
    const names = new Set(chunks.flatMap((c) => c.entries.map((e) => show(e.relPath))));
    assert.equal(names.size, 2500);

    const small = await collect(join(dir, 'big'), { ...NO_EXCLUSIONS, chunkSize: 700 });
    assert.deepEqual(
      small.map((c) => c.entries.length),
      [700, 700, 700, 400],
    );
  });

  it('keeps the scan thread at most a few chunks ahead of a slow consumer', async () => {
    const dir = fresh();
    for (let i = 0; i < 400; i++) writeFileSync(join(dir, `f${i}`), '');
    const scan = scanTree(dir, { ...NO_EXCLUSIONS, chunkSize: 10 });
    let received = 0;
    let mostAhead = 0;
    for await (const chunk of scan) {
      received++;
      assert.equal(chunk.entries.length, 10);
      if (received <= 10) await sleep(20); // time for the thread to run ahead, were it allowed
      mostAhead = Math.max(mostAhead, scan.produced - scan.consumed);
    }
    assert.equal(received, 40);
    assert.equal(scan.produced, 40);
    assert.ok(mostAhead >= 1 && mostAhead <= SCAN_WINDOW, `ran ${mostAhead} chunks ahead`);
  });

  it('stops the scan thread when the consumer stops early', async () => {
    const dir = fresh();
    for (let i = 0; i < 100; i++) writeFileSync(join(dir, `f${i}`), '');
    const scan = scanTree(dir, { ...NO_EXCLUSIONS, chunkSize: 1 });
    for await (const _ of scan) break;
    assert.ok(scan.produced <= 1 + SCAN_WINDOW);
    assert.throws(() => scan[Symbol.asyncIterator](), /only once/);
  });

  it('refuses a root that is missing or not a directory', async () => {
    const dir = fresh();
    build(dir, { 'file.txt': '' });
    for (const [path, errno] of [
      [join(dir, 'missing'), 'ENOENT'],
      [join(dir, 'file.txt'), 'ENOTDIR'],
    ] as const) {
      await assert.rejects(collect(path, NO_EXCLUSIONS), (error: unknown) => {
        assert.ok(error instanceof ScanError);
        assert.equal(error.code, 'SCAN_ROOT_UNREADABLE');
        assert.equal(error.errno, errno);
        assert.equal(error.root, path);
        return true;
      });
    }
  });

  it('refuses a chunk size that is not a positive integer', () => {
    assert.throws(
      () => scanTree(root, { ...NO_EXCLUSIONS, chunkSize: 0 }),
      (error: unknown) => error instanceof ScanError && /chunkSize/.test(error.message),
    );
  });
});

interface ScanLine {
  dir: string;
  entries: { path: string; type: string; mode: number }[];
  failures: { relPath: string; errno: string; syscall: string; message: string }[];
  final: boolean;
  complete: boolean;
}

/**
 * Runs scan-as-user.ts without root's capabilities (setpriv drops them all, so mode 000 really
 * denies access), still as the owner of the checkout, wherever it lies.
 */
async function scanAsNobody(dir: string): Promise<ScanLine[]> {
  const script = fileURLToPath(new URL('./scan-as-user.ts', import.meta.url));
  const node = [process.execPath, '--import', 'tsx', script, dir];
  const child = spawn('setpriv', ['--inh-caps=-all', '--bounding-set=-all', '--', ...node], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    env: { ...process.env, HOME: '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, `scan without capabilities failed: ${stderr}`);
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ScanLine);
}
