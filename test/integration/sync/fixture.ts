/**
 * What the sync integration tests share: one emulator and one iRODS client per test file, the
 * daemons and temporary directories a file started (all stopped and removed after it), source
 * trees written from a small description, and the facts the tests compare with iRODS.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import type { Counts } from '../../../src/core/counters.js';
import { ENTITY, IrodsClient } from '../../../src/irods/index.js';
import { startEmulator, type EmulatorOptions, type TestEmulator } from '../../helpers/emulator.js';
import {
  startIngestd,
  type Ingestd,
  type IngestdSpec,
  type LogEvent,
} from '../../helpers/ingestd.js';

export interface SyncFixture {
  readonly emulator: TestEmulator;
  readonly client: IrodsClient;
  /** A new temporary directory, removed after the test file. */
  tempDir(prefix: string): Promise<string>;
  /** Starts the daemon against this file's emulator; killed and cleaned up after the file. */
  daemon(spec: Omit<IngestdSpec, 'emulator'>): Promise<Ingestd>;
}

/**
 * Sets up the emulator and client before the tests of the enclosing describe, tears down after.
 * `emulatorOptions` runs first in that setup (e.g. to start an S3 server its resources name).
 */
export function useSyncFixture(emulatorOptions?: () => Promise<EmulatorOptions>): SyncFixture {
  const dirs: string[] = [];
  const daemons: Ingestd[] = [];
  let emulator: TestEmulator | undefined;
  let client: IrodsClient | undefined;
  before(async () => {
    emulator = await startEmulator(await emulatorOptions?.());
    client = new IrodsClient({ url: emulator.url, username: 'rods', password: 'rods' });
    await client.connect();
  });
  after(async () => {
    for (const daemon of daemons) {
      await daemon.kill();
      await daemon.cleanUp();
    }
    await client?.close();
    await emulator?.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const started = () => {
    if (emulator === undefined) throw new Error('the emulator starts in before()');
    return emulator;
  };
  return {
    get emulator() {
      return started();
    },
    get client() {
      if (client === undefined) throw new Error('the client connects in before()');
      return client;
    },
    async tempDir(prefix) {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    async daemon(spec) {
      const daemon = await startIngestd({ emulator: started(), ...spec });
      daemons.push(daemon);
      return daemon;
    },
  };
}

/**
 * A source tree: a key ending in `/` is a directory (empty unless other keys lie below it), any
 * other key a file with that content. `mtime` (seconds) is given to every file written.
 */
export async function writeTree(
  root: string,
  entries: Record<string, string | Uint8Array>,
  mtime?: number,
): Promise<void> {
  for (const [rel, content] of Object.entries(entries)) {
    const path = join(root, rel);
    if (rel.endsWith('/')) {
      await mkdir(path, { recursive: true });
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    if (mtime !== undefined) await utimes(path, mtime, mtime);
  }
}

/** `sha2:` + base64 SHA-256, the form iRODS reports checksums in. */
export function sha2(bytes: string | Uint8Array): string {
  return `sha2:${createHash('sha256').update(bytes).digest('base64')}`;
}

/** Deterministic pseudo-random bytes, so that a failing comparison can be reproduced. */
export function bytesOf(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

export const PASS_COUNTS = ['seen', 'new', 'updated', 'deleted', 'excluded', 'failed'] as const;
export type PassCounts = Pick<Counts, (typeof PASS_COUNTS)[number]>;

/** The counters of a pass summary event, for one deepEqual. */
export function countsOf(summary: LogEvent): PassCounts {
  const counts = {} as PassCounts;
  for (const key of PASS_COUNTS) counts[key] = Number(summary[key]);
  return counts;
}

/** A pass summary's counters, with zero for those not given. */
export function expected(counts: Partial<PassCounts>): PassCounts {
  return { seen: 0, new: 0, updated: 0, deleted: 0, excluded: 0, failed: 0, ...counts };
}

/** Names (last path elements) of a collection's entries. */
export async function namesIn(client: IrodsClient, collection: string): Promise<string[]> {
  const entries = await client.collections.list(collection);
  return entries.map((entry) => entry.slice(entry.lastIndexOf('/') + 1)).sort();
}

/** What a test checks of a data object; bytes are left out for paths with `+` (no GET read). */
export interface ObjectFacts {
  size: number;
  checksum: string;
  modifiedAt: number;
  bytes?: Buffer;
  avus: Record<string, string>;
}

/** The data object's facts, or undefined when there is none. */
export async function objectFacts(
  client: IrodsClient,
  path: string,
): Promise<ObjectFacts | undefined> {
  const stat = await client.dataObjects.stat(path);
  if (stat === undefined) return undefined;
  const avus: Record<string, string> = {};
  for (const avu of await client.metadata.list(ENTITY.dataObject, path)) {
    avus[avu.attribute] = avu.value;
  }
  const facts: ObjectFacts = {
    size: stat.size,
    checksum: stat.checksum,
    modifiedAt: stat.modifiedAt,
    avus,
  };
  if (!path.includes('+')) facts.bytes = await client.dataObjects.read(path);
  return facts;
}

/** Marks a promise handled now (tests await it later), so an early rejection is not "unhandled". */
export function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
