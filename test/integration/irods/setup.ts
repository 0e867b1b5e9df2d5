/** Shared pieces of the iRODS client's integration tests (each file starts its own emulator). */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { IrodsClient, type IrodsClientOptions } from '../../../src/irods/index.js';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';

export const HOME = '/tempZone/home/rods';
export const PASSWORD = 'rods';

export async function connect(
  emulator: TestEmulator,
  options: Partial<IrodsClientOptions> = {},
): Promise<IrodsClient> {
  const client = new IrodsClient({
    url: emulator.url,
    username: 'rods',
    password: PASSWORD,
    backoff: { baseMs: 5, maxMs: 50 },
    ...options,
  });
  await client.connect();
  return client;
}

/** A fresh collection path under the rods home for one test. */
export function testCollection(name: string): string {
  return `${HOME}/${name}-${randomUUID().slice(0, 8)}`;
}

/** A temporary local directory; `removeLocalDir` removes it. */
export async function localDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'irods-client-test-'));
}

export async function removeLocalDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function localFile(
  dir: string,
  name: string,
  content: Buffer | string,
): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

export function sha2(content: Buffer | string): string {
  return `sha2:${createHash('sha256').update(content).digest('base64')}`;
}

/** Bytes that differ from chunk to chunk, so misplaced chunks change the checksum. */
export function patterned(size: number): Buffer {
  const out = Buffer.allocUnsafe(Math.ceil(size / 4) * 4);
  for (let i = 0; i < out.length; i += 4) out.writeUInt32LE((i * 2654435761) >>> 0, i);
  return out.subarray(0, size);
}

/** What the tests of one `describe` block share: an emulator, a connected client, a local dir. */
export interface ClientFixture {
  emulator: TestEmulator;
  client: IrodsClient;
  dir: string;
}

/**
 * Starts the fixture before the block's tests and removes it after them, also when one fails.
 * Its fields are set once the block's `before` hook has run.
 */
export function useClientFixture(options: Partial<IrodsClientOptions> = {}): ClientFixture {
  const fixture = {} as ClientFixture;
  before(async () => {
    fixture.emulator = await startEmulator();
    fixture.client = await connect(fixture.emulator, options);
    fixture.dir = await localDir();
  });
  after(async () => {
    await fixture.client?.close();
    await fixture.emulator?.stop();
    if (fixture.dir !== undefined) await removeLocalDir(fixture.dir);
  });
  return fixture;
}

/**
 * Creates a rodsuser with the password `plain-password` through the API as rods (the client has
 * no user administration).
 */
export async function createUser(url: string, name: string): Promise<void> {
  const token = await (
    await fetch(`${url}/authenticate`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('rods:rods').toString('base64')}` },
    })
  ).text();
  const requests: Record<string, string>[] = [
    { op: 'create_user', name, zone: 'tempZone' },
    { op: 'set_password', name, zone: 'tempZone', 'new-password': 'plain-password' },
  ];
  for (const params of requests) {
    const res = await fetch(`${url}/users-groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new URLSearchParams(params),
    });
    assert.equal(res.status, 200);
  }
}
