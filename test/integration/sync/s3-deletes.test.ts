/**
 * Delete safety and exclusions of S3 sources: deletes follow the job's policy only after a pass
 * listed the whole prefix without error (a failing page is injected by a proxy in front of
 * s3rver); excluded keys are skipped and never deleted; credentials appear in no log line,
 * status answer or failure.
 */
import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startS3, type TestS3 } from '../../helpers/s3.js';
import { startS3Proxy, type S3Proxy } from '../../helpers/s3-proxy.js';
import type { Ingestd } from '../../helpers/ingestd.js';
import { send } from '../control/socket-http.js';
import { countsOf, expected, useSyncFixture } from './fixture.js';

const BUCKET = 'ingest-del';
const ROOT = '/tempZone/home/rods/s3del';
const SECRET = 'delete-secret-8b3f';

describe('an S3 source deleting and excluding', () => {
  let s3: TestS3;
  let proxy: S3Proxy;
  let daemon: Ingestd;
  const fx = useSyncFixture(async () => {
    s3 = await startS3();
    proxy = await startS3Proxy(s3.endpoint);
    return {};
  });

  before(async () => {
    await s3.createBucket(BUCKET);
    for (const key of ['top.txt', 'd1/a.txt', 'd1/b.txt', 'd2/c.txt', 'd2/d.txt']) {
      await s3.writeDirect(BUCKET, `del/${key}`, `content of ${key}`);
    }
    for (const key of ['keep.txt', 'scratch.tmp', 'cache/x.bin', 'sub/y.tmp', 'sub/z.txt']) {
      await s3.writeDirect(BUCKET, `excl/${key}`, `content of ${key}`);
    }
    const credentials = await s3.credentialsFile(SECRET);
    const settings = { endpoint: proxy.endpoint, path_style: true, credentials_file: credentials };
    daemon = await fx.daemon({
      jobs: [
        {
          name: 'deletes',
          source: `s3://${BUCKET}/del`,
          target: `${ROOT}/del`,
          operation: 'put_sync',
          delete: 'no_trash',
          rescan_interval: '1s',
          s3: settings,
        },
        {
          name: 'excludes',
          source: `s3://${BUCKET}/excl`,
          target: `${ROOT}/excl`,
          operation: 'put_sync',
          delete: 'no_trash',
          exclude: ['**/*.tmp', 'cache/**'],
          rescan_interval: '1s',
          s3: settings,
        },
      ],
    });
  });

  after(async () => {
    await proxy?.stop();
    await s3?.stop();
  });

  const exists = async (path: string) => (await fx.client.dataObjects.stat(path)) !== undefined;

  it('deletes nothing after a pass with a failing page, then per policy after a complete one', async () => {
    assert.deepEqual(countsOf(await daemon.passDone(1, 'deletes')), expected({ seen: 7, new: 7 }));
    assert.ok(await exists(`${ROOT}/del/d1/a.txt`));
    // The next pass cannot list d2; what vanished from d1 and the root must stay in iRODS.
    proxy.failWhen((url) => url.searchParams.get('prefix') === 'del/d2/');
    await s3.deleteObject(BUCKET, 'del/top.txt');
    await s3.deleteObject(BUCKET, 'del/d1/a.txt');
    const failed = await daemon.waitFor(
      (event) => event.job === 'deletes' && /no deletes \(2 found\)/.test(event.message),
    );
    assert.match(failed.message, /1 directory of s3:\/\/ingest-del\/del did not list completely/);
    const pass = Number(failed.pass);
    const summary = countsOf(await daemon.passDone(pass, 'deletes'));
    assert.equal(summary.deleted, 0);
    assert.equal(summary.failed, 1);
    assert.ok(await exists(`${ROOT}/del/top.txt`), 'top.txt was kept');
    assert.ok(await exists(`${ROOT}/del/d1/a.txt`), 'd1/a.txt was kept');
    const failures = await send(daemon.socket, 'GET', '/v1/jobs/deletes/failures');
    assert.match(
      failures.text,
      /listing the keys under \\"del\/d2\/\\" failed: InternalError \(HTTP 500\)/,
    );

    proxy.failWhen(undefined);
    const next = await daemon.waitFor(
      (event) => event.job === 'deletes' && Number(event.pass) > pass && Number(event.deleted) > 0,
    );
    assert.equal(Number(next.deleted), 2);
    assert.equal(await exists(`${ROOT}/del/top.txt`), false);
    assert.equal(await exists(`${ROOT}/del/d1/a.txt`), false);
    for (const kept of ['d1/b.txt', 'd2/c.txt', 'd2/d.txt']) {
      assert.ok(await exists(`${ROOT}/del/${kept}`), kept);
    }
  });

  it('skips excluded keys and directories, counted, and never deletes them', async () => {
    const first = countsOf(await daemon.passDone(1, 'excludes'));
    assert.deepEqual(first, expected({ seen: 3, new: 3, excluded: 3 }));
    assert.ok(await exists(`${ROOT}/excl/keep.txt`));
    assert.ok(await exists(`${ROOT}/excl/sub/z.txt`));
    for (const skipped of ['scratch.tmp', 'cache/x.bin', 'sub/y.tmp']) {
      assert.equal(await exists(`${ROOT}/excl/${skipped}`), false, skipped);
    }
    const second = countsOf(await daemon.passDone(2, 'excludes'));
    assert.deepEqual(second, expected({ seen: 3, excluded: 3 }));
  });

  it('shows the secret key in no log line, status answer or failure', async () => {
    const status = await send(daemon.socket, 'GET', '/v1/status');
    const failures = await send(daemon.socket, 'GET', '/v1/jobs/deletes/failures');
    for (const text of [status.text, failures.text, JSON.stringify(daemon.logs)]) {
      assert.ok(!text.includes(SECRET));
    }
  });

  it('fails the passes of a job whose credentials file is world-readable, with the reason', async () => {
    const credentials = await s3.credentialsFile('other-secret-77aa', 'loose');
    await chmod(credentials, 0o644);
    const other = await fx.daemon({
      jobs: [
        {
          name: 'loose',
          source: `s3://${BUCKET}/del`,
          target: `${ROOT}/loose`,
          s3: {
            endpoint: s3.endpoint,
            path_style: true,
            credentials_file: credentials,
            profile: 'loose',
          },
        },
      ],
    });
    // Loading the config refuses it; the daemon names the file and its mode, not its content.
    const exit = await other.exit();
    assert.equal(exit, 1);
    const text = JSON.stringify(other.logs);
    assert.match(text, /credentials file [^ ]+ is world-readable \(mode 0644\)/);
    assert.ok(!text.includes('other-secret-77aa'));
  });
});
