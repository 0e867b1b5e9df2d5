import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, buildConfig } from './config.js';

describe('emulator config', () => {
  it('has the real server defaults', () => {
    const config = buildConfig();
    assert.equal(config.http_server.authentication.basic.timeout_in_seconds, 3600);
    assert.equal(config.http_server.requests.max_size_of_request_body_in_bytes, 8388608);
    assert.equal(config.irods_client.max_number_of_parallel_write_streams, 15);
    assert.equal(config.irods_client.max_number_of_streams_per_parallel_write_handle, 3);
    assert.equal(config.irods_client.max_number_of_rows_per_catalog_query, 15);
    assert.equal(config.emulator.dstream_exposes_irods_error_codes, false);
  });

  it('deep-merges overrides without touching siblings', () => {
    const config = buildConfig({
      http_server: { requests: { max_size_of_request_body_in_bytes: 1024 } },
    });
    assert.equal(config.http_server.requests.max_size_of_request_body_in_bytes, 1024);
    assert.equal(config.http_server.requests.timeout_in_seconds, 30);
    assert.equal(DEFAULT_CONFIG.http_server.requests.max_size_of_request_body_in_bytes, 8388608);
  });

  it('names an unknown key', () => {
    assert.throws(
      () => buildConfig({ http_server: { request: {} } }),
      /unknown config key "http_server.request"/,
    );
  });

  it('names a wrongly typed key', () => {
    assert.throws(
      () => buildConfig({ emulator: { dstream_exposes_irods_error_codes: 'yes' } }),
      /"emulator.dstream_exposes_irods_error_codes" must be a boolean/,
    );
  });

  it('refuses a per-handle stream limit above the server-wide one', () => {
    assert.throws(
      () => buildConfig({ irods_client: { max_number_of_streams_per_parallel_write_handle: 16 } }),
      /must not exceed/,
    );
  });

  it('is frozen', () => {
    assert.ok(Object.isFrozen(buildConfig().http_server.requests));
  });
});
