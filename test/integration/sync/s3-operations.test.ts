/**
 * S3 sources against a real S3-protocol server (s3rver) and the emulator: every operation over
 * two passes (one job per operation), what lands in iRODS (bytes, size, checksum, mtime, AVUs,
 * physical paths), and what a changed, an unchanged and a new object do in the second pass.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startS3, type TestS3 } from '../../helpers/s3.js';
import type { Ingestd } from '../../helpers/ingestd.js';
import {
  bytesOf,
  countsOf,
  expected,
  later,
  objectFacts,
  sha2,
  useSyncFixture,
  type ObjectFacts,
  type PassCounts,
} from './fixture.js';

const BUCKET = 'ingest-src';
const ROOT = '/tempZone/home/rods/s3ops';
const SECRET = 'ops-secret-5d1e';
const METADATA = { project: 's3-ops' };
const T1 = 1_600_000_000;
const T2 = 1_600_000_600;

/** Keys below each job's prefix, with their content; odd ones s3rver can hold. */
const OBJECTS: Record<string, string | Buffer> = {
  'a.txt': 'alpha v1',
  'sub/b.bin': bytesOf(3000, 11),
  'odd name +%#&=.txt': 'odd',
  // s3rver lists a common prefix only when it holds an object of its own (see helpers/s3.ts).
  'données/note.txt': 'non-Latin prefix',
  'données/日本語/ключ.txt': 'non-Latin',
  'ctrl\u0001char.txt': 'control',
};

interface Run {
  target: string;
  pass1: PassCounts;
  pass2: PassCounts;
  after1: Map<string, ObjectFacts | undefined>;
  after2: Map<string, ObjectFacts | undefined>;
}

const OPERATIONS = {
  register: 'register',
  register_replica: 'register',
  put: 'verify',
  put_sync: 'verify',
  none: 'none',
} as const;

describe('an S3 source, per operation', () => {
  let s3: TestS3;
  const fx = useSyncFixture(async () => {
    s3 = await startS3();
    const resources = [
      { name: 'demoResc', type: 'unixfilesystem' },
      {
        name: 's3resc',
        type: 's3',
        vault_path: `/${BUCKET}/vault`,
        context: await s3.irodsContext(),
      },
    ];
    return { config: { emulator: { resources } } };
  });
  let daemon: Ingestd;
  const runs = new Map<string, Promise<Run>>();

  async function snapshot(target: string): Promise<Map<string, ObjectFacts | undefined>> {
    const facts = new Map<string, ObjectFacts | undefined>();
    for (const key of [...Object.keys(OBJECTS), 'new.txt']) {
      facts.set(key, await objectFacts(fx.client, `${target}/${key}`));
    }
    return facts;
  }

  async function follow(name: string): Promise<Run> {
    const target = `${ROOT}/${name}`;
    const pass1 = await daemon.passDone(1, name);
    const after1 = await snapshot(target);
    await s3.writeDirect(BUCKET, `${name}/a.txt`, 'alpha version two', T2);
    await s3.writeDirect(BUCKET, `${name}/new.txt`, 'new object', T2);
    const pass2 = await daemon.passDone(2, name);
    return {
      target,
      pass1: countsOf(pass1),
      pass2: countsOf(pass2),
      after1,
      after2: await snapshot(target),
    };
  }

  before(async () => {
    await s3.createBucket(BUCKET);
    for (const name of Object.keys(OPERATIONS)) {
      for (const [key, body] of Object.entries(OBJECTS)) {
        await s3.writeDirect(BUCKET, `${name}/${key}`, body, T1);
      }
    }
    await s3.writeDirect(BUCKET, 'outside/x.txt', 'not under any prefix', T1);
    const credentials = await s3.credentialsFile(SECRET);
    daemon = await fx.daemon({
      workers: 5,
      jobs: Object.entries(OPERATIONS).map(([operation, checksum]) => ({
        name: operation,
        source: `s3://${BUCKET}/${operation}`,
        target: `${ROOT}/${operation}`,
        operation,
        checksum,
        metadata: METADATA,
        rescan_interval: '2s',
        ...(operation.startsWith('register') ? { resource: 's3resc' } : {}),
        s3: {
          endpoint: s3.endpoint,
          path_style: true,
          credentials_file: credentials,
          // Has no effect on http://, and must still be said.
          ...(operation === 'none' ? { insecure: true } : {}),
        },
      })),
    });
    for (const name of Object.keys(OPERATIONS)) runs.set(name, later(follow(name)));
  });

  after(async () => {
    await s3?.stop();
  });

  function assertIngested(facts: ObjectFacts | undefined, key: string, checksum: boolean) {
    const content = OBJECTS[key]!;
    assert.ok(facts, `${key} is in iRODS`);
    assert.equal(facts.size, Buffer.byteLength(content), `${key} size`);
    if (checksum) assert.equal(facts.checksum, sha2(content), `${key} checksum`);
    assert.equal(facts.modifiedAt, T1, `${key} mtime (LastModified)`);
    if (facts.bytes !== undefined)
      assert.deepEqual(facts.bytes, Buffer.from(content), `${key} bytes`);
    assert.equal(facts.avus.project, METADATA.project, `${key} AVUs`);
  }

  it('put_sync streams every object with its checksum, then re-sends only the changed one', async () => {
    const run = await runs.get('put_sync')!;
    assert.deepEqual(run.pass1, expected({ seen: 9, new: 9 }));
    for (const key of Object.keys(OBJECTS)) assertIngested(run.after1.get(key), key, true);
    assert.deepEqual(run.pass2, expected({ seen: 10, new: 1, updated: 1 }));
    const a = run.after2.get('a.txt');
    assert.equal(a?.bytes?.toString(), 'alpha version two');
    assert.equal(a?.checksum, sha2('alpha version two'));
    assert.equal(a?.modifiedAt, T2);
    assert.equal(run.after2.get('new.txt')?.bytes?.toString(), 'new object');
    assert.deepEqual(run.after2.get('sub/b.bin'), run.after1.get('sub/b.bin'));
  });

  it('put sends each object once and leaves a changed one as it was', async () => {
    const run = await runs.get('put')!;
    assert.deepEqual(run.pass1, expected({ seen: 9, new: 9 }));
    for (const key of Object.keys(OBJECTS)) assertIngested(run.after1.get(key), key, true);
    assert.deepEqual(run.pass2, expected({ seen: 10, new: 1 }));
    assert.deepEqual(run.after2.get('a.txt'), run.after1.get('a.txt'));
  });

  it('register registers /bucket/key with its size into the S3 resource, and updates it', async () => {
    const run = await runs.get('register')!;
    assert.deepEqual(run.pass1, expected({ seen: 9, new: 9 }));
    for (const key of Object.keys(OBJECTS)) assertIngested(run.after1.get(key), key, true);
    const replicas = await fx.client.dataObjects.replicas(`${run.target}/sub/b.bin`);
    assert.deepEqual(
      replicas.map((replica) => replica.physicalPath),
      [`/${BUCKET}/register/sub/b.bin`],
    );
    assert.deepEqual(run.pass2, expected({ seen: 10, new: 1, updated: 1 }));
    const a = run.after2.get('a.txt');
    assert.equal(a?.size, 'alpha version two'.length);
    assert.equal(a?.checksum, sha2('alpha version two'));
    assert.equal(a?.bytes?.toString(), 'alpha version two');
  });

  it('register_replica registers the objects in place too', async () => {
    const run = await runs.get('register_replica')!;
    assert.deepEqual(run.pass1, expected({ seen: 9, new: 9 }));
    for (const key of Object.keys(OBJECTS)) assertIngested(run.after1.get(key), key, true);
  });

  it('none remembers the objects and puts nothing into iRODS', async () => {
    const run = await runs.get('none')!;
    assert.deepEqual(run.pass1, expected({ seen: 9, new: 9 }));
    for (const key of Object.keys(OBJECTS)) assert.equal(run.after1.get(key), undefined, key);
    assert.deepEqual(run.pass2, expected({ seen: 10, new: 1, updated: 1 }));
  });

  it('warns that a job with insecure = true checks no TLS certificate', async () => {
    const warning = await daemon.waitFor((event) => event.job === 'none' && event.level === 'warn');
    assert.match(
      warning.message,
      /insecure = true: TLS certificates of s3:\/\/ingest-src\/none are not checked/,
    );
    const others = daemon.logs.filter((e) => e.level === 'warn' && /insecure/.test(e.message));
    assert.equal(others.length, 1);
  });

  it('never writes the secret key into a log line', async () => {
    await runs.get('put_sync')!;
    const leaked = daemon.logs.filter((event) => JSON.stringify(event).includes(SECRET));
    assert.deepEqual(leaked, []);
  });
});
