/**
 * The physical side of replicas: which storage holds a leaf resource's bytes, where a new replica
 * goes (`<vault>/<logical path below the zone>`, as the iRODS vault layout does), and the byte
 * moves behind checksums, replication and copies. s3 replicas are written through a local staging
 * file under the emulator's root, since an S3 object cannot be written at offsets.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { digest, type HashScheme } from './checksum.js';
import { IRODS } from './codes.js';
import type { Replica, Resource } from './model.js';
import { RESOURCE_TYPES, type ResourceTree } from './resources.js';
import { S3Storage } from './s3-storage.js';
import { LocalStorage, StorageError, type Storage } from './storage.js';

export class Vaults {
  readonly #local = new LocalStorage();
  readonly #s3 = new Map<string, S3Storage>();
  readonly #staging: string;

  constructor(
    root: string,
    readonly resources: ResourceTree,
  ) {
    this.#staging = join(root, 'staging');
    mkdirSync(this.#staging, { recursive: true });
  }

  isLocal(leaf: Resource): boolean {
    return leaf.type !== RESOURCE_TYPES.s3;
  }

  storageOf(leaf: Resource): Storage {
    if (this.isLocal(leaf)) return this.#local;
    const key = `${leaf.id}\n${leaf.context}`;
    let storage = this.#s3.get(key);
    if (!storage) {
      storage = new S3Storage(leaf.context);
      this.#s3.set(key, storage);
    }
    return storage;
  }

  /** The storage of the replica's leaf resource. */
  storageFor(replica: Replica): Storage {
    const leaf = this.resources.byId(replica.resourceId);
    if (!leaf) throw new StorageError('the replica has no resource', IRODS.SYS_RESC_DOES_NOT_EXIST);
    return this.storageOf(leaf);
  }

  leafOf(replica: Replica): Resource | undefined {
    return this.resources.byId(replica.resourceId);
  }

  /**
   * A free physical path for a new replica of `lpath` on `leaf`, with `.1`, `.2`... appended when
   * something (e.g. the file of a renamed object) already sits there. A local path is claimed at
   * once by creating the empty file, so that a concurrent create picks another one.
   */
  async newPhysicalPath(leaf: Resource, lpath: string): Promise<string> {
    const below = lpath.split('/').slice(2).join('/');
    const base = `${leaf.vaultPath.replace(/\/+$/, '')}/${below}`;
    const storage = this.storageOf(leaf);
    if (this.isLocal(leaf)) {
      let candidate = base;
      for (let n = 1; existsSync(candidate); n++) candidate = `${base}.${n}`;
      mkdirSync(dirname(candidate), { recursive: true });
      closeSync(openSync(candidate, 'w'));
      return candidate;
    }
    let candidate = base;
    for (let n = 1; (await storage.size(candidate)) !== undefined; n++) candidate = `${base}.${n}`;
    return candidate;
  }

  /** A new physical path on `leaf` holding an empty replica (a touch or a copy creates one). */
  async createEmpty(leaf: Resource, lpath: string): Promise<string> {
    const path = await this.newPhysicalPath(leaf, lpath);
    if (!this.isLocal(leaf)) {
      const staging = this.stagingFile();
      closeSync(openSync(staging, 'w'));
      try {
        await this.storageOf(leaf).store(path, staging);
      } finally {
        this.discard(staging);
      }
    }
    return path;
  }

  /** A new local file for staging bytes; remove it with `discard`. */
  stagingFile(): string {
    return join(this.#staging, randomUUID());
  }

  discard(stagingFile: string): void {
    rmSync(stagingFile, { force: true });
  }

  /**
   * Deletes the stored bytes of replicas whose catalog entries are gone. A failure is logged
   * rather than reported: the server, too, answers for the catalog and logs a storage failure.
   */
  removeAll(replicas: readonly Replica[]): void {
    for (const replica of replicas) {
      const leaf = this.leafOf(replica);
      if (!leaf) continue;
      this.storageOf(leaf)
        .remove(replica.physicalPath)
        .catch((error: unknown) => {
          console.error(`irods-emulator: removing ${replica.physicalPath} failed:`, error);
        });
    }
  }

  /** The checksum of the replica's stored bytes in `scheme`. */
  async checksum(replica: Replica, scheme: HashScheme): Promise<string> {
    try {
      return await digest(await this.storageFor(replica).read(replica.physicalPath), scheme);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
      // UNIX_FILE_OPEN_ERR with ENOENT's errno, as the server reports a missing file.
      throw new StorageError(`${replica.physicalPath} is missing`, IRODS.UNIX_FILE_OPEN_ERR - 2);
    }
  }

  /** The size of the replica's stored bytes, or undefined when nothing is stored. */
  storedSize(replica: Replica): Promise<number | undefined> {
    return this.storageFor(replica).size(replica.physicalPath);
  }

  /** Copies the bytes of `from` to the physical path of `to`; returns the bytes copied. */
  async copy(from: Replica, to: Replica): Promise<number> {
    const source = this.storageFor(from);
    const target = this.storageFor(to);
    if (source === this.#local) await target.store(to.physicalPath, from.physicalPath);
    else {
      const staging = this.stagingFile();
      try {
        await source.fetch(from.physicalPath, staging);
        await target.store(to.physicalPath, staging);
      } finally {
        this.discard(staging);
      }
    }
    return (await target.size(to.physicalPath)) ?? 0;
  }
}
