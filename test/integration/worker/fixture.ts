/** Shared pieces of the worker tests: a job, real source files, and what the worker recorded. */
import { createHash, randomUUID } from 'node:crypto';
import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobConfig } from '../../../src/config/index.js';
import type { RecordedState } from '../../../src/core/decide.js';
import { encodeRelPath, type ObservedEntry } from '../../../src/core/entry.js';
import { mapRelPath } from '../../../src/core/names.js';
import { describeEntry } from '../../../src/handlers/file-info.js';
import type { ActionHooks } from '../../../src/handlers/hooks.js';
import type { EntryTask, WorkerDeps } from '../../../src/worker/context.js';
import type { ClientFixture } from '../irods/setup.js';

export const HOME = '/tempZone/home/rods';

export function job(source: string, overrides: Partial<JobConfig> = {}): JobConfig {
  return {
    name: 'worker-test',
    source,
    target: `${HOME}/${randomUUID().slice(0, 8)}`,
    operation: 'put_sync',
    delete: 'keep',
    watch: false,
    rescan_interval: 0,
    settle: 0,
    exclude: [],
    exclude_types: [],
    follow_symlinks: false,
    resource: 'demoResc',
    checksum: 'none',
    ctime_changes: 'check',
    files_per_task: 50,
    handler: '',
    metadata: {},
    max_delete: '50%',
    source_marker: '',
    max_attempts: 10,
    retry_delay: 2000,
    retry_max_delay: 300_000,
    file_timeout: 0,
    physical_source: '',
    ...overrides,
  };
}

const PLACEHOLDER: RecordedState = { type: 'dir', size: 0, mtimeNs: 0n, ino: 0n };

/** What the worker passed to `record` and `forget`, by relative path text. */
export class Records {
  readonly states = new Map<string, RecordedState>();
  readonly forgotten: string[] = [];

  /**
   * The recorded children of `dir` (text form, '' for the root), with directories known only as
   * ancestors of recorded entries, as the state store keeps them.
   */
  children(dir: string): Map<string, RecordedState> {
    const children = new Map<string, RecordedState>();
    const prefix = dir === '' ? '' : `${dir}/`;
    for (const [path, state] of this.states) {
      if (!path.startsWith(prefix) || this.forgotten.includes(path)) continue;
      const [name, ...below] = path.slice(prefix.length).split('/');
      if (below.length === 0) children.set(name!, state);
      else if (!children.has(name!)) children.set(name!, PLACEHOLDER);
    }
    return children;
  }

  deps(fx: ClientFixture, jobConfig: JobConfig): WorkerDeps {
    return {
      job: jobConfig,
      client: fx.client,
      logicalPathOf: (relPath) => mapRelPath(relPath, jobConfig.target, sha256Hex).logicalPath,
      record: (relPath, state) => {
        this.states.set(encodeRelPath(relPath), state);
        return Promise.resolve();
      },
      forget: (relPath) => {
        this.forgotten.push(encodeRelPath(relPath));
        return Promise.resolve();
      },
      recorded: {
        children: (dir) => Promise.resolve(this.children(encodeRelPath(dir))),
        forget: (relPaths) => {
          for (const relPath of relPaths) this.forgotten.push(encodeRelPath(relPath));
          return Promise.resolve();
        },
      },
    };
  }
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * `deps` with a pre hook that runs `act`: it runs after the worker looked at the file and before
 * anything reads it or goes to iRODS, where a test changes the file under the worker's feet.
 */
export function withPreHook(deps: WorkerDeps, act: () => Promise<void>): WorkerDeps {
  const hooks: ActionHooks = { before: act, after: () => Promise.resolve(), within: () => hooks };
  return { ...deps, hooks };
}

/** The task with the file as a job's event handler sees it (hooks run only for such tasks). */
export async function withFile(jobConfig: JobConfig, task: EntryTask): Promise<EntryTask> {
  return { ...task, file: await describeEntry(jobConfig, task.entry) };
}

/** The entry at `relPath` below the job's source as lstat sees it now, and where it goes. */
export async function taskFor(jobConfig: JobConfig, relPath: string): Promise<EntryTask> {
  const bytes = Buffer.from(relPath);
  const sourcePath = Buffer.concat([Buffer.from(`${jobConfig.source}/`), bytes]);
  const info = await lstat(sourcePath, { bigint: true });
  const entry: ObservedEntry = {
    relPath: new Uint8Array(bytes),
    type: info.isDirectory() ? 'dir' : 'file',
    size: Number(info.size),
    mtimeNs: info.mtimeNs,
    ctimeNs: info.ctimeNs,
    ino: info.ino,
    dev: info.dev,
    mode: Number(info.mode),
  };
  const mapped = mapRelPath(entry.relPath, jobConfig.target, sha256Hex);
  return {
    entry,
    sourcePath: sourcePath.toString(),
    logicalPath: mapped.logicalPath,
    mapped: mapped.mapped,
    originalB64: mapped.originalB64,
  };
}

export async function sourceDir(fx: ClientFixture): Promise<string> {
  const dir = join(fx.dir, randomUUID().slice(0, 8));
  await mkdir(dir, { recursive: true });
  return dir;
}

export function sha2(content: string | Buffer): string {
  return `sha2:${createHash('sha256').update(content).digest('base64')}`;
}
