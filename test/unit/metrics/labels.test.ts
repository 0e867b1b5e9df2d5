import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILURE_LAYER } from '../../../src/core/retry.js';
import { IrodsError } from '../../../src/irods/errors.js';
import { irodsErrorLabel, parseListen } from '../../../src/metrics/index.js';
import { usedMemoryOf } from '../../../src/metrics/redis-health.js';

const failure = { op: 'stat', action: 'stat of data object', path: '/z/a' };

describe('iRODS error label', () => {
  it('names iRODS errors, then HTTP statuses, then transport causes', () => {
    const table: [unknown, string][] = [
      [
        new IrodsError({ ...failure, layer: FAILURE_LAYER.irods, irodsCode: -818000 }),
        'CAT_NO_ACCESS_PERMISSION',
      ],
      [
        new IrodsError({ ...failure, layer: FAILURE_LAYER.irods, irodsCode: -358002 }),
        'OBJ_PATH_DOES_NOT_EXIST',
      ],
      [new IrodsError({ ...failure, layer: FAILURE_LAYER.irods, irodsCode: -999013 }), '-999000'],
      [
        new IrodsError({
          ...failure,
          layer: FAILURE_LAYER.http,
          httpStatus: 404,
          irodsCode: -808000,
        }),
        'CAT_NO_ROWS_FOUND',
      ],
      [new IrodsError({ ...failure, layer: FAILURE_LAYER.http, httpStatus: 503 }), 'HTTP_503'],
      [
        new IrodsError({
          ...failure,
          layer: FAILURE_LAYER.transport,
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        }),
        'ECONNREFUSED',
      ],
      [new IrodsError({ ...failure, layer: FAILURE_LAYER.transport }), 'IRODS_TRANSPORT'],
      [new IrodsError({ ...failure, layer: FAILURE_LAYER.client }), 'IRODS_BAD_RESPONSE'],
      [
        Object.assign(new Error('timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
        'UND_ERR_HEADERS_TIMEOUT',
      ],
      [new Error('bug'), 'UNKNOWN'],
      ['a string', 'UNKNOWN'],
    ];
    for (const [error, label] of table) assert.equal(irodsErrorLabel(error), label, label);
  });
});

describe('metrics listen address', () => {
  it('takes host:port and [ipv6]:port, port 0 included', () => {
    assert.deepEqual(parseListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListen('[::1]:9464'), { host: '::1', port: 9464 });
    assert.deepEqual(parseListen('[::]:0'), { host: '::', port: 0 });
    assert.deepEqual(parseListen('metrics.local:80'), { host: 'metrics.local', port: 80 });
  });

  it('refuses anything else, naming the string', () => {
    for (const listen of ['', '9464', ':9464', 'host:', '::1:9464', '[::1]', 'h:65536', 'h:1x']) {
      assert.throws(() => parseListen(listen), { code: 'METRICS_LISTEN', listen }, listen);
    }
  });
});

describe('Redis used memory', () => {
  it('reads used_memory from INFO memory and nothing else', () => {
    const info =
      '# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_rss:2000\r\n';
    assert.equal(usedMemoryOf(info), 1048576);
    assert.equal(usedMemoryOf('# Memory\r\nused_memory_rss:2000\r\n'), undefined);
  });
});
