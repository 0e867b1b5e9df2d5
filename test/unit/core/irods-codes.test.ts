import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  baseErrorCode,
  describeIrodsCode,
  irodsErrorName,
  isIrodsError,
} from '../../../src/core/irods-codes.js';

describe('iRODS error codes', () => {
  it('drops the errno digits toward zero', () => {
    assert.equal(baseErrorCode(-510002), -510000);
    assert.equal(baseErrorCode(-818000), -818000);
    assert.equal(baseErrorCode(-1803999), -1803000);
  });

  it('names known codes whatever errno they carry', () => {
    assert.equal(irodsErrorName(-818000), 'CAT_NO_ACCESS_PERMISSION');
    assert.equal(irodsErrorName(-358002), 'OBJ_PATH_DOES_NOT_EXIST');
    assert.equal(irodsErrorName(-999000), undefined);
  });

  it('matches a code against a name', () => {
    assert.equal(isIrodsError(-808000, 'CAT_NO_ROWS_FOUND'), true);
    assert.equal(isIrodsError(-808013, 'CAT_NO_ROWS_FOUND'), true);
    assert.equal(isIrodsError(-818000, 'CAT_NO_ROWS_FOUND'), false);
    assert.equal(isIrodsError(undefined, 'CAT_NO_ROWS_FOUND'), false);
  });

  it('describes codes for messages', () => {
    assert.equal(describeIrodsCode(-818000), 'CAT_NO_ACCESS_PERMISSION (-818000)');
    assert.equal(describeIrodsCode(-999000), 'iRODS error -999000');
  });
});
