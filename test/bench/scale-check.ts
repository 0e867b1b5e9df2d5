/**
 * The scale benchmark's checks of the tree against iRODS, made without the daemon's code: a plain
 * undici pool that pages GenQuery1 (15 rows a page, the HTTP API's default cap) over each
 * collection, compared with `lstat` of every file in the matching directory. One query per page
 * narrowed to one collection keeps the check near the emulator's request rate: a million single
 * `stat` calls would take as long as the first pass did.
 */
import { readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { timeConcurrent } from './measure.js';

/** What one file of the tree must be in iRODS. */
interface Expected {
  size: number;
  /** Seconds since the epoch: the daemon carries the source's mtime (`touch`). */
  mtime: number;
  physicalPath: string;
}

export interface TreeCheck {
  /** Files found in iRODS as expected. */
  matched: number;
  /** One line per difference (the first few), e.g. `g00/run-0000/f0001.dat: size 12, want 13`. */
  problems: string[];
  /** Differences in all. */
  problemCount: number;
}

const PAGE = 15;
/** Collections checked at once. */
const LANES = 8;
const KEPT_PROBLEMS = 20;

/**
 * Compares every file under `root` with the data object at the same relative path under
 * `target`: size, DATA_MODIFY_TIME, DATA_PATH (the registered physical path) and a good replica;
 * also objects iRODS holds that the directory lacks.
 */
export async function checkTreeInIrods(
  apiUrl: string,
  root: string,
  target: string,
): Promise<TreeCheck> {
  const genquery = await GenQueryPages.open(apiUrl, LANES);
  const realRoot = realpathSync(root);
  const directories = directoriesWithFiles(realRoot, '');
  const check: TreeCheck = { matched: 0, problems: [], problemCount: 0 };
  const problem = (line: string) => {
    check.problemCount++;
    if (check.problems.length < KEPT_PROBLEMS) check.problems.push(line);
  };
  try {
    await timeConcurrent(directories.length, LANES, async (i) => {
      const rel = directories[i]!;
      const expected = expectedFiles(join(realRoot, rel));
      const collection = rel === '' ? target : `${target}/${rel}`;
      const rows = await genquery.all(
        `select DATA_NAME, DATA_SIZE, DATA_MODIFY_TIME, DATA_PATH, DATA_REPL_STATUS where COLL_NAME = '${collection}'`,
      );
      for (const [name, size, mtime, path, status] of rows) {
        const want = expected.get(name!);
        const at = rel === '' ? name! : `${rel}/${name!}`;
        if (want === undefined) {
          problem(`${at}: in iRODS, not in the tree`);
          continue;
        }
        expected.delete(name!);
        const wrong = [
          Number(size) === want.size ? '' : `size ${size}, want ${want.size}`,
          Number(mtime) === want.mtime ? '' : `mtime ${mtime}, want ${want.mtime}`,
          path === want.physicalPath ? '' : `physical path ${path}, want ${want.physicalPath}`,
          status === '1' ? '' : `replica status ${status}, want 1 (good)`,
        ].filter((text) => text !== '');
        if (wrong.length > 0) problem(`${at}: ${wrong.join(', ')}`);
        else check.matched++;
      }
      for (const name of expected.keys()) problem(`${rel}/${name}: missing in iRODS`);
    });
  } finally {
    await genquery.close();
  }
  return check;
}

/**
 * Rewrites every `every`-th file of the tree (in name order) with one byte more, in place (same
 * inode), so each gets a new size and mtime and its directory keeps its own; returns their
 * relative paths.
 */
export function changeEveryNth(root: string, every: number): string[] {
  const changed: string[] = [];
  let index = 0;
  for (const rel of directoriesWithFiles(root, '')) {
    for (const entry of sortedEntries(join(root, rel))) {
      if (!entry.isFile() || index++ % every !== 0) continue;
      const path = join(root, rel, entry.name);
      writeFileSync(path, Buffer.alloc(statSync(path).size + 1, 0x2a));
      changed.push(join(rel, entry.name));
    }
  }
  return changed;
}

/** Relative paths ('' for the root) of the directories under `root` that hold files. */
function directoriesWithFiles(root: string, rel: string): string[] {
  const found: string[] = [];
  const entries = sortedEntries(join(root, rel));
  if (entries.some((entry) => entry.isFile())) found.push(rel);
  for (const entry of entries) {
    if (entry.isDirectory()) found.push(...directoriesWithFiles(root, join(rel, entry.name)));
  }
  return found;
}

function sortedEntries(dir: string) {
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
}

function expectedFiles(dir: string): Map<string, Expected> {
  const files = new Map<string, Expected>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const physicalPath = join(dir, entry.name);
    const stat = statSync(physicalPath, { bigint: true });
    files.set(entry.name, {
      size: Number(stat.size),
      mtime: Number(stat.mtimeNs / 1_000_000_000n),
      physicalPath,
    });
  }
  return files;
}

/** GenQuery1 through the HTTP API, paged as §5.3.1 asks: offset += rows until a short page. */
class GenQueryPages {
  readonly #pool: Pool;
  readonly #base: string;
  readonly #auth: string;

  private constructor(pool: Pool, base: string, auth: string) {
    this.#pool = pool;
    this.#base = base;
    this.#auth = auth;
  }

  static async open(apiUrl: string, connections: number): Promise<GenQueryPages> {
    const url = new URL(apiUrl);
    const pool = new Pool(url.origin, { connections });
    const res = await pool.request({
      method: 'POST',
      path: `${url.pathname}/authenticate`,
      headers: { authorization: `Basic ${Buffer.from('rods:rods').toString('base64')}` },
    });
    const token = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`authenticate: HTTP ${res.statusCode}`);
    return new GenQueryPages(pool, url.pathname, `Bearer ${token}`);
  }

  /** Every row of `query`; the query must select DATA_NAME (it orders the pages). */
  async all(query: string): Promise<string[][]> {
    const rows: string[][] = [];
    for (;;) {
      const page = await this.#page(query, rows.length);
      rows.push(...page);
      if (page.length < PAGE) return rows;
    }
  }

  async #page(query: string, offset: number): Promise<string[][]> {
    const q = `op=execute_genquery&query=${encodeURIComponent(query)}&offset=${offset}&count=${PAGE}`;
    const res = await this.#pool.request({
      method: 'GET',
      path: `${this.#base}/query?${q}`,
      headers: { authorization: this.#auth },
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`execute_genquery: HTTP ${res.statusCode}`);
    const body = JSON.parse(text) as { irods_response: { status_code: number }; rows: string[][] };
    if (body.irods_response.status_code !== 0) {
      throw new Error(`execute_genquery: iRODS status ${body.irods_response.status_code}`);
    }
    return body.rows;
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}
