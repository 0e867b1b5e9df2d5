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

  it('declares demoResc and the SHA256 hash scheme by default', () => {
    const config = buildConfig();
    assert.deepEqual(config.emulator.resources, [{ name: 'demoResc', type: 'unixfilesystem' }]);
    assert.equal(config.irods_server.default_hash_scheme, 'SHA256');
    assert.equal(
      buildConfig({ irods_server: { default_hash_scheme: 'MD5' } }).irods_server
        .default_hash_scheme,
      'MD5',
    );
  });

  it('names a hash scheme the server does not have', () => {
    assert.throws(
      () => buildConfig({ irods_server: { default_hash_scheme: 'SHA512' } }),
      /"irods_server.default_hash_scheme" must be SHA256 or MD5/,
    );
  });

  it('checks each declared resource and names the entry at fault', () => {
    const withResources = (resources: unknown[]) =>
      buildConfig({
        emulator: { resources: [{ name: 'demoResc', type: 'unixfilesystem' }, ...resources] },
      });
    const cases: [unknown[], RegExp][] = [
      [[{ name: 'x', type: 'compound' }], /"emulator.resources\[1\].type" must be one of/],
      [
        [{ name: 'x', type: 'passthru', size: '1' }],
        /unknown config key "emulator.resources\[1\].size"/,
      ],
      [
        [{ name: 'demoResc', type: 'passthru' }],
        /"emulator.resources\[1\].name" repeats resource "demoResc"/,
      ],
      [
        [{ name: 'x', type: 'unixfilesystem', parent: 'demoResc' }],
        /"emulator.resources\[1\].parent" must name a passthru or replication/,
      ],
      [
        [{ name: 'x', type: 's3', vault_path: 'bucket' }],
        /"emulator.resources\[1\].vault_path" must be \/bucket/,
      ],
      [
        [{ name: 'x', type: 's3', vault_path: '/bucket' }],
        /"emulator.resources\[1\].context" must give S3_DEFAULT_HOSTNAME/,
      ],
      [
        [
          { name: 'a', type: 'passthru', parent: 'b' },
          { name: 'b', type: 'passthru', parent: 'a' },
        ],
        /makes a cycle/,
      ],
      [
        [{ name: 'with space', type: 'passthru' }],
        /"emulator.resources\[1\].name" must be a resource name/,
      ],
    ];
    for (const [resources, message] of cases)
      assert.throws(() => withResources(resources), message);
    assert.throws(
      () => buildConfig({ emulator: { resources: [{ name: 'other', type: 'unixfilesystem' }] } }),
      /"irods_client.default_resource" names "demoResc", which is not a root resource/,
    );
    assert.throws(
      () => buildConfig({ emulator: { resources: {} } }),
      /"emulator.resources" must be an array/,
    );
  });

  it('is frozen', () => {
    assert.ok(Object.isFrozen(buildConfig().http_server.requests));
  });
});
