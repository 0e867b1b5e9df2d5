/**
 * Opening, writing and closing a replica for the write ops (spec §5.2.1) and the registry of
 * parallel-write handles (§5.2.3). An open marks the replica intermediate and locks the object
 * (a second writer gets HIERARCHY_ERROR); the close takes the size from storage, sets the mtime
 * to now, clears the checksum, makes the replica good and every other replica stale.
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { hasLevel, isVisible, type Principal } from './acl.js';
import type { Catalog } from './catalog.js';
import { IRODS } from './codes.js';
import { REPLICA_STATUS, nowSeconds, type DataObject, type Replica } from './model.js';

export interface OpenFlags {
  /** Default true: create and truncate. false ("0"): read-write, no create. */
  readonly truncate: boolean;
  readonly append: boolean;
  readonly resource: string | undefined;
  readonly replicaNumber: number | undefined;
}

export interface WriteSession {
  readonly object: DataObject;
  readonly replica: Replica;
  readonly fd: number;
  readonly append: boolean;
  readonly lockId: string;
}

export type OpenOutcome = { ok: true; session: WriteSession } | { ok: false; code: number };

/** Opens `lpath` for writing as `who` with the open flags of §5.2.1. */
export function openForWrite(
  catalog: Catalog,
  who: Principal,
  lpath: string,
  flags: OpenFlags,
): OpenOutcome {
  if (flags.resource !== undefined && !catalog.resources.has(flags.resource)) {
    return { ok: false, code: IRODS.SYS_RESC_DOES_NOT_EXIST };
  }
  if (catalog.findCollection(lpath))
    return { ok: false, code: IRODS.CAT_NAME_EXISTS_AS_COLLECTION };
  const existing = catalog.findDataObject(lpath);
  const create = flags.truncate || flags.append;
  let object: DataObject;
  let replica: Replica | undefined;
  if (existing) {
    if (!isVisible(existing.acl, who) || !hasLevel(existing.acl, who, 'modify_object')) {
      return { ok: false, code: IRODS.CAT_NO_ACCESS_PERMISSION };
    }
    if (existing.lock !== undefined) return { ok: false, code: IRODS.HIERARCHY_ERROR };
    object = existing;
    replica = pickReplica(existing, flags);
    if (!replica) {
      if (flags.replicaNumber !== undefined)
        return { ok: false, code: IRODS.SYS_REPLICA_DOES_NOT_EXIST };
      replica = addReplica(catalog, existing, flags.resource!);
    }
  } else {
    if (!create) return { ok: false, code: IRODS.OBJ_PATH_DOES_NOT_EXIST };
    const place = catalog.splitPath(lpath);
    if (!place?.parent) return { ok: false, code: IRODS.OBJ_PATH_DOES_NOT_EXIST };
    if (!isVisible(place.parent.acl, who) || !hasLevel(place.parent.acl, who, 'create_object')) {
      return { ok: false, code: IRODS.CAT_NO_ACCESS_PERMISSION };
    }
    if (flags.replicaNumber !== undefined)
      return { ok: false, code: IRODS.SYS_REPLICA_DOES_NOT_EXIST };
    const resource = catalog.resources.get(flags.resource ?? catalog.defaultResource.name)!;
    object = catalog.createDataObject(place.parent, place.name, who.name, resource);
    replica = object.replicas[0]!;
  }
  const fd = openReplicaFile(replica.physicalPath, flags.truncate && !flags.append);
  const lockId = randomUUID();
  object.lock = lockId;
  replica.status = REPLICA_STATUS.intermediate;
  if (flags.truncate && !flags.append) {
    replica.size = 0;
    replica.checksum = '';
    replica.modifyTime = nowSeconds();
  }
  catalog.saveDataObject(object);
  return { ok: true, session: { object, replica, fd, append: flags.append, lockId } };
}

/** Writes at `position` (append sessions always write at the end); returns the new position. */
export function writeAt(session: WriteSession, data: Buffer, position: number): number {
  const at = session.append ? fstatSync(session.fd).size : position;
  let written = 0;
  while (written < data.length) {
    written += writeSync(session.fd, data, written, data.length - written, at + written);
  }
  return at + data.length;
}

/** Closes the replica and updates the catalog (size from storage, mtime now, checksum cleared). */
export function closeWrite(catalog: Catalog, session: WriteSession): void {
  const { object, replica } = session;
  try {
    replica.size = fstatSync(session.fd).size;
  } finally {
    closeSync(session.fd);
  }
  replica.modifyTime = nowSeconds();
  replica.checksum = '';
  replica.status = REPLICA_STATUS.good;
  for (const other of object.replicas) {
    if (other !== replica && other.status === REPLICA_STATUS.good)
      other.status = REPLICA_STATUS.stale;
  }
  if (object.lock === session.lockId) object.lock = undefined;
  if (catalog.findDataObject(catalog.dataObjectPath(object)) === object)
    catalog.saveDataObject(object);
}

/** The latest good replica: largest mtime among status 1 (§5.2.5). */
export function latestGoodReplica(object: DataObject): Replica | undefined {
  let best: Replica | undefined;
  for (const replica of object.replicas) {
    if (replica.status !== REPLICA_STATUS.good) continue;
    if (!best || replica.modifyTime > best.modifyTime) best = replica;
  }
  return best;
}

function pickReplica(object: DataObject, flags: OpenFlags): Replica | undefined {
  if (flags.resource !== undefined)
    return object.replicas.find((r) => r.resource === flags.resource);
  if (flags.replicaNumber !== undefined) {
    return object.replicas.find((r) => r.number === flags.replicaNumber);
  }
  return latestGoodReplica(object) ?? object.replicas[0];
}

function addReplica(catalog: Catalog, object: DataObject, resourceName: string): Replica {
  const resource = catalog.resources.get(resourceName)!;
  const now = nowSeconds();
  const replica: Replica = {
    number: Math.max(-1, ...object.replicas.map((r) => r.number)) + 1,
    resource: resource.name,
    physicalPath: catalog.vaultPathFor(resource, catalog.dataObjectPath(object)),
    size: 0,
    checksum: '',
    status: REPLICA_STATUS.good,
    createTime: now,
    modifyTime: now,
  };
  object.replicas.push(replica);
  return replica;
}

function openReplicaFile(path: string, truncate: boolean): number {
  mkdirSync(dirname(path), { recursive: true });
  const mode = truncate
    ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC
    : constants.O_RDWR | constants.O_CREAT;
  const fd = openSync(path, mode, 0o644);
  if (truncate) ftruncateSync(fd, 0);
  return fd;
}

interface Stream {
  position: number;
  busy: boolean;
}

interface ParallelHandle {
  readonly session: WriteSession;
  readonly streams: Stream[];
}

export type StreamClaim =
  | { kind: 'ok'; session: WriteSession; stream: Stream; release: () => void }
  | { kind: 'unknown-handle' }
  | { kind: 'bad-index' }
  | { kind: 'busy' };

/** Open parallel-write handles (memory only) and the server-wide stream budget. */
export class ParallelWrites {
  readonly #handles = new Map<string, ParallelHandle>();
  #activeStreams = 0;

  get handleCount(): number {
    return this.#handles.size;
  }

  get activeStreams(): number {
    return this.#activeStreams;
  }

  register(session: WriteSession, streamCount: number): string {
    const id = randomUUID();
    const streams = Array.from({ length: streamCount }, () => ({ position: 0, busy: false }));
    this.#handles.set(id, { session, streams });
    this.#activeStreams += streamCount;
    return id;
  }

  /** Picks the stream for a write: the given index, or any free one (marked busy). */
  claim(
    handleId: string,
    streamIndex: string | undefined,
    parseIndex: (s: string) => number | undefined,
  ): StreamClaim {
    const handle = this.#handles.get(handleId);
    if (!handle) return { kind: 'unknown-handle' };
    if (streamIndex !== undefined) {
      const index = parseIndex(streamIndex);
      const stream = index === undefined ? undefined : handle.streams[index];
      if (!stream || index! < 0) return { kind: 'bad-index' };
      // With an explicit index the server does not track busy streams (§5.2.3).
      return { kind: 'ok', session: handle.session, stream, release: () => undefined };
    }
    const stream = handle.streams.find((s) => !s.busy);
    if (!stream) return { kind: 'busy' };
    stream.busy = true;
    return {
      kind: 'ok',
      session: handle.session,
      stream,
      release: () => {
        stream.busy = false;
      },
    };
  }

  /** Removes the handle and returns its session, or undefined for an unknown handle. */
  shutdown(handleId: string): WriteSession | undefined {
    const handle = this.#handles.get(handleId);
    if (!handle) return undefined;
    this.#handles.delete(handleId);
    this.#activeStreams -= handle.streams.length;
    return handle.session;
  }

  /** Sessions still open, for a clean shutdown of the emulator. */
  sessions(): WriteSession[] {
    return [...this.#handles.values()].map((handle) => handle.session);
  }
}
