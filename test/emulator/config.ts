/**
 * Emulator configuration: the real HTTP API's keys (spec §6) with the same names, nesting and
 * defaults, the iRODS server's `default_hash_scheme` (server_config.json's name and values) under
 * `irods_server`, and an `emulator` section for what only the emulator has, among them the
 * resources of the zone (config-resources.ts). A --config JSON file is deep-merged over the
 * defaults (a list replaces the default list); unknown keys and wrongly typed values are errors
 * naming the key. The result is validated once and frozen.
 */
import { HASH_SCHEMES, type HashScheme } from './checksum.js';
import { ConfigError } from './config-error.js';
import { checkResourceDeclarations, type ResourceDeclaration } from './config-resources.js';

export { ConfigError } from './config-error.js';
export type { ResourceDeclaration } from './config-resources.js';

export interface EmulatorConfig {
  readonly http_server: {
    readonly authentication: {
      readonly eviction_check_interval_in_seconds: number;
      readonly basic: { readonly timeout_in_seconds: number };
    };
    readonly requests: {
      readonly max_size_of_request_body_in_bytes: number;
      readonly timeout_in_seconds: number;
    };
  };
  readonly irods_client: {
    readonly zone: string;
    readonly proxy_admin_account: { readonly username: string; readonly password: string };
    readonly default_resource: string;
    readonly max_number_of_parallel_write_streams: number;
    readonly max_number_of_streams_per_parallel_write_handle: number;
    readonly max_number_of_bytes_per_read_operation: number;
    readonly max_number_of_bytes_per_write_operation: number;
    readonly max_number_of_rows_per_catalog_query: number;
  };
  readonly irods_server: {
    /** Scheme of computed checksums: SHA256 (`sha2:` + base64) or MD5 (hex), §5.2.10. */
    readonly default_hash_scheme: HashScheme;
  };
  readonly emulator: {
    /** The API version of the route prefix and of /info. */
    readonly version: string;
    /** Release string of the "connected iRODS server", reported by /info to valid tokens. */
    readonly irods_server_version: string;
    /** false: failed opens report INVALID_HANDLE (-175000); true: the real code (§5.2.6). */
    readonly dstream_exposes_irods_error_codes: boolean;
    /** Journal lines after which the catalog is compacted into a new snapshot. */
    readonly journal_compaction_threshold: number;
    /** Resources ensured at start-up; the catalog keeps those created through the API. */
    readonly resources: readonly ResourceDeclaration[];
  };
}

export const DEFAULT_CONFIG: EmulatorConfig = {
  http_server: {
    authentication: {
      eviction_check_interval_in_seconds: 60,
      basic: { timeout_in_seconds: 3600 },
    },
    requests: {
      max_size_of_request_body_in_bytes: 8 * 1024 * 1024,
      timeout_in_seconds: 30,
    },
  },
  irods_client: {
    zone: 'tempZone',
    proxy_admin_account: { username: 'rods', password: 'rods' },
    default_resource: 'demoResc',
    max_number_of_parallel_write_streams: 15,
    max_number_of_streams_per_parallel_write_handle: 3,
    max_number_of_bytes_per_read_operation: 1024 * 1024,
    max_number_of_bytes_per_write_operation: 1024 * 1024,
    max_number_of_rows_per_catalog_query: 15,
  },
  irods_server: {
    default_hash_scheme: HASH_SCHEMES.sha256,
  },
  emulator: {
    version: '0.7.0',
    irods_server_version: 'rods4.3.2',
    dstream_exposes_irods_error_codes: false,
    journal_compaction_threshold: 500_000,
    resources: [{ name: 'demoResc', type: 'unixfilesystem' }],
  },
};

/** Deep-merges `overrides` over the defaults, checking every key and type, and freezes it. */
export function buildConfig(overrides: unknown = {}): EmulatorConfig {
  const merged = mergeChecked(DEFAULT_CONFIG, overrides, '') as EmulatorConfig;
  validate(merged);
  return deepFreeze(merged);
}

function mergeChecked(defaults: unknown, override: unknown, path: string): unknown {
  // A list is replaced as a whole and checked by its own validation.
  if (Array.isArray(defaults)) return override;
  if (isRecord(defaults)) {
    if (!isRecord(override)) {
      throw new ConfigError(`config key "${path || '(root)'}" must be an object`, path);
    }
    const out: Record<string, unknown> = { ...defaults };
    for (const [key, value] of Object.entries(override)) {
      const keyPath = path ? `${path}.${key}` : key;
      if (!(key in defaults)) throw new ConfigError(`unknown config key "${keyPath}"`, keyPath);
      out[key] = mergeChecked(defaults[key], value, keyPath);
    }
    return out;
  }
  if (typeof override !== typeof defaults) {
    throw new ConfigError(`config key "${path}" must be a ${typeof defaults}`, path);
  }
  return override;
}

function validate(config: EmulatorConfig): void {
  const positive: [string, number][] = [
    [
      'http_server.authentication.basic.timeout_in_seconds',
      config.http_server.authentication.basic.timeout_in_seconds,
    ],
    [
      'http_server.requests.max_size_of_request_body_in_bytes',
      config.http_server.requests.max_size_of_request_body_in_bytes,
    ],
    ['http_server.requests.timeout_in_seconds', config.http_server.requests.timeout_in_seconds],
    [
      'irods_client.max_number_of_parallel_write_streams',
      config.irods_client.max_number_of_parallel_write_streams,
    ],
    [
      'irods_client.max_number_of_streams_per_parallel_write_handle',
      config.irods_client.max_number_of_streams_per_parallel_write_handle,
    ],
    [
      'irods_client.max_number_of_bytes_per_read_operation',
      config.irods_client.max_number_of_bytes_per_read_operation,
    ],
    [
      'irods_client.max_number_of_rows_per_catalog_query',
      config.irods_client.max_number_of_rows_per_catalog_query,
    ],
    ['emulator.journal_compaction_threshold', config.emulator.journal_compaction_threshold],
  ];
  for (const [key, value] of positive) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new ConfigError(`config key "${key}" must be a positive number`, key);
    }
  }
  // The real server refuses to start in this case (spec §6).
  if (
    config.irods_client.max_number_of_streams_per_parallel_write_handle >
    config.irods_client.max_number_of_parallel_write_streams
  ) {
    const key = 'irods_client.max_number_of_streams_per_parallel_write_handle';
    throw new ConfigError(
      `config key "${key}" must not exceed irods_client.max_number_of_parallel_write_streams`,
      key,
    );
  }
  const scheme = config.irods_server.default_hash_scheme;
  if (scheme !== HASH_SCHEMES.sha256 && scheme !== HASH_SCHEMES.md5) {
    const key = 'irods_server.default_hash_scheme';
    throw new ConfigError(`config key "${key}" must be SHA256 or MD5`, key);
  }
  checkResourceDeclarations(config.emulator.resources, config.irods_client.default_resource);
  if (!/^\d+\.\d+\.\d+$/.test(config.emulator.version)) {
    throw new ConfigError('config key "emulator.version" must look like 0.7.0', 'emulator.version');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (isRecord(value) || Array.isArray(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return Object.freeze(value);
}
