/**
 * What a batch looks up at once for the content checks of its files (a `chmod -R` moved their
 * ctimes): the catalog's replicas of their objects, one query per collection and page of rows
 * (irods/replica-facts.ts) instead of one request per file; and the SHA-256 of the small ones,
 * read by the job's stat thread in one message (sources/stat-thread.ts hashMany) while the main
 * thread goes on with the batch. Both start with the batch, but for adoptions, whose digest
 * counts only when an object exists, hashing waits for the catalog's answer. A file they do not
 * cover (a large one, one that changed while it was read, a path the batch did not expect) is
 * looked up alone.
 *
 * The catalog's answers stay valid while the batch runs: it holds the files' locks, so no other
 * worker writes their objects meanwhile.
 */
import type { IrodsClient, ReplicaFacts } from '../irods/index.js';
import { CHECKSUM_SCHEMES, irodsChecksumOf } from '../core/checksum.js';
import type { StatThread } from '../sources/stat-thread.js';
import type { CheckLookup, KnownChecksum } from './context.js';

/** Files up to this size are hashed by the stat thread; larger ones stream on the main thread. */
export const THREAD_HASH_BYTES = 1024 * 1024;

/**
 * When a candidate's file is hashed: a content check always compares digests; an adoption under
 * `verify` only when its object exists (a missing one means the file is sent, and its digest is
 * then computed on the way); an adoption without `verify` needs only the catalog.
 */
export const HASHES = { never: 'never', always: 'always', ifObject: 'if-object' } as const;
export type Hashes = (typeof HASHES)[keyof typeof HASHES];

export interface CheckCandidate {
  readonly logicalPath: string;
  readonly sourcePath: string | Buffer;
  readonly hashes: Hashes;
}

export class BatchCheckLookup implements CheckLookup {
  readonly #client: IrodsClient;
  readonly #replicas: Promise<Map<string, ReplicaFacts[]> | undefined>;
  readonly #checksums: Promise<Map<string, KnownChecksum>>;

  constructor(
    client: IrodsClient,
    stats: Pick<StatThread, 'hashMany'>,
    candidates: readonly CheckCandidate[],
    followSymlinks: boolean,
  ) {
    this.#client = client;
    const paths = candidates.map((candidate) => candidate.logicalPath);
    // A failed lookup (iRODS away) is not kept: each file then asks alone, and fails alone.
    this.#replicas = client.dataObjects.replicaFacts(paths).catch(() => undefined);
    const hashNow = candidates.filter((candidate) => candidate.hashes === HASHES.always);
    const hashIfObject = candidates.filter((candidate) => candidate.hashes === HASHES.ifObject);
    // Without an answer from the catalog every adoption may need its digest, as before.
    const withObjects = this.#replicas.then((all) =>
      hashIfObject.filter(
        (candidate) => all === undefined || (all.get(candidate.logicalPath)?.length ?? 0) > 0,
      ),
    );
    this.#checksums = Promise.all([
      hashAll(stats, hashNow, followSymlinks),
      withObjects.then((hashed) => hashAll(stats, hashed, followSymlinks)),
    ]).then(([now, later]) => new Map([...now, ...later]));
  }

  async replicas(logicalPath: string): Promise<ReplicaFacts[]> {
    const all = await this.#replicas;
    const facts = all?.get(logicalPath);
    if (facts !== undefined) return facts;
    return (await this.#client.dataObjects.replicaFacts([logicalPath])).get(logicalPath) ?? [];
  }

  /**
   * Whether the batch's lookup found no data object at `logicalPath`; false when it does not
   * know (the lookup failed, or did not cover the path).
   */
  async holdsNone(logicalPath: string): Promise<boolean> {
    return (await this.#replicas)?.get(logicalPath)?.length === 0;
  }

  async sha256(logicalPath: string): Promise<KnownChecksum | undefined> {
    return (await this.#checksums).get(logicalPath);
  }
}

/** The SHA-256 of each small candidate file, by logical path; a failed read is left out. */
async function hashAll(
  stats: Pick<StatThread, 'hashMany'>,
  hashed: readonly CheckCandidate[],
  followSymlinks: boolean,
): Promise<Map<string, KnownChecksum>> {
  const known = new Map<string, KnownChecksum>();
  if (hashed.length === 0) return known;
  try {
    const answers = await stats.hashMany(
      hashed.map((candidate) => candidate.sourcePath),
      followSymlinks,
      THREAD_HASH_BYTES,
    );
    answers.forEach((answer, i) => {
      if (answer === undefined) return;
      const { size, mtimeNs, ctimeNs, ino } = answer.stat;
      known.set(hashed[i]!.logicalPath, {
        stat: { size: Number(size), mtimeNs, ctimeNs, ino },
        checksum: irodsChecksumOf(CHECKSUM_SCHEMES.sha256, answer.sha256),
      });
    });
  } catch {
    // Each file then hashes alone, and fails alone.
  }
  return known;
}
