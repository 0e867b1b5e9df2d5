import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyChange,
  decideDeletes,
  decideFile,
  type DirectoryListing,
  type FileAction,
  type RecordedState,
} from '../../../src/core/decide.js';
import type { ObservedEntry } from '../../../src/core/entry.js';
import { OPERATIONS, type Operation } from '../../../src/core/job-rules.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

const recorded: RecordedState = {
  size: 1000,
  mtimeNs: 1_700_000_000_000_000_000n,
  ino: 42n,
  type: 'file',
  ctimeNs: 1_700_000_000_000_000_000n,
};

function observe(changes: Partial<ObservedEntry> = {}): ObservedEntry {
  return {
    relPath: utf8('run1/a.tif'),
    type: 'file',
    size: recorded.size,
    mtimeNs: recorded.mtimeNs,
    ctimeNs: recorded.ctimeNs ?? 0n,
    ino: recorded.ino,
    dev: 7n,
    mode: 0o100644,
    ...changes,
  };
}

const later = recorded.mtimeNs + 1_000_000n;

/** Each situation: what the scan saw and what was recorded for the path. */
const situations: Record<string, { observed: ObservedEntry; recorded: RecordedState | undefined }> =
  {
    new: { observed: observe(), recorded: undefined },
    unchanged: { observed: observe(), recorded },
    'changed (size and mtime)': {
      observed: observe({ size: 500, mtimeNs: later, ctimeNs: later }),
      recorded,
    },
    'ctime-only': { observed: observe({ ctimeNs: later }), recorded },
    'ctime-only, store keeps no ctime': {
      observed: observe({ ctimeNs: later }),
      recorded: { ...recorded, ctimeNs: undefined },
    },
    'mtime-only': { observed: observe({ mtimeNs: later, ctimeNs: later }), recorded },
    'mtime going back': { observed: observe({ mtimeNs: recorded.mtimeNs - 1n }), recorded },
    grown: { observed: observe({ size: 1500, mtimeNs: later, ctimeNs: later }), recorded },
    'grown, same mtime': { observed: observe({ size: 1500 }), recorded },
    'grown from empty': {
      observed: observe({ size: 1500, mtimeNs: later }),
      recorded: { ...recorded, size: 0 },
    },
    shrunk: { observed: observe({ size: 10, mtimeNs: later, ctimeNs: later }), recorded },
    'new inode, same size and mtime': { observed: observe({ ino: 43n }), recorded },
    'new inode and grown': {
      observed: observe({ ino: 43n, size: 1500, mtimeNs: later }),
      recorded,
    },
    'recorded as a directory': {
      observed: observe(),
      recorded: { size: 0, mtimeNs: recorded.mtimeNs, ino: 42n, type: 'dir' },
    },
    // Its first upload began and was never confirmed: whatever iRODS holds may be partial.
    'provisional, unchanged since': {
      observed: observe(),
      recorded: { ...recorded, provisional: true },
    },
    'provisional, grown since': {
      observed: observe({ size: 1500, mtimeNs: later }),
      recorded: { ...recorded, provisional: true },
    },
  };

const skip = (why: 'unchanged' | 'metadata-only' | 'put-once'): FileAction => ({
  kind: 'skip',
  why,
});
const register: FileAction = { kind: 'register' };
const updateRegistration: FileAction = { kind: 'update-registration' };
const registerReplica: FileAction = { kind: 'register-replica' };
const upload: FileAction = { kind: 'upload' };
const recordOnly: FileAction = { kind: 'record-only' };
const append: FileAction = { kind: 'append', fromOffset: 1000 };
const check = (onDifference: FileAction): FileAction =>
  ({ kind: 'check-content', onDifference }) as FileAction;
/** No recorded state: an object already there is compared first (adopted, kept or replaced). */
const adopt = (onMissing: FileAction, onDifference: FileAction = onMissing): FileAction =>
  ({ kind: 'adopt', onMissing, onDifference }) as FileAction;
const keep: FileAction = { kind: 'keep' };

/** Expected actions in the order of the columns below. */
const columns: Operation[] = [
  OPERATIONS.register,
  OPERATIONS.registerReplica,
  OPERATIONS.put,
  OPERATIONS.putSync,
  OPERATIONS.putAppend,
  OPERATIONS.none,
];
const expectations: Record<keyof typeof situations, FileAction[]> = {
  // register, register_replica, put, put_sync, put_append, none
  new: [
    adopt(register),
    adopt(registerReplica),
    adopt(upload, keep),
    adopt(upload),
    adopt(upload),
    recordOnly,
  ],
  unchanged: Array<FileAction>(6).fill(skip('unchanged')),
  'changed (size and mtime)': [
    updateRegistration,
    registerReplica,
    skip('put-once'),
    upload,
    upload,
    recordOnly,
  ],
  // A write with the mtime put back looks like a chmod: the content decides.
  'ctime-only': [
    check(updateRegistration),
    check(registerReplica),
    skip('put-once'),
    check(upload),
    check(upload),
    skip('metadata-only'),
  ],
  'ctime-only, store keeps no ctime': Array<FileAction>(6).fill(skip('unchanged')),
  'mtime-only': [updateRegistration, registerReplica, skip('put-once'), upload, upload, recordOnly],
  'mtime going back': [
    updateRegistration,
    registerReplica,
    skip('put-once'),
    upload,
    upload,
    recordOnly,
  ],
  grown: [updateRegistration, registerReplica, skip('put-once'), upload, append, recordOnly],
  'grown, same mtime': [
    updateRegistration,
    registerReplica,
    skip('put-once'),
    upload,
    append,
    recordOnly,
  ],
  'grown from empty': [
    updateRegistration,
    registerReplica,
    skip('put-once'),
    upload,
    upload,
    recordOnly,
  ],
  shrunk: [updateRegistration, registerReplica, skip('put-once'), upload, upload, recordOnly],
  'new inode, same size and mtime': [
    updateRegistration,
    registerReplica,
    skip('put-once'),
    upload,
    upload,
    recordOnly,
  ],
  'new inode and grown': [
    updateRegistration,
    registerReplica,
    skip('put-once'),
    upload,
    upload,
    recordOnly,
  ],
  'recorded as a directory': [register, registerReplica, upload, upload, upload, recordOnly],
  'provisional, unchanged since': [register, registerReplica, upload, upload, upload, recordOnly],
  'provisional, grown since': [register, registerReplica, upload, upload, upload, recordOnly],
};

describe('decideFile', () => {
  for (const [name, situation] of Object.entries(situations)) {
    for (const [column, operation] of columns.entries()) {
      const expected = expectations[name]![column]!;
      const shown =
        expected.kind === 'skip'
          ? `skip (${expected.why})`
          : expected.kind === 'check-content'
            ? `check content, else ${expected.onDifference.kind}`
            : expected.kind === 'adopt'
              ? `adopt, else ${expected.onMissing.kind} (missing) or ${expected.onDifference.kind}`
              : expected.kind;
      it(`${operation}, ${name}: ${shown}`, () => {
        assert.deepEqual(decideFile(situation.observed, situation.recorded, operation), expected);
      });
    }
  }

  it('has a row for every operation', () => {
    assert.deepEqual([...columns].sort(), Object.values(OPERATIONS).sort());
  });

  it('appends from the recorded size, whatever the new size', () => {
    const observed = observe({ size: 1_000_000, mtimeNs: later });
    const state = { ...recorded, size: 123_456 };
    assert.deepEqual(decideFile(observed, state, 'put_append'), {
      kind: 'append',
      fromOffset: 123_456,
    });
  });

  it('takes a ctime-only change for a chmod with ctime_changes = "ignore"', () => {
    const { observed } = situations['ctime-only']!;
    for (const operation of columns) {
      const action = decideFile(observed, recorded, operation, { ctimeChanges: 'ignore' });
      const expected = operation === 'put' ? skip('put-once') : skip('metadata-only');
      assert.deepEqual(action, expected, operation);
    }
  });

  describe("after a run lost the file's lock (recheck)", () => {
    const recheck = { recheck: true } as const;
    const table: [keyof typeof situations, Operation, FileAction][] = [
      ['unchanged', 'put_sync', check(upload)],
      ['unchanged', 'put', check(upload)],
      ['unchanged', 'register', check(updateRegistration)],
      ['unchanged', 'none', skip('unchanged')],
      ['new', 'put_sync', check(upload)],
      ['new', 'register', register],
      ['changed (size and mtime)', 'register', updateRegistration],
      ['changed (size and mtime)', 'put', check(upload)],
      ['grown', 'put_append', check(append)],
      ['ctime-only', 'put_sync', check(upload)],
      ['changed (size and mtime)', 'none', recordOnly],
    ];
    for (const [name, operation, expected] of table) {
      it(`${operation}, ${name}: ${expected.kind}`, () => {
        const { observed, recorded: state } = situations[name]!;
        assert.deepEqual(decideFile(observed, state, operation, recheck), expected);
      });
    }

    it('checks a ctime-only change even when the job ignores them', () => {
      const { observed } = situations['ctime-only']!;
      const options = { recheck: true, ctimeChanges: 'ignore' } as const;
      assert.deepEqual(decideFile(observed, recorded, 'put_sync', options), check(upload));
    });
  });

  it('refuses entries that are not regular files', () => {
    for (const type of ['dir', 'symlink', 'socket', 'fifo', 'char', 'block'] as const) {
      assert.throws(() => decideFile(observe({ type }), undefined, 'put'), RangeError);
    }
  });
});

describe('classifyChange', () => {
  const table: [string, string][] = [
    ['new', 'new'],
    ['unchanged', 'unchanged'],
    ['ctime-only', 'metadata-only'],
    ['ctime-only, store keeps no ctime', 'unchanged'],
    ['mtime-only', 'rewritten'],
    ['shrunk', 'rewritten'],
    ['grown', 'grown'],
    ['new inode, same size and mtime', 'replaced'],
    ['new inode and grown', 'replaced'],
    ['recorded as a directory', 'new'],
  ];
  for (const [name, change] of table) {
    it(`calls "${name}" ${change}`, () => {
      const situation = situations[name]!;
      assert.equal(classifyChange(situation.observed, situation.recorded), change);
    });
  }
});

describe('decideDeletes', () => {
  const file = (size: number): RecordedState => ({ ...recorded, size });
  const dir: RecordedState = { size: 0, mtimeNs: 1n, ino: 9n, type: 'dir' };
  const children = new Map<string, RecordedState>([
    ['kept.txt', file(1)],
    ['gone.txt', file(2)],
    ['gone dir', dir],
    ['excluded.tmp', file(3)],
    ['unreadable.dat', file(4)],
    ['\u0000b64:/w==', file(5)],
  ]);
  const listing = (changes: Partial<DirectoryListing>): DirectoryListing => ({
    complete: true,
    seen: new Set(['kept.txt', 'new.txt']),
    excluded: new Set(['excluded.tmp']),
    failed: new Set(['unreadable.dat']),
    ...changes,
  });
  const goneNames = (changes: Partial<DirectoryListing>) =>
    decideDeletes(children, listing(changes)).map((child) => child.name);

  const table: [string, Partial<DirectoryListing>, string[]][] = [
    [
      'a complete scan: what was neither seen, excluded nor unreadable',
      {},
      ['gone.txt', 'gone dir', '\u0000b64:/w=='],
    ],
    ['an incomplete scan: nothing', { complete: false }, []],
    ['an incomplete scan that saw nothing: nothing', { complete: false, seen: new Set() }, []],
    [
      'a complete scan of an emptied directory: every recorded child but excluded and failed ones',
      { seen: new Set() },
      ['kept.txt', 'gone.txt', 'gone dir', '\u0000b64:/w=='],
    ],
    [
      'a complete scan that saw everything: nothing',
      { seen: new Set(['kept.txt', 'gone.txt', 'gone dir', '\u0000b64:/w==']) },
      [],
    ],
    [
      'a name that is not UTF-8, seen in its encoded form: kept',
      { seen: new Set(['kept.txt', 'gone.txt', 'gone dir', '\u0000b64:/w==']), failed: new Set() },
      ['unreadable.dat'],
    ],
    [
      'a child that is now excluded, though it was synced before: spared',
      { excluded: new Set(['excluded.tmp', 'gone.txt']) },
      ['gone dir', '\u0000b64:/w=='],
    ],
    [
      'a child that failed to stat: spared',
      { failed: new Set(['unreadable.dat', 'gone dir']) },
      ['gone.txt', '\u0000b64:/w=='],
    ],
  ];
  for (const [what, changes, expected] of table) {
    it(`deletes for ${what}`, () => {
      assert.deepEqual(goneNames(changes), expected);
    });
  }

  it('reports the recorded state of each gone child, so directories go as trees', () => {
    const gone = decideDeletes(children, listing({}));
    assert.deepEqual(
      gone.find((child) => child.name === 'gone dir'),
      { name: 'gone dir', state: dir },
    );
  });

  it('finds nothing gone in a directory with nothing recorded', () => {
    assert.deepEqual(decideDeletes(new Map(), listing({})), []);
  });
});
