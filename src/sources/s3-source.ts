/**
 * An S3 prefix as a job's source (design.md "S3 sources"): listed in parallel over its common
 * prefixes (s3-listing.ts), looked at with HEAD (an object's facts are its size, LastModified
 * and ETag), read with GET for uploads and checksums. The client is built on first use, so a job
 * whose credentials file is unusable fails its pass with the reason, and a reload that fixed it
 * takes effect.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import type { OpenedSource } from '../core/byte-source.js';
import { irodsChecksumOf, type ChecksumScheme } from '../core/checksum.js';
import {
  etagFingerprint,
  lastModifiedNs,
  s3AddressOf,
  splitPhysicalPath,
  type S3Address,
} from '../core/s3-keys.js';
import type { RootLook } from '../core/source-identity.js';
import { S3Bucket, type ObjectFacts } from './s3-bucket.js';
import { createS3Client, type S3ClientOptions, type S3Settings } from './s3-client.js';
import { messageOf } from '../errors.js';
import { S3SourceError } from './s3-errors.js';
import { listS3Tree, type S3ListOptions } from './s3-listing.js';
import { S3ObjectReader } from './s3-object-reader.js';
import type { FileFacts, JobSource, ReadProgress, SourceFiles, SourceStats } from './source.js';
import type { HashAnswer, StatAnswer } from './stat-thread.js';
import type { StatFacts } from './stat-facts.js';
import type { DirectoryChunk, ScanOptions } from './types.js';

export interface S3SourceOptions extends S3ClientOptions {
  /** Told once the client is built: where its credentials come from, and warnings. */
  readonly onClient?: (note: { credentialsFrom: string; insecure: boolean }) => void;
  /** Listing tuning (tests and benchmarks). */
  readonly listing?: Pick<S3ListOptions, 'concurrency' | 'pagesAhead'> & { pageKeys?: number };
}

/** HEADs of one batch in flight at once. */
const HEAD_CONCURRENCY = 16;
/** ETags of recent HEADs, so that an upload right after its stat asks If-Match without another. */
const ETAGS_REMEMBERED = 4096;
/** Bytes hashed between two progress calls. */
const PROGRESS_BYTES = 64 * 1024 * 1024;

export class S3Source implements JobSource, SourceStats, SourceFiles {
  readonly deletesNeedWholeListing = true;
  readonly stats: SourceStats = this;
  readonly files: SourceFiles = this;
  readonly #source: string;
  readonly #settings: S3Settings;
  readonly #options: S3SourceOptions;
  readonly #address: S3Address;
  #bucket: Promise<{ bucket: S3Bucket; destroy: () => void }> | undefined;
  readonly #etagOf = new Map<string, string>();

  constructor(source: string, settings: S3Settings, options: S3SourceOptions = {}) {
    this.#source = source;
    this.#settings = settings;
    this.#options = options;
    this.#address = s3AddressOf(source);
  }

  async *scan(options: ScanOptions): AsyncGenerator<DirectoryChunk, void, undefined> {
    const { bucket } = await this.#connected();
    yield* listS3Tree(bucket.listPage, this.#address.keyPrefix, {
      exclude: options.exclude,
      source: this.#source,
      ...this.#options.listing,
    });
  }

  async look(marker: string): Promise<RootLook> {
    const { bucket } = await this.#connected();
    const look = await bucket.look();
    if (look.kind !== 'directory' || marker === '') return look;
    const found = await bucket.head(this.#address.keyPrefix + marker);
    return { ...look, markerMissing: found === undefined };
  }

  async statMany(paths: readonly (string | Uint8Array)[]): Promise<StatAnswer[]> {
    const answers: StatAnswer[] = new Array<StatAnswer>(paths.length);
    let next = 0;
    const work = async () => {
      for (let i = next++; i < paths.length; i = next++) {
        answers[i] = await this.#statEntry(String(paths[i]));
      }
    };
    await Promise.all(Array.from({ length: Math.min(HEAD_CONCURRENCY, paths.length) }, work));
    return answers;
  }

  /** Objects are hashed as they are read (checksum), never ahead in a batch. */
  hashMany(paths: readonly (string | Uint8Array)[]): Promise<(HashAnswer | undefined)[]> {
    return Promise.resolve(paths.map(() => undefined));
  }

  async stat(path: string | Buffer): Promise<FileFacts | undefined> {
    const { key } = splitPhysicalPath(String(path));
    const facts = await (await this.#connected()).bucket.head(key);
    if (facts === undefined) return undefined;
    this.#remember(key, facts.etag);
    return factsOf(facts);
  }

  async checksum(
    path: string | Buffer,
    scheme: ChecksumScheme,
    { length, progress }: { length?: number | undefined; progress?: ReadProgress | undefined },
  ): Promise<string> {
    const opened = await this.open(path, undefined);
    const want = length ?? opened.size;
    if (want > opened.size) {
      await opened.reader.close();
      throw new RangeError(
        `${opened.name} holds ${opened.size} bytes, fewer than the ${want} to hash`,
      );
    }
    const hash = createHash(scheme);
    const buffer = Buffer.allocUnsafe(Math.min(want, 1024 * 1024));
    let read = 0;
    let reported = 0;
    try {
      while (read < want) {
        const { bytesRead } = await opened.reader.read(
          buffer,
          0,
          Math.min(buffer.length, want - read),
          read,
        );
        if (bytesRead === 0) throw new RangeError(`${opened.name} ended at ${read} bytes`);
        hash.update(buffer.subarray(0, bytesRead));
        read += bytesRead;
        if (progress !== undefined && read - reported >= PROGRESS_BYTES) {
          reported = read;
          await progress(read);
        }
      }
    } finally {
      await opened.reader.close();
    }
    return irodsChecksumOf(scheme, hash.digest());
  }

  /** Opens the object for reading; with `expected`, only while it still has that content. */
  async open(path: string | Buffer, expected: FileFacts | undefined): Promise<OpenedSource> {
    const { key } = splitPhysicalPath(String(path));
    const name = `s3://${this.#address.bucket}/${key}`;
    let etag = this.#etagOf.get(key);
    let size = expected?.size;
    if (etag === undefined || size === undefined || etagFingerprint(etag) !== expected?.ino) {
      const facts = await this.stat(path);
      if (facts === undefined) {
        throw new S3SourceError(
          'S3_OBJECT_CHANGED',
          `${name} disappeared before it could be read`,
          {
            retryable: true,
          },
        );
      }
      etag = this.#etagOf.get(key)!;
      if (expected !== undefined && (facts.ino !== expected.ino || facts.size !== expected.size)) {
        throw new S3SourceError('S3_OBJECT_CHANGED', `${name} changed before it could be read`, {
          retryable: true,
        });
      }
      size = facts.size;
    }
    const { bucket } = await this.#connected();
    return { name, size, reader: new S3ObjectReader(bucket, { key, size, etag }) };
  }

  async close(): Promise<void> {
    const connected = await this.#bucket?.catch(() => undefined);
    connected?.destroy();
  }

  async #statEntry(path: string): Promise<StatAnswer> {
    const { key } = splitPhysicalPath(path);
    try {
      const { bucket } = await this.#connected();
      // A path ending in `/` is a directory named like an object (core/s3-keys.ts), or an object
      // whose key ends in `/`: an empty such object is only a directory marker.
      const facts = await bucket.head(key);
      if (facts !== undefined && !(key.endsWith('/') && facts.size === 0)) {
        this.#remember(key, facts.etag);
        return statFactsOf(facts);
      }
      const prefix = key.endsWith('/') ? key : `${key}/`;
      return (await bucket.holdsKeys(prefix)) ? DIRECTORY_STAT : undefined;
    } catch (error) {
      const message = messageOf(error);
      return { errno: (error as S3SourceError).s3Code ?? 'S3_ERROR', message };
    }
  }

  /** Keeps the ETag of a HEAD; the map's first key is the oldest one. */
  #remember(key: string, etag: string): void {
    this.#etagOf.delete(key);
    this.#etagOf.set(key, etag);
    if (this.#etagOf.size > ETAGS_REMEMBERED) {
      this.#etagOf.delete(this.#etagOf.keys().next().value!);
    }
  }

  #connected(): Promise<{ bucket: S3Bucket; destroy: () => void }> {
    this.#bucket ??= (async () => {
      const { client, credentialsFrom } = await createS3Client(this.#settings, this.#options);
      this.#options.onClient?.({ credentialsFrom, insecure: this.#settings.insecure });
      const bucket = new S3Bucket(client, this.#address.bucket, this.#options.listing?.pageKeys);
      return { bucket, destroy: () => client.destroy() };
    })();
    // A failed start (credentials) is tried again on next use.
    this.#bucket.catch(() => {
      this.#bucket = undefined;
    });
    return this.#bucket;
  }
}

const DIRECTORY_STAT: StatFacts = {
  mode: BigInt(constants.S_IFDIR | 0o555),
  size: 0n,
  mtimeNs: 0n,
  ctimeNs: 0n,
  ino: 0n,
  dev: 0n,
};

function factsOf(object: ObjectFacts): FileFacts {
  const mtimeNs = lastModifiedNs(object.lastModified);
  return { size: object.size, mtimeNs, ctimeNs: mtimeNs, ino: etagFingerprint(object.etag) };
}

function statFactsOf(object: ObjectFacts): StatFacts {
  const { size, mtimeNs, ctimeNs, ino } = factsOf(object);
  return {
    mode: BigInt(constants.S_IFREG | 0o444),
    size: BigInt(size),
    mtimeNs,
    ctimeNs,
    ino,
    dev: 0n,
  };
}
