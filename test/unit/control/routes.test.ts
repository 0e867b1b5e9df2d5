import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerOf, ControlError } from '../../../src/control/http-errors.js';
import { matchRoute, MethodNotAllowed } from '../../../src/control/routes.js';

function refused(method: string, url: string, status: number, code: string, pattern?: RegExp) {
  assert.throws(
    () => matchRoute(method, url),
    (error: unknown) =>
      error instanceof ControlError &&
      error.status === status &&
      error.wire === code &&
      (pattern === undefined || pattern.test(error.message)),
  );
}

describe('matchRoute', () => {
  it('names every route of the control API', () => {
    const table: [string, string, unknown][] = [
      ['GET', '/v1/status', { name: 'status' }],
      ['GET', '/v1/jobs', { name: 'jobs' }],
      ['POST', '/v1/jobs', { name: 'start' }],
      ['GET', '/v1/jobs/m1', { name: 'job', job: 'm1' }],
      ['POST', '/v1/jobs/m1/stop', { name: 'action', job: 'm1', action: 'stop' }],
      ['POST', '/v1/jobs/m1/pause', { name: 'action', job: 'm1', action: 'pause' }],
      ['POST', '/v1/jobs/m1/resume', { name: 'action', job: 'm1', action: 'resume' }],
      ['POST', '/v1/jobs/m1/rescan', { name: 'action', job: 'm1', action: 'rescan' }],
      ['POST', '/v1/jobs/m1/retry', { name: 'action', job: 'm1', action: 'retry' }],
      ['POST', '/v1/jobs/m1/allow-deletes', { name: 'action', job: 'm1', action: 'allow-deletes' }],
      ['GET', '/v1/jobs/m1/failures', { name: 'failures', job: 'm1', limit: 100 }],
      ['POST', '/v1/reload', { name: 'reload' }],
      ['POST', '/v1/drain', { name: 'drain' }],
      ['GET', '/v1/events', { name: 'events' }],
      ['GET', '/v1/config', { name: 'config' }],
    ];
    for (const [method, url, route] of table)
      assert.deepEqual(matchRoute(method, url), route, `${method} ${url}`);
  });

  it('percent-decodes job names, slashes and all', () => {
    assert.deepEqual(matchRoute('GET', '/v1/jobs/a%20b%2Fc%25'), { name: 'job', job: 'a b/c%' });
    assert.deepEqual(matchRoute('POST', '/v1/jobs/%E6%97%A5/pause'), {
      name: 'action',
      job: '日',
      action: 'pause',
    });
  });

  it('reads the failure page from the query', () => {
    assert.deepEqual(matchRoute('GET', '/v1/jobs/m1/failures?limit=5&cursor=abc%3D'), {
      name: 'failures',
      job: 'm1',
      limit: 5,
      cursor: 'abc=',
    });
    refused('GET', '/v1/jobs/m1/failures?limit=0', 400, 'bad-request', /limit must be/);
    refused('GET', '/v1/jobs/m1/failures?limit=10001', 400, 'bad-request');
    refused('GET', '/v1/jobs/m1/failures?limit=-3', 400, 'bad-request');
    refused('GET', `/v1/jobs/m1/failures?cursor=${'x'.repeat(1001)}`, 400, 'bad-request', /cursor/);
  });

  it('answers 404 for unknown paths and 405 with the allowed methods for known ones', () => {
    refused('GET', '/v1/nope', 404, 'not-found', /no such route: GET \/v1\/nope/);
    refused('GET', '/status', 404, 'not-found');
    refused('GET', '/v1/jobs/', 404, 'not-found');
    refused('POST', '/v1/jobs/m1/explode', 404, 'not-found');
    refused('GET', '*', 404, 'not-found');
    refused('DELETE', '/v1/status', 405, 'method-not-allowed', /use GET/);
    assert.throws(
      () => matchRoute('GET', '/v1/jobs/m1/stop'),
      (error: unknown) => error instanceof MethodNotAllowed && error.allow.join() === 'POST',
    );
    assert.throws(
      () => matchRoute('PUT', '/v1/jobs'),
      (error: unknown) => error instanceof MethodNotAllowed && error.allow.join() === 'GET,POST',
    );
  });

  it('refuses broken percent-encoding', () => {
    refused('GET', '/v1/jobs/%E6%97', 400, 'bad-request', /malformed percent-encoding/);
  });

  it('never echoes a huge path back in full', () => {
    assert.throws(
      () => matchRoute('GET', `/v1/${'a'.repeat(10_000)}`),
      (error: unknown) => error instanceof ControlError && error.message.length < 320,
    );
  });
});

describe('answerOf', () => {
  it('maps ControlError codes to their statuses', () => {
    const cases = [
      ['BAD_REQUEST', 'bad-request', 400],
      ['NOT_FOUND', 'not-found', 404],
      ['CONFLICT', 'conflict', 409],
      ['UNAVAILABLE', 'unavailable', 503],
    ] as const;
    for (const [thrown, code, status] of cases) {
      const answer = answerOf(new ControlError(thrown, 'why'));
      assert.equal(answer.status, status);
      assert.equal(answer.body(), `{"error":{"code":"${code}","message":"why"}}\n`);
    }
  });

  it('turns anything else into 500 internal with the message and no stack', () => {
    const answer = answerOf(new TypeError('boom'));
    assert.equal(answer.status, 500);
    assert.deepEqual(JSON.parse(answer.body()), { error: { code: 'internal', message: 'boom' } });
    assert.equal(answerOf('plain').message, 'plain');
  });
});
