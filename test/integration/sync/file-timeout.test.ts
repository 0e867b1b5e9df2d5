/**
 * Per-job retry and time settings: `file_timeout` stops a file's action that runs too long (its
 * upload included) and the file is tried again after `retry_delay`; `max_attempts` bounds the
 * tries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesOf, objectFacts, useSyncFixture, writeTree } from './fixture.js';

describe('file_timeout', () => {
  const fx = useSyncFixture();

  it('aborts a slowed upload, and the retry succeeds', async () => {
    const source = await fx.tempDir('timeout-');
    const content = bytesOf(4096, 7);
    await writeTree(source, { 'slow.dat': content });
    await fx.emulator.setFaults({ latencyMs: 5_000, ops: ['write'] });
    const target = '/tempZone/home/rods/timeout';
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'slow',
          source,
          target,
          operation: 'put_sync',
          file_timeout: '1s',
          retry_delay: '500ms',
          retry_max_delay: '1s',
        },
      ],
    });
    const stopped = await daemon.waitFor((event) =>
      /slow\.dat: stopped after the job's file_timeout \(1000 ms\)/.test(event.message),
    );
    assert.equal(stopped.job, 'slow');
    await fx.emulator.clearFaults();
    const summary = await daemon.passDone(1, 'slow');
    assert.equal(summary.failed, 0);
    assert.equal(summary.new, 1);
    const facts = await objectFacts(fx.client, `${target}/slow.dat`);
    assert.deepEqual(facts?.bytes, content);
  });

  it('lists a file as failed after max_attempts timeouts, with the reason', async () => {
    const source = await fx.tempDir('timeout-max-');
    await writeTree(source, { 'never.dat': 'x' });
    await fx.emulator.setFaults({ latencyMs: 3_000, ops: ['write'] });
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'never',
          source,
          target: '/tempZone/home/rods/timeout-max',
          operation: 'put_sync',
          file_timeout: '500ms',
          max_attempts: 2,
          retry_delay: '100ms',
          retry_max_delay: '100ms',
        },
      ],
    });
    const summary = await daemon.passDone(1, 'never');
    await fx.emulator.clearFaults();
    assert.equal(summary.failed, 1);
    const failure = await daemon.waitFor((event) => /failed never\.dat/.test(event.message));
    assert.match(failure.message, /file_timeout \(500 ms\)/);
  });
});
