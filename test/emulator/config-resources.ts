/**
 * The resources an emulator config declares (`emulator.resources`): what a real zone's catalog
 * holds after `iadmin mkresc` and `iadmin addchildtoresc`. Each entry is checked here, once, and
 * every error names the entry and key (`emulator.resources[2].parent`).
 *
 * Entry keys: `name`, `type` (unixfilesystem, s3, passthru, replication), `host` (storage
 * resources; default this machine's name), `vault_path` (unixfilesystem: default
 * `<root>/vault/<name>`; s3: required, `/bucket/prefix`), `context` (s3: the S3 plugin's context
 * string, see s3-storage.ts), `parent` (a coordinating resource declared in the same list) and
 * `parent_context`.
 */
import { ConfigError } from './config-error.js';

export interface ResourceDeclaration {
  readonly name: string;
  readonly type: 'unixfilesystem' | 's3' | 'passthru' | 'replication';
  readonly host?: string;
  readonly vault_path?: string;
  readonly context?: string;
  readonly parent?: string;
  readonly parent_context?: string;
}

const KEYS: ReadonlySet<string> = new Set([
  'name',
  'type',
  'host',
  'vault_path',
  'context',
  'parent',
  'parent_context',
]);
const TYPES: ReadonlySet<string> = new Set(['unixfilesystem', 's3', 'passthru', 'replication']);
const COORDINATING: ReadonlySet<string> = new Set(['passthru', 'replication']);

const KEY = 'emulator.resources';

/** Checks the declarations; `defaultResource` must be one of the declared roots. */
export function checkResourceDeclarations(value: unknown, defaultResource: string): void {
  if (!Array.isArray(value)) throw new ConfigError(`config key "${KEY}" must be an array`, KEY);
  const byName = new Map<string, ResourceDeclaration>();
  value.forEach((entry: unknown, index) => {
    const declaration = checkEntry(entry, `${KEY}[${index}]`);
    if (byName.has(declaration.name)) {
      const key = `${KEY}[${index}].name`;
      throw new ConfigError(`config key "${key}" repeats resource "${declaration.name}"`, key);
    }
    byName.set(declaration.name, declaration);
  });
  value.forEach((entry, index) => checkParent(entry as ResourceDeclaration, index, byName));
  const fallback = byName.get(defaultResource);
  if (!fallback || fallback.parent !== undefined) {
    const key = 'irods_client.default_resource';
    throw new ConfigError(
      `config key "${key}" names "${defaultResource}", which is not a root resource of ${KEY}`,
      key,
    );
  }
}

function checkEntry(entry: unknown, at: string): ResourceDeclaration {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ConfigError(`config key "${at}" must be an object`, at);
  }
  for (const [key, field] of Object.entries(entry)) {
    if (!KEYS.has(key)) throw new ConfigError(`unknown config key "${at}.${key}"`, `${at}.${key}`);
    if (typeof field !== 'string') {
      throw new ConfigError(`config key "${at}.${key}" must be a string`, `${at}.${key}`);
    }
  }
  const declaration = entry as ResourceDeclaration;
  if (declaration.name === undefined || !/^\S+$/.test(declaration.name)) {
    throw new ConfigError(
      `config key "${at}.name" must be a resource name without whitespace`,
      `${at}.name`,
    );
  }
  if (declaration.type === undefined || !TYPES.has(declaration.type)) {
    throw new ConfigError(
      `config key "${at}.type" must be one of unixfilesystem, s3, passthru, replication`,
      `${at}.type`,
    );
  }
  if (declaration.type === 's3') {
    if (declaration.vault_path === undefined || !/^\/[^/]+(\/.*)?$/.test(declaration.vault_path)) {
      throw new ConfigError(
        `config key "${at}.vault_path" must be /bucket or /bucket/prefix for an s3 resource`,
        `${at}.vault_path`,
      );
    }
    if (!declaration.context?.includes('S3_DEFAULT_HOSTNAME=')) {
      throw new ConfigError(
        `config key "${at}.context" must give S3_DEFAULT_HOSTNAME for an s3 resource`,
        `${at}.context`,
      );
    }
  }
  if (declaration.vault_path !== undefined && !declaration.vault_path.startsWith('/')) {
    throw new ConfigError(
      `config key "${at}.vault_path" must be an absolute path`,
      `${at}.vault_path`,
    );
  }
  return declaration;
}

function checkParent(
  declaration: ResourceDeclaration,
  index: number,
  byName: ReadonlyMap<string, ResourceDeclaration>,
): void {
  if (declaration.parent === undefined) return;
  const key = `${KEY}[${index}].parent`;
  const parent = byName.get(declaration.parent);
  if (!parent || !COORDINATING.has(parent.type)) {
    throw new ConfigError(
      `config key "${key}" must name a passthru or replication resource of ${KEY}`,
      key,
    );
  }
  const seen = new Set<string>([declaration.name]);
  for (let at: ResourceDeclaration | undefined = parent; at; at = byName.get(at.parent ?? '')) {
    if (seen.has(at.name)) {
      throw new ConfigError(`config key "${key}" makes a cycle through "${at.name}"`, key);
    }
    seen.add(at.name);
  }
}
