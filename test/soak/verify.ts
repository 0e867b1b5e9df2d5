/**
 * The soak's end checks, once the daemon settled: iRODS equals each source exactly, and no file
 * was sent more often than it changed.
 *
 * - Every file is one data object at its mirrored path with one replica, the file's size and the
 *   SHA-256 of its bytes (recomputed by the server from what it stores: the vault copy of an
 *   upload, the file itself for a registration); a registration's physical path is the file.
 * - Every directory is a collection, and nothing else is below the target.
 * - Duplicates: per path, the emulator's content log (closed writes for `put_sync`; registers and
 *   size updates for `register`) against the writer's versions of that path. More sends than
 *   versions means a version went twice. A pair of sends of the same size with a `kill -9` of a
 *   daemon shortly after the first is the at-least-once delivery the design allows (the killed
 *   daemon could not record what it had sent); those are counted apart as explained.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IrodsClient } from '../../src/irods/index.js';
import type { ContentEntry } from '../emulator/content-log.js';
import type { SoakJob } from './rig.js';

export interface JobCheck {
  readonly job: string;
  readonly files: number;
  readonly bytes: number;
  readonly dirs: number;
  /** Files in the source with no data object: lost. */
  readonly missing: string[];
  /** Objects whose size, checksum, replica count or physical path is not the file's. */
  readonly wrong: string[];
  /** Objects and collections below the target that the source no longer has. */
  readonly extra: string[];
  /** Directories with no collection. */
  readonly missingDirs: string[];
  readonly duplicates: { unexplained: string[]; explained: string[] };
}

/** A send of a path's previous version this long before a kill counts as the killed one's. */
const KILL_WINDOW_MS = 60_000;

export async function checkJob(
  job: SoakJob,
  versions: ReadonlyMap<string, number>,
  writes: Readonly<Record<string, ContentEntry[]>>,
  kills: readonly number[],
  irodsUrl: string,
  /** The start of the writing phase (ms since the epoch), for the times in duplicate lines. */
  startedAt: number,
): Promise<JobCheck> {
  const source = await walk(job.source);
  const client = new IrodsClient({ url: irodsUrl, username: 'rods', password: 'rods' });
  await client.connect();
  try {
    const rows = [
      ...(await objectRows(client, { column: 'COLL_NAME', op: '=', value: job.target })),
      ...(await objectRows(client, { column: 'COLL_NAME', op: 'like', value: `${job.target}/%` })),
    ];
    const objects = new Map<string, { size: number; path: string; replicas: number }>();
    for (const row of rows) {
      const rel = `${row.COLL_NAME}/${row.DATA_NAME}`.slice(job.target.length + 1);
      const seen = objects.get(rel);
      objects.set(rel, {
        size: Number(row.DATA_SIZE),
        path: row.DATA_PATH,
        replicas: (seen?.replicas ?? 0) + 1,
      });
    }
    const missing = [...source.files.keys()].filter((rel) => !objects.has(rel));
    const extra = [...objects.keys()].filter((rel) => !source.files.has(rel));
    const wrong: string[] = [];
    for (const [rel, file] of source.files) {
      const object = objects.get(rel);
      if (object === undefined) continue;
      const problems: string[] = [];
      if (object.replicas !== 1) problems.push(`${object.replicas} replicas`);
      if (object.size !== file.size) problems.push(`size ${object.size}, file ${file.size}`);
      if (job.operation === 'register' && object.path !== join(job.source, rel)) {
        problems.push(`registered at ${object.path}`);
      }
      const checksum = await client.dataObjects.calculateChecksum(`${job.target}/${rel}`, {
        force: true,
      });
      if (checksum !== file.sha2) problems.push(`checksum ${checksum}, file ${file.sha2}`);
      if (problems.length > 0) wrong.push(`${rel}: ${problems.join(', ')}`);
    }
    const collections = await collectionsBelow(client, job.target);
    const missingDirs = [...source.dirs].filter((rel) => !collections.has(rel));
    extra.push(...[...collections].filter((rel) => !source.dirs.has(rel)).map((rel) => `${rel}/`));
    return {
      job: job.name,
      files: source.files.size,
      bytes: [...source.files.values()].reduce((sum, file) => sum + file.size, 0),
      dirs: source.dirs.size,
      missing,
      wrong,
      extra,
      missingDirs,
      duplicates: duplicates(job, versions, writes, kills, startedAt),
    };
  } finally {
    await client.close();
  }
}

function duplicates(
  job: SoakJob,
  versions: ReadonlyMap<string, number>,
  writes: Readonly<Record<string, ContentEntry[]>>,
  kills: readonly number[],
  startedAt: number,
): JobCheck['duplicates'] {
  const kinds = job.operation === 'put_sync' ? ['write'] : ['register', 'modify'];
  const unexplained: string[] = [];
  const explained: string[] = [];
  for (const [path, entries] of Object.entries(writes)) {
    if (!path.startsWith(`${job.target}/`)) continue;
    const rel = path.slice(job.target.length + 1);
    const sends = entries.filter((entry) => kinds.includes(entry.kind));
    const excess = sends.length - (versions.get(rel) ?? 0);
    if (excess <= 0) continue;
    let afterKill = 0;
    for (let i = 1; i < sends.length; i++) {
      const [previous, current] = [sends[i - 1]!, sends[i]!];
      const killed = kills.some(
        (at) => at >= previous.at && at <= current.at && at - previous.at <= KILL_WINDOW_MS,
      );
      if (killed && previous.size === current.size) afterKill++;
    }
    const sent = sends.map((send) => `${send.size} B at ${clock(send.at - startedAt)}`);
    const line = `${rel}: ${versions.get(rel) ?? 0} versions, sent ${sends.length} times (${sent.join(', ')})`;
    const byKill = Math.min(excess, afterKill);
    for (let i = 0; i < byKill; i++) explained.push(line);
    for (let i = byKill; i < excess; i++) unexplained.push(line);
  }
  return { unexplained, explained };
}

type Condition = { column: string; op: '=' | 'like'; value: string };

async function objectRows(client: IrodsClient, where: Condition) {
  return client.query.rows({
    select: ['COLL_NAME', 'DATA_NAME', 'DATA_REPL_NUM', 'DATA_SIZE', 'DATA_PATH'],
    where: [where],
  });
}

async function collectionsBelow(client: IrodsClient, target: string): Promise<Set<string>> {
  const rows = await client.query.rows({
    select: ['COLL_NAME'],
    where: [{ column: 'COLL_NAME', op: 'like', value: `${target}/%` }],
  });
  return new Set(rows.map((row) => row.COLL_NAME.slice(target.length + 1)));
}

interface SourceTree {
  readonly files: Map<string, { size: number; sha2: string }>;
  readonly dirs: Set<string>;
}

async function walk(root: string): Promise<SourceTree> {
  const tree: SourceTree = { files: new Map(), dirs: new Set() };
  const visit = async (rel: string) => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        tree.dirs.add(child);
        await visit(child);
      } else if (entry.isFile()) {
        const path = join(root, child);
        tree.files.set(child, { size: (await stat(path)).size, sha2: await sha2Of(path) });
      }
    }
  };
  await visit('');
  return tree;
}

async function sha2Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha2:${hash.digest('base64')}`;
}

/** m:ss.s after the start of the writing phase. */
function clock(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}:${((ms - minutes * 60_000) / 1000).toFixed(1).padStart(4, '0')}`;
}
