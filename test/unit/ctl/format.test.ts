import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatConfigToml } from '../../../src/ctl/format-config.js';
import {
  formatAllowDeletes,
  formatFailures,
  formatJob,
  formatJobs,
  formatRefusedReload,
  formatReload,
  formatStatus,
} from '../../../src/ctl/format.js';
import {
  formatByteRate,
  formatCount,
  formatFileRate,
  formatRelative,
  makeStyle,
  table,
} from '../../../src/ctl/human.js';
import type { DaemonStatus, JobStatus } from '../../../src/control/wire.js';

const now = new Date('2026-11-29T12:00:00.000Z');
const plain = { style: makeStyle(false), now };
const coloured = { style: makeStyle(true), now };

const counts = (over: Partial<JobStatus['current']> = {}) => ({
  seen: 0,
  new: 0,
  updated: 0,
  deleted: 0,
  excluded: 0,
  failed: 0,
  bytes: 0,
  ...over,
});

function job(over: Partial<JobStatus> = {}): JobStatus {
  return {
    name: 'microscope-1',
    source: '/data/microscope-1',
    target: '/tempZone/home/rods/microscope-1',
    operation: 'register',
    state: 'running',
    pass: 3,
    current: counts({
      seen: 5000,
      new: 12,
      updated: 3,
      excluded: 40,
      failed: 1,
      bytes: 1288490188,
    }),
    total: counts({ seen: 15000, new: 5000, bytes: 1288490188 }),
    queued: 4,
    failures: 1,
    rate: { files: 1234, bytes: 36700160 },
    passStartedAt: '2026-11-29T11:59:48.000Z',
    nextRescanAt: '2026-11-29T12:04:00.000Z',
    watcher: { state: 'watching', watches: 511, limit: 65536 },
    ...over,
  };
}

describe('human units', () => {
  it('writes counts and rates short', () => {
    assert.deepEqual([0, 950, 1000, 12_345, 4_500_000].map(formatCount), [
      '0',
      '950',
      '1.0k',
      '12.3k',
      '4.5M',
    ]);
    assert.deepEqual([0, 0.4, 35, 1234].map(formatFileRate), [
      '0 files/s',
      '0.4 files/s',
      '35 files/s',
      '1.2k files/s',
    ]);
    assert.equal(formatByteRate(36_700_160), '35.0 MiB/s');
    assert.equal(formatByteRate(512), '512 B/s');
  });

  it('writes times relative to now', () => {
    assert.equal(formatRelative('2026-11-29T12:04:00.000Z', now), 'in 4 min');
    assert.equal(formatRelative('2026-11-29T11:59:48.000Z', now), '12 s ago');
    assert.equal(formatRelative('2026-11-29T09:00:00.000Z', now), '3 h ago');
    assert.equal(formatRelative('2026-11-25T12:00:00.000Z', now), '4 d ago');
    assert.equal(formatRelative('2026-11-29T12:00:00.400Z', now), 'now');
    assert.equal(formatRelative(undefined, now), '-');
    assert.equal(formatRelative('soon', now), 'soon');
  });
});

describe('table', () => {
  it('aligns columns, right-aligns numbers and leaves no trailing blanks', () => {
    const text = table(
      [{ header: 'JOB' }, { header: 'N', align: 'right' }, { header: 'NOTE' }],
      [
        ['a', '5', ''],
        ['long-name', '12345', 'x'],
      ],
    );
    assert.equal(text, 'JOB            N  NOTE\na              5\nlong-name  12345  x');
  });

  it('colours after padding so that escape codes do not shift columns', () => {
    const text = table(
      [{ header: 'A' }, { header: 'B' }],
      [['x', 'y']],
      (column, _row, padded) => (column === 0 ? `<${padded}>` : padded),
      (line) => `[${line}]`,
    );
    assert.equal(text, '[A  B]\n<x>  y');
  });
});

describe('formatJobs and formatStatus', () => {
  it('prints one aligned row per job with the counters of the current pass', () => {
    const text = formatJobs(
      [job(), job({ name: 'cam', state: 'idle', pass: 12, failures: 0 })],
      plain,
    );
    const lines = text.split('\n');
    assert.match(
      lines[0]!,
      /^JOB +STATE +PASS +SEEN +CHANGED +EXCLUDED +FAILED +QUEUED +SENT +RATE +NEXT RESCAN +WATCHER$/,
    );
    assert.match(
      lines[1]!,
      /^microscope-1 +running +3 +5\.0k +15 +40 +1 +4 +1\.2 GiB +1\.2k files\/s +in 4 min +watching \(511\)$/,
    );
    assert.match(lines[2]!, /^cam +idle +12 /);
    assert.equal(lines[1]!.indexOf('running'), lines[2]!.indexOf('idle'));
    assert.equal(formatJobs([], plain), 'no jobs');
  });

  it('uses colours only when asked', () => {
    assert.ok(!formatJobs([job()], plain).includes('\u001b'));
    const text = formatJobs([job()], coloured);
    assert.ok(text.includes('\u001b[32mrunning'));
    assert.ok(text.includes('\u001b[31m     1\u001b[0m'), 'failures in red');
    assert.ok(text.startsWith('\u001b[1mJOB'), 'a bold header');
  });

  it('puts the daemon facts above the job table', () => {
    const status: DaemonStatus = {
      version: '0.1.0',
      pid: 77,
      role: 'all',
      startedAt: '2026-11-29T08:58:00.000Z',
      ready: true,
      draining: false,
      redis: { connected: true, embedded: true },
      irods: { url: 'http://irods:9000/irods-http-api/0.7.0' },
      jobs: [job()],
      leftoverJobs: [],
    };
    const text = formatStatus(status, plain);
    assert.match(text, /^daemon: +irods-ingestd 0\.1\.0, pid 77, role all, up 3 h 2 min$/m);
    assert.match(text, /^state: +ready$/m);
    assert.match(text, /^redis: +connected \(embedded\)$/m);
    assert.match(text, /^JOB +STATE/m);
    assert.match(formatStatus({ ...status, draining: true }, plain), /^state: +draining$/m);
  });

  it('names refused jobs with their reason and leftover jobs with the forget hint', () => {
    const refused = job({ refused: { reason: 'preflight failed: no resource', since: '' } });
    const failing = job({
      name: 'camera-2',
      state: 'failed',
      passFailure: { reason: 'iRODS is unreachable', since: '', attempts: 3 },
    });
    const status: DaemonStatus = {
      version: '0.1.0',
      pid: 77,
      role: 'all',
      startedAt: '2026-11-29T08:58:00.000Z',
      ready: true,
      draining: false,
      redis: { connected: true, embedded: true },
      irods: { url: 'http://irods:9000/irods-http-api/0.7.0' },
      jobs: [refused, failing],
      leftoverJobs: ['old-camera'],
    };
    const text = formatStatus(status, plain);
    assert.match(text, /^job \S+ is refused: preflight failed: no resource$/m);
    assert.match(text, /^job camera-2: its pass failed: iRODS is unreachable$/m);
    assert.match(
      text,
      /^job old-camera is not configured but has state in Redis \(irods-ingestctl forget old-camera removes it\)$/m,
    );
  });
});

describe('formatJob', () => {
  it('shows every reported fact as a key/value line', () => {
    const text = formatJob(
      job({
        progress: {
          filesKnown: 500,
          filesDone: 120,
          bytesKnown: 4096,
          bytesDone: 1024,
          scanComplete: false,
        },
      }),
      plain,
    );
    const expected = [
      'job:          microscope-1',
      'state:        running',
      'source:       /data/microscope-1',
      'target:       /tempZone/home/rods/microscope-1',
      'operation:    register',
      'pass:         3, started 12 s ago',
      'next rescan:  in 4 min',
      'this pass:    5000 seen, 12 new, 3 updated, 0 deleted, 40 excluded, 1 failed, 1.2 GiB sent',
      'all passes:   15000 seen, 5000 new, 0 updated, 0 deleted, 0 excluded, 0 failed, 1.2 GiB sent',
      'progress:     120 of 500+ files, 1.0 KiB of 4.0 KiB',
      'queued:       4 batches',
      'failures:     1 (irods-ingestctl failures microscope-1)',
      'rate:         1.2k files/s, 35.0 MiB/s',
      'watcher:      watching, 511 of 65536 inotify watches',
    ];
    assert.equal(text, expected.join('\n'));
  });

  it('says why the last passes failed, how often and since when', () => {
    const failed = (attempts: number) =>
      formatJob(
        job({
          state: 'failed',
          nextRescanAt: '2026-11-29T12:00:30.000Z',
          passFailure: {
            reason: 'prePass hook of /etc/irods-ingest/site.mjs: the archive is offline',
            since: '2026-11-29T11:57:00.000Z',
            attempts,
          },
        }),
        plain,
      );
    const text = failed(4);
    assert.match(text, /^state: +failed$/m);
    assert.match(text, /^next rescan: +in 30 s$/m);
    assert.match(
      text,
      /^pass failed: +prePass hook of \/etc\/irods-ingest\/site\.mjs: the archive is offline \(4 times in a row, since 3 min ago\)$/m,
    );
    assert.match(failed(1), /^pass failed: .* \(once, since 3 min ago\)$/m);
    assert.doesNotMatch(formatJob(job({}), plain), /pass failed/);
  });

  it('says why passes are refused and what deletes are held', () => {
    const text = formatJob(
      job({
        state: 'failed',
        refused: {
          reason: 'the source root /data/microscope-1 does not exist',
          since: '2026-11-29T11:58:00.000Z',
        },
        heldDeletes: {
          entries: 74,
          paths: 1,
          limit: 61,
          tracked: 122,
          pass: 3,
          since: '2026-11-29T11:59:00.000Z',
          by: 'pass',
        },
      }),
      plain,
    );
    assert.match(
      text,
      /^refused: +the source root \/data\/microscope-1 does not exist \(since 2 min ago\)$/m,
    );
    assert.match(
      text,
      /^held deletes: +74 entries \(1 path\) in pass 3, 1 min ago; max_delete allows 61 of 122 tracked; irods-ingestctl allow-deletes microscope-1 releases them$/m,
    );
    const table = formatJobs(
      [
        job({ refused: { reason: 'x', since: '2026-11-29T11:58:00.000Z' } }),
        job({
          name: 'm2',
          heldDeletes: {
            entries: 1,
            paths: 1,
            limit: 0,
            tracked: 200,
            pass: 1,
            since: '2026-11-29T11:59:00.000Z',
            by: 'watch',
          },
        }),
      ],
      plain,
    );
    assert.match(table, /^microscope-1 +refused /m);
    assert.match(table, /^m2 +running, held /m);
    assert.equal(
      formatAllowDeletes({ job: 'm1', released: { entries: 74, paths: 1 } }),
      'released 1 held delete (74 entries) of job m1',
    );
    assert.match(
      formatAllowDeletes({ job: 'm1', accepted: '/data/m1 (device 2049, inode 2)' }),
      /^accepted \/data\/m1 \(device 2049, inode 2\) as the source root of job m1; a pass follows/,
    );
  });

  it('explains a watcher that could not watch', () => {
    const text = formatJob(
      job({ watcher: { state: 'rescan-only', watches: 0, reason: 'nfs source' } }),
      plain,
    );
    assert.match(text, /^watcher: +rescan-only, 0 inotify watches, nfs source$/m);
  });

  it('says when the kernel holds fewer watcher events than advised', () => {
    const eventQueue = { limit: 16384, advised: 262144 };
    const text = formatJob(
      job({ watcher: { state: 'watching', watches: 511, limit: 65536, eventQueue } }),
      plain,
    );
    assert.match(
      text,
      /^watcher: +watching, 511 of 65536 inotify watches, fs\.inotify\.max_queued_events 16384 is below the 262144 advised \(etc\/sysctl\.d\): bursts may lose events until a rescan$/m,
    );
  });
});

describe('formatFailures', () => {
  const record = {
    path: 'a/b.tif',
    operation: 'register',
    irodsCode: -818000,
    message: 'CAT_NO_ACCESS_PERMISSION',
    attempts: 5,
    at: '2026-11-29T11:59:00.000Z',
  };

  it('lists path, attempts, time and reason, and says how many were left out', () => {
    const text = formatFailures('m1', [record], { next: true, total: 250 }, plain);
    assert.equal(
      text,
      [
        'PATH     ATTEMPTS  WHEN       REASON',
        'a/b.tif         5  1 min ago  CAT_NO_ACCESS_PERMISSION (iRODS -818000, register)',
        '(249 more not shown; irods-ingestctl failures m1 --limit N lists up to N)',
      ].join('\n'),
    );
  });

  it('says so when there are none', () => {
    assert.equal(formatFailures('m1', [], { next: false }, plain), 'no failures in job m1');
  });
});

describe('reload output', () => {
  const result = {
    applied: true,
    problems: [],
    added: ['b'],
    removed: [],
    changed: ['a', 'c'],
    needsRestart: ['redis.url'],
  };

  it('lists what changed and what needs a restart', () => {
    assert.equal(
      formatReload(result),
      [
        'reload applied',
        'added:          b',
        'removed:        -',
        'changed:        a, c',
        'needs restart:  redis.url',
        '(keys under "needs restart" keep their old values until the daemon restarts)',
      ].join('\n'),
    );
  });

  it('lists every problem of a refused reload', () => {
    const refused = {
      ...result,
      applied: false,
      problems: ['a.toml:3:1: job.x: unknown key', 'job.y: bad'],
    };
    assert.equal(
      formatRefusedReload(refused),
      'reload refused; the running config is unchanged:\n  a.toml:3:1: job.x: unknown key\n  job.y: bad',
    );
  });
});

describe('formatConfigToml', () => {
  it('writes the effective config back in the shape of ingestd.toml', () => {
    const text = formatConfigToml({
      daemon: { workers: 16, role: 'all' },
      irods: { url: 'http://x', password_file: null },
      job: [
        { name: 'a', exclude: ['**/*.tmp'], metadata: {}, watch: true },
        { name: 'b', metadata: { instrument: 'm1', 'odd key': 'q"uote' } },
      ],
    });
    assert.equal(
      text,
      [
        '[daemon]',
        'workers = 16',
        'role = "all"',
        '',
        '[irods]',
        'url = "http://x"',
        '',
        '[[job]]',
        'name = "a"',
        'exclude = ["**/*.tmp"]',
        'metadata = {}',
        'watch = true',
        '',
        '[[job]]',
        'name = "b"',
        'metadata = { instrument = "m1", "odd key" = "q\\"uote" }',
      ].join('\n'),
    );
  });
});
