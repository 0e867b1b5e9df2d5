import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backoffDelay,
  FAILURE_LAYER,
  isRetryable,
  outcomeUnknown,
  wasRefusedUnprocessed,
  type FailureFacts,
} from '../../../src/core/retry.js';

describe('isRetryable', () => {
  const table: [FailureFacts, boolean][] = [
    [{ layer: FAILURE_LAYER.transport }, true],
    [{ layer: FAILURE_LAYER.http, httpStatus: 429 }, true],
    [{ layer: FAILURE_LAYER.http, httpStatus: 500 }, true],
    [{ layer: FAILURE_LAYER.http, httpStatus: 502 }, true],
    [{ layer: FAILURE_LAYER.http, httpStatus: 503 }, true],
    [{ layer: FAILURE_LAYER.http, httpStatus: 504 }, true],
    [{ layer: FAILURE_LAYER.http, httpStatus: 400 }, false],
    [{ layer: FAILURE_LAYER.http, httpStatus: 401 }, false],
    [{ layer: FAILURE_LAYER.http, httpStatus: 404 }, false],
    [{ layer: FAILURE_LAYER.http, httpStatus: 405 }, false],
    [{ layer: FAILURE_LAYER.http, httpStatus: 501 }, false],
    [{ layer: FAILURE_LAYER.irods, httpStatus: 200 }, false],
    [{ layer: FAILURE_LAYER.irods, httpStatus: 200, irodsCode: -818000 }, false],
    [{ layer: FAILURE_LAYER.irods, httpStatus: 200, irodsCode: -1803000 }, true],
    [{ layer: FAILURE_LAYER.irods, httpStatus: 200, irodsCode: -1803002 }, true],
    [{ layer: FAILURE_LAYER.client }, false],
  ];
  for (const [facts, expected] of table) {
    it(`classifies ${facts.layer} ${facts.httpStatus ?? ''} ${facts.irodsCode ?? ''} as ${expected ? 'retryable' : 'permanent'}`, () => {
      assert.equal(isRetryable(facts), expected);
    });
  }
});

describe('wasRefusedUnprocessed', () => {
  it('is true only for 429 and 503 answers', () => {
    assert.equal(wasRefusedUnprocessed({ layer: FAILURE_LAYER.http, httpStatus: 429 }), true);
    assert.equal(wasRefusedUnprocessed({ layer: FAILURE_LAYER.http, httpStatus: 503 }), true);
    assert.equal(wasRefusedUnprocessed({ layer: FAILURE_LAYER.http, httpStatus: 500 }), false);
    assert.equal(wasRefusedUnprocessed({ layer: FAILURE_LAYER.transport }), false);
  });
});

describe('outcomeUnknown', () => {
  it('is true without an answer and for a 5xx that is not a refusal', () => {
    const table: [FailureFacts, boolean][] = [
      [{ layer: FAILURE_LAYER.transport }, true],
      [{ layer: FAILURE_LAYER.http, httpStatus: 500 }, true],
      [{ layer: FAILURE_LAYER.http, httpStatus: 502 }, true],
      [{ layer: FAILURE_LAYER.http, httpStatus: 503 }, false],
      [{ layer: FAILURE_LAYER.http, httpStatus: 429 }, false],
      [{ layer: FAILURE_LAYER.http, httpStatus: 400 }, false],
      [{ layer: FAILURE_LAYER.irods, irodsCode: -1803000 }, false],
      [{ layer: FAILURE_LAYER.client }, false],
    ];
    for (const [facts, unknown] of table) {
      assert.equal(outcomeUnknown(facts), unknown, JSON.stringify(facts));
    }
  });
});

describe('backoffDelay', () => {
  const policy = { baseMs: 100, maxMs: 1_000 };

  it('doubles with each attempt, between half and all of the ceiling', () => {
    const table: [number, number, number][] = [
      // attempt, delay with random 0, delay with random just below 1
      [1, 50, 100],
      [2, 100, 200],
      [3, 200, 400],
      [4, 400, 800],
    ];
    for (const [attempt, low, high] of table) {
      assert.equal(backoffDelay(attempt, policy, 0), low);
      assert.equal(backoffDelay(attempt, policy, 0.999999), high);
    }
  });

  it('never exceeds the maximum', () => {
    assert.equal(backoffDelay(30, policy, 0.999999), 1_000);
    assert.equal(backoffDelay(30, policy, 0), 500);
  });

  it('spreads clients that failed together', () => {
    assert.notEqual(backoffDelay(3, policy, 0.1), backoffDelay(3, policy, 0.9));
  });
});
