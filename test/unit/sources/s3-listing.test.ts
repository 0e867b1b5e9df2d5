/**
 * The S3 listing on a stub page source: a sorted key list answered the way ListObjectsV2 with the
 * delimiter `/` answers (contents and common prefixes in key order, pages of `pageKeys`), so that
 * keys s3rver cannot hold (`..`, `//`, a leading `/`) and failing pages can be tested.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRelPath } from '../../../src/core/entry.js';
import { keyOfRelPath } from '../../../src/core/s3-keys.js';
import { listS3Tree, type ListPage, type PageSource } from '../../../src/sources/s3-listing.js';
import type { DirectoryChunk } from '../../../src/sources/types.js';

interface StubOptions {
  pageKeys?: number;
  /** Repeat every common prefix of the listing on every page, as s3rver does. */
  repeatPrefixes?: boolean;
  /** Fails the page of `prefix` that starts after `token` ("" = the first page). */
  fail?: (prefix: string, token: string) => boolean;
  /** Milliseconds the pages of `prefix` take (default 1). */
  delay?: (prefix: string) => number;
}

interface Stub {
  pages: PageSource;
  calls: string[];
  maxInFlight: number;
}

/** A bucket of `keys` (sizes from their length) behind a delimiter listing. */
function stubBucket(keys: Record<string, string>, options: StubOptions = {}): Stub {
  const sorted = Object.keys(keys).sort();
  const pageKeys = options.pageKeys ?? 1000;
  const stub: Stub = { calls: [], maxInFlight: 0, pages: undefined as unknown as PageSource };
  let inFlight = 0;
  stub.pages = async (prefix, token) => {
    stub.calls.push(`${prefix}@${token ?? ''}`);
    inFlight += 1;
    stub.maxInFlight = Math.max(stub.maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, options.delay?.(prefix) ?? 1));
    inFlight -= 1;
    if (options.fail?.(prefix, token ?? ''))
      throw Object.assign(new Error('boom'), {
        name: 'InternalError',
        $metadata: { httpStatusCode: 500 },
      });
    // Rows in key order: objects, and each common prefix once, where its first key is.
    const rows: { key: string; prefix?: string }[] = [];
    const seen = new Set<string>();
    for (const key of sorted) {
      if (!key.startsWith(prefix)) continue;
      const slash = key.indexOf('/', prefix.length);
      if (slash < 0) rows.push({ key });
      else {
        const common = key.slice(0, slash + 1);
        if (!seen.has(common)) rows.push({ key, prefix: common });
        seen.add(common);
      }
    }
    const start = token === undefined ? 0 : Number(token);
    const page = rows.slice(start, start + pageKeys);
    const end = start + page.length;
    const result: ListPage = {
      objects: page
        .filter((row) => row.prefix === undefined)
        .map((row) => ({
          key: row.key,
          size: keys[row.key]!.length,
          etag: `"${row.key}"`,
          lastModified: new Date(1_600_000_000_000),
        })),
      prefixes: options.repeatPrefixes
        ? [...seen]
        : page.flatMap((row) => (row.prefix ? [row.prefix] : [])),
      next: end < rows.length ? String(end) : undefined,
    };
    return result;
  };
  return stub;
}

async function collect(stub: Stub, prefix = '', exclude: string[] = [], concurrency?: number) {
  const chunks: DirectoryChunk[] = [];
  const options = { exclude, source: 's3://bkt/x', ...(concurrency ? { concurrency } : {}) };
  for await (const chunk of listS3Tree(stub.pages, prefix, options)) chunks.push(chunk);
  return chunks;
}

/** Per directory (relative key): its entries as "key" or "key/" for directories. */
function tree(chunks: DirectoryChunk[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const chunk of chunks) {
    const dir = keyOfRelPath(chunk.dir);
    out[dir] ??= [];
    for (const entry of chunk.entries) {
      out[dir].push(keyOfRelPath(entry.relPath) + (entry.type === 'dir' ? '/' : ''));
    }
  }
  for (const entries of Object.values(out)) entries.sort();
  return out;
}

describe('listS3Tree', () => {
  it('lists every directory whole, one after another, with its prefixes once per page set', async () => {
    const keys: Record<string, string> = {};
    for (let d = 0; d < 5; d++)
      for (let f = 0; f < 7; f++) keys[`run/d${d}/deep/f${f}`] = 'x'.repeat(f);
    keys['run/top.txt'] = 'top';
    const stub = stubBucket(keys, { pageKeys: 3, repeatPrefixes: true });
    const chunks = await collect(stub, 'run/');
    // Contiguous: once a directory's final chunk came, it never comes again.
    const finished = new Set<string>();
    for (const chunk of chunks) {
      const dir = encodeRelPath(chunk.dir);
      assert.ok(!finished.has(dir), `${dir} came back after its final chunk`);
      if (chunk.final) {
        assert.equal(chunk.complete, true);
        finished.add(dir);
      }
    }
    const listed = tree(chunks);
    assert.deepEqual(listed[''], ['d0/', 'd1/', 'd2/', 'd3/', 'd4/', 'top.txt']);
    assert.deepEqual(listed['d3/deep'], [
      'd3/deep/f0',
      'd3/deep/f1',
      'd3/deep/f2',
      'd3/deep/f3',
      'd3/deep/f4',
      'd3/deep/f5',
      'd3/deep/f6',
    ]);
    assert.equal(finished.size, 11);
  });

  it('lists a prefix that holds only deeper keys (s3rver does not, S3 does)', async () => {
    const listed = tree(await collect(stubBucket({ 'a/b/c/d.txt': 'd' })));
    assert.deepEqual(listed, {
      '': ['a/'],
      a: ['a/b/'],
      'a/b': ['a/b/c/'],
      'a/b/c': ['a/b/c/d.txt'],
    });
  });

  it('maps keys that would leave the target into escaped elements, and gets them back', async () => {
    const keys = { 'p/../up.txt': '1', 'p//double': '2', 'p/./dot': '3', 'p/ok.txt': '4' };
    const chunks = await collect(stubBucket(keys), 'p/');
    const files = chunks.flatMap((chunk) => chunk.entries.filter((e) => e.type === 'file'));
    assert.deepEqual(files.map((e) => keyOfRelPath(e.relPath)).sort(), [
      '../up.txt',
      './dot',
      '/double',
      'ok.txt',
    ]);
    for (const entry of chunks.flatMap((chunk) => chunk.entries)) {
      for (const element of Buffer.from(entry.relPath).toString().split('/')) {
        assert.ok(!['', '.', '..'].includes(element));
      }
    }
  });

  it('takes an empty "folder/" object for its directory, and keeps a non-empty one as a file', async () => {
    const listed = tree(
      await collect(stubBucket({ 'd/': '', 'd/x': 'x', 'e/': 'data', 'e/y': 'y' })),
    );
    assert.deepEqual(listed.d, ['d/x']);
    assert.deepEqual(listed.e, ['e/', 'e/y']);
  });

  it('escapes a directory named like an object, so both are kept', async () => {
    const chunks = await collect(stubBucket({ a: 'object', 'a/x': 'below' }));
    const root = chunks.find((chunk) => chunk.dir.length === 0)!;
    const names = root.entries.map((e) => [encodeRelPath(e.relPath), e.type]);
    assert.deepEqual(names, [
      ['a', 'file'],
      ['\u0000a', 'dir'],
    ]);
    assert.deepEqual(tree(chunks).a, ['a/x']);
  });

  it('applies exclusions to the key relative to the prefix, files and directories', async () => {
    const keys = { 'p/a.tmp': '1', 'p/a.txt': '2', 'p/cache/x': '3', 'p/keep/y.tmp': '4' };
    const chunks = await collect(stubBucket(keys), 'p/', ['**/*.tmp', 'cache/**']);
    assert.deepEqual(tree(chunks), { '': ['a.txt', 'keep/'], keep: [] });
    const root = chunks.find((chunk) => chunk.dir.length === 0)!;
    assert.equal(root.excluded, 2);
    assert.deepEqual(root.excludedNames.map((n) => Buffer.from(n).toString()).sort(), [
      'a.tmp',
      'cache',
    ]);
  });

  it('ends a directory whose page failed incomplete, with the failure, and lists the rest', async () => {
    const keys: Record<string, string> = {};
    for (let f = 0; f < 6; f++) keys[`bad/f${f}`] = 'x';
    keys['good/g'] = 'g';
    const stub = stubBucket(keys, {
      pageKeys: 2,
      fail: (prefix, token) => prefix === 'bad/' && token === '2',
    });
    const chunks = await collect(stub);
    const bad = chunks.filter((chunk) => keyOfRelPath(chunk.dir) === 'bad');
    const last = bad.at(-1)!;
    assert.equal(last.final, true);
    assert.equal(last.complete, false);
    assert.equal(last.failures.length, 1);
    assert.match(
      last.failures[0]!.message,
      /listing the keys under "bad\/" failed: InternalError \(HTTP 500\)/,
    );
    assert.deepEqual(
      bad.flatMap((c) => c.entries).map((e) => keyOfRelPath(e.relPath)),
      ['bad/f0', 'bad/f1'],
    );
    const good = chunks.find((chunk) => keyOfRelPath(chunk.dir) === 'good')!;
    assert.equal(good.complete, true);
  });

  it("fails the listing when the source's own prefix cannot be listed", async () => {
    const stub = stubBucket({ 'x/a': 'a' }, { fail: (prefix) => prefix === 'x/' });
    await assert.rejects(collect(stub, 'x/'), { code: 'S3_LISTING_FAILED' });
  });

  it('lists at most `concurrency` directories at once, and stops early when asked', async () => {
    const keys: Record<string, string> = {};
    for (let d = 0; d < 40; d++) keys[`d${String(d).padStart(2, '0')}/f`] = 'x';
    const stub = stubBucket(keys);
    await collect(stub, '', [], 4);
    assert.ok(stub.maxInFlight <= 4, `${stub.maxInFlight} in flight`);
    assert.ok(stub.maxInFlight > 1, 'the directories were listed in parallel');
    const early = stubBucket(keys);
    for await (const chunk of listS3Tree(early.pages, '', { exclude: [], source: 's3://bkt' })) {
      if (chunk.dir.length > 0) break;
    }
    const calls = early.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(early.calls.length <= calls + 16, 'no new listing after the consumer stopped');
  });

  it('keeps listing past a directory whose page is slow', async () => {
    const keys: Record<string, string> = {};
    for (let d = 0; d < 40; d++) keys[`d${String(d).padStart(2, '0')}/f`] = 'x';
    const stub = stubBucket(keys, { delay: (prefix) => (prefix === 'd00/' ? 200 : 1) });
    let listedMeanwhile = 0;
    for await (const chunk of listS3Tree(stub.pages, '', {
      exclude: [],
      source: 's3://bkt',
      concurrency: 4,
    })) {
      // The first chunk after the root's is d00's, which arrives only after its slow page.
      if (chunk.dir.length > 0 && listedMeanwhile === 0) listedMeanwhile = stub.calls.length;
    }
    assert.ok(stub.maxInFlight <= 4, `${stub.maxInFlight} in flight`);
    // The root, and 4 slots x 4 directories ahead of the consumer (waiting on d00) listed.
    assert.equal(listedMeanwhile, 17, `${listedMeanwhile} pages asked for while d00 was slow`);
  });
});
