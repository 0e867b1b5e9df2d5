import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILURE_LAYER } from '../../../src/core/retry.js';
import { irodsErrorLabel } from '../../../src/irods/error-label.js';
import { IrodsError } from '../../../src/irods/errors.js';

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
