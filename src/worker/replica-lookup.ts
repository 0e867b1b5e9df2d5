/**
 * The catalog's replicas of a batch's data objects, looked up together: a batch that content
 * checks many files of one directory (a `chmod -R` moved their ctimes) asks iRODS once per
 * collection and page of rows (irods/replica-facts.ts) instead of once per file. The lookup runs
 * when the first file asks; paths it was not told about are looked up alone.
 *
 * The answers stay valid while the batch runs: the batch holds the files' locks, so no other
 * worker writes their objects meanwhile.
 */
import type { IrodsClient, ReplicaFacts } from '../irods/index.js';

export class ReplicaLookup {
  readonly #client: IrodsClient;
  readonly #expected: ReadonlySet<string>;
  #all: Promise<Map<string, ReplicaFacts[]>> | undefined;

  /** `expected`: the logical paths the batch will probably ask about. */
  constructor(client: IrodsClient, expected: readonly string[]) {
    this.#client = client;
    this.#expected = new Set(expected);
  }

  /** The replicas of the data object at `logicalPath` (none when there is no object). */
  async get(logicalPath: string): Promise<ReplicaFacts[]> {
    if (!this.#expected.has(logicalPath)) return this.#lookUp([logicalPath], logicalPath);
    if (this.#all === undefined) {
      const all = this.#client.dataObjects.replicaFacts([...this.#expected]);
      this.#all = all;
      // A failed lookup (iRODS away) is not kept: the next file asks again.
      all.catch(() => {
        if (this.#all === all) this.#all = undefined;
      });
    }
    return (await this.#all).get(logicalPath) ?? [];
  }

  async #lookUp(paths: string[], logicalPath: string): Promise<ReplicaFacts[]> {
    return (await this.#client.dataObjects.replicaFacts(paths)).get(logicalPath) ?? [];
  }
}
