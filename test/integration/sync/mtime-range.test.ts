/**
 * Files whose mtime iRODS cannot take (the HTTP API reads it as a 32-bit count of seconds):
 * from before 1970 or after January 2038. Their bytes go in as any file's, and each is listed as
 * failed with its time and the range, instead of being carried wrongly or dropped unsaid.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCtl } from '../control/run-ctl.js';
import { failuresOf } from '../handlers/fixture.js';
import { objectFacts, useSyncFixture } from './fixture.js';

const IN_RANGE = 1_600_000_000;
const RANGE = '1970-01-01T00:00:00Z to 2038-01-19T03:14:07Z';

describe('mtimes outside what iRODS takes', () => {
  const fx = useSyncFixture();

  for (const operation of ['put_sync', 'register']) {
    it(`${operation}: the bytes go in, and the file is listed with its time and the range`, async () => {
      const source = await fx.tempDir('mtime-range-');
      const files = { 'old.dat': 'old', 'future.dat': 'future', 'epoch.dat': 'e', 'ok.dat': 'ok' };
      for (const [name, content] of Object.entries(files)) {
        await writeFile(join(source, name), content);
      }
      execFileSync('touch', ['-d', '1960-01-01 00:00:00 UTC', join(source, 'old.dat')]);
      execFileSync('touch', ['-d', '2040-01-01 00:00:00 UTC', join(source, 'future.dat')]);
      await utimes(join(source, 'epoch.dat'), 0, 0);
      await utimes(join(source, 'ok.dat'), IN_RANGE, IN_RANGE);
      const target = `/tempZone/home/rods/mtime-range-${operation}`;
      const daemon = await fx.daemon({
        jobs: [{ name: 'range', source, target, operation, rescan_interval: '0' }],
      });
      const summary = await daemon.passDone(1, 'range');
      assert.equal(summary.failed, 2, summary.message);

      for (const [name, content] of Object.entries(files)) {
        const facts = await objectFacts(fx.client, `${target}/${name}`);
        assert.equal(facts?.bytes?.toString(), content, name);
      }
      assert.equal((await objectFacts(fx.client, `${target}/ok.dat`))?.modifiedAt, IN_RANGE);
      assert.equal((await objectFacts(fx.client, `${target}/epoch.dat`))?.modifiedAt, 0);

      const failures = await failuresOf(daemon, 'range');
      assert.deepEqual(failures.map(({ path }) => path).sort(), ['future.dat', 'old.dat']);
      const reason = (path: string) => failures.find((failure) => failure.path === path)!.message;
      assert.match(reason('old.dat'), /the time 1960-01-01T00:00:00Z is outside the mtimes/);
      assert.match(reason('future.dat'), /the time 2040-01-01T00:00:00Z is outside the mtimes/);
      assert.ok(reason('old.dat').includes(RANGE), reason('old.dat'));

      // The next pass tries them again and sends no bytes for it.
      assert.equal((await runCtl(['--socket', daemon.socket, 'rescan', 'range'])).code, 0);
      const again = await daemon.passDone(2, 'range');
      assert.deepEqual([again.failed, again.bytes], [2, 0], again.message);
    });
  }
});
