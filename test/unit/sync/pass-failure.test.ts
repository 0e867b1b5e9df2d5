import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passFailureAfter } from '../../../src/sync/job-pass.js';
import { PassRefusedError } from '../../../src/sync/job-safety.js';

describe('passFailureAfter', () => {
  const first = new Date('2026-11-29T12:00:00.000Z');
  const later = new Date('2026-11-29T12:05:00.000Z');

  it('counts failed passes in a row from the time of the first, with the last reason', () => {
    const once = passFailureAfter(undefined, new Error('iRODS is unreachable'), first);
    assert.deepEqual(once, {
      reason: 'iRODS is unreachable',
      since: '2026-11-29T12:00:00.000Z',
      attempts: 1,
    });
    assert.deepEqual(passFailureAfter(once, new Error('Redis is not connected'), later), {
      reason: 'Redis is not connected',
      since: '2026-11-29T12:00:00.000Z',
      attempts: 2,
    });
  });

  it('keeps at most 1,000 characters of the reason', () => {
    const failure = passFailureAfter(
      undefined,
      new Error(`prePass threw: ${'x'.repeat(1e6)}`),
      first,
    );
    assert.equal(failure!.reason.length, 1000);
    assert.match(failure!.reason, /^prePass threw: x+…$/);
  });

  it('shows nothing for a refused pass: its refusal says why', () => {
    const refused = new PassRefusedError({ reason: 'unmounted', since: 0, acceptable: false });
    const before = passFailureAfter(undefined, new Error('x'), first);
    assert.equal(passFailureAfter(before, refused, later), undefined);
  });
});
