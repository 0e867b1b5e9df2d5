import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { startChild } from '../../helpers/child.js';
import { failure, jobStatus, MemoryTarget } from './memory-target.js';
import { runCtl, type CtlResult } from './run-ctl.js';
import { useControlServer } from './server-fixture.js';

const USAGE_LINE = /^usage: irods-ingestctl \[--socket PATH\] \[--json\] COMMAND/m;

function ok(result: CtlResult): string {
  assert.equal(
    result.code,
    0,
    `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
  );
  assert.ok(!result.stdout.includes('\u001b'), 'no colours off a terminal');
  return result.stdout;
}

/** One line of JSON, parsed. */
function oneJsonLine(stdout: string): unknown {
  assert.match(stdout, /^[^\n]+\n$/, 'one line of JSON');
  return JSON.parse(stdout);
}

describe('irods-ingestctl against the control server', { concurrency: 4 }, () => {
  const target = new MemoryTarget([
    jobStatus('microscope-1', { state: 'running', pass: 3, failures: 150, passEndedAt: undefined }),
    jobStatus('camera-2'),
  ]);
  target.failureLists.set(
    'microscope-1',
    Array.from({ length: 150 }, (_, i) => failure(`run/${i}.tif`)),
  );
  const server = useControlServer(target, 'ctl-cli-');
  const ctl = (...args: string[]) => runCtl(['--socket', server.socketPath, ...args]);

  it('prints its usage for --help and its version for --version', async () => {
    const [help, version] = await Promise.all([runCtl(['--help']), runCtl(['--version'])]);
    assert.match(ok(help), USAGE_LINE);
    assert.match(
      help.stdout,
      /exit codes: 0 ok, 1 command failed, 2 usage error, 3 daemon not reachable/,
    );
    assert.equal(ok(version), 'irods-ingestctl 0.1.0\n');
  });

  it('exits 2 with the usage on stderr for a command line it cannot run', async () => {
    const cases: [string[], RegExp][] = [
      [[], /irods-ingestctl: missing command/],
      [['stauts'], /irods-ingestctl: unknown command "stauts" \(did you mean "status"\?\)/],
      [['job'], /irods-ingestctl: job: missing NAME/],
      [['status', '--bogus'], /irods-ingestctl: status: Unknown option '--bogus'/],
      [['start', '--name', 'x', '--source', '/s'], /irods-ingestctl: start: --target is required/],
    ];
    const results = await Promise.all(cases.map(([args]) => ctl(...args)));
    results.forEach((result, i) => {
      assert.equal(result.code, 2, cases[i]![0].join(' '));
      assert.equal(result.stdout, '');
      assert.match(result.stderr, cases[i]![1]);
      assert.match(result.stderr, USAGE_LINE);
    });
  });

  it('exits 3 when there is no socket, or nobody listens on it', async () => {
    const stale = join(dirname(server.socketPath), 'stale.sock');
    const script =
      "require('node:net').createServer().listen(process.argv[1], () => console.log('listening'))";
    const { child } = await startChild(process.execPath, ['-e', script, stale], /listening/);
    await child.kill();

    const [missing, refused] = await Promise.all([
      runCtl(['--socket', join(dirname(server.socketPath), 'absent.sock'), 'status']),
      runCtl(['--socket', stale, 'jobs']),
    ]);
    assert.equal(missing.code, 3);
    assert.match(
      missing.stderr,
      /^irods-ingestctl: cannot reach the daemon at .*absent\.sock: no socket there/,
    );
    assert.equal(refused.code, 3);
    assert.match(
      refused.stderr,
      /^irods-ingestctl: cannot reach the daemon at .*stale\.sock: nobody is listening/,
    );
  });

  it('finds the socket through IRODS_INGEST_SOCKET', async () => {
    const result = await runCtl(['jobs'], { IRODS_INGEST_SOCKET: server.socketPath });
    assert.match(ok(result), /^JOB +STATE/);
  });

  it('status: daemon facts and the job table, or the JSON answer', async () => {
    const [human, json] = await Promise.all([ctl('status'), ctl('--json', 'status')]);
    const text = ok(human);
    assert.match(text, /^daemon: +irods-ingestd 0\.1\.0, pid 4242, role all, up 1 h 2 min$/m);
    assert.match(text, /^state: +ready$/m);
    assert.match(text, /^microscope-1 +running +3 /m);
    assert.match(text, /^camera-2 +idle +1 /m);
    const status = oneJsonLine(ok(json)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(status).sort(), [
      'draining',
      'irods',
      'jobs',
      'leftoverJobs',
      'pid',
      'ready',
      'redis',
      'role',
      'startedAt',
      'version',
    ]);
    assert.equal((status.jobs as unknown[]).length, 2);
  });

  it('jobs: one aligned row per job, or { jobs } as JSON', async () => {
    const [human, json] = await Promise.all([ctl('jobs'), ctl('jobs', '--json')]);
    const lines = ok(human).trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[1]!.indexOf('running'), lines[2]!.indexOf('idle'));
    const answer = oneJsonLine(ok(json)) as { jobs: { name: string }[] };
    assert.deepEqual(
      answer.jobs.map((j) => j.name),
      ['microscope-1', 'camera-2'],
    );
  });

  it('job NAME: a key/value block, the JSON status, or exit 1 for an unknown job', async () => {
    const [human, json, unknown, unknownJson] = await Promise.all([
      ctl('job', 'camera-2'),
      ctl('--json', 'job', 'camera-2'),
      ctl('job', 'nope'),
      ctl('--json', 'job', 'nope'),
    ]);
    assert.match(ok(human), /^job: +camera-2$/m);
    assert.match(human.stdout, /^watcher: +watching, 12 of 65536 inotify watches$/m);
    assert.deepEqual(oneJsonLine(ok(json)), jobStatus('camera-2'));
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.equal(unknown.stderr, 'irods-ingestctl: no job named "nope"\n');
    assert.equal(unknownJson.code, 1);
    assert.deepEqual(JSON.parse(unknownJson.stdout), {
      error: { code: 'not-found', message: 'no job named "nope"' },
    });
  });

  it('failures: lists up to --limit and says how many more there are', async () => {
    const [first, three, json] = await Promise.all([
      ctl('failures', 'microscope-1'),
      ctl('failures', 'microscope-1', '--limit', '3'),
      ctl('--json', 'failures', 'microscope-1', '--limit', '2'),
    ]);
    const lines = ok(first).trimEnd().split('\n');
    assert.match(lines[0]!, /^PATH +ATTEMPTS +WHEN +REASON$/);
    assert.equal(lines.length, 1 + 100 + 1);
    assert.match(
      lines[1]!,
      /^run\/0\.tif +5 +\d+ min ago +CAT_NO_ACCESS_PERMISSION \(iRODS -818000, register\)$/,
    );
    assert.equal(
      lines.at(-1),
      '(50 more not shown; irods-ingestctl failures microscope-1 --limit N lists up to N)',
    );
    assert.equal(ok(three).trimEnd().split('\n').length, 1 + 3 + 1);
    const page = oneJsonLine(ok(json)) as { failures: { path: string }[]; next: string };
    assert.deepEqual(
      page.failures.map((f) => f.path),
      ['run/0.tif', 'run/1.tif'],
    );
    assert.equal(page.next, '2');
  });

  it('config show: the effective config as TOML, or as JSON', async () => {
    const [human, json] = await Promise.all([
      ctl('config', 'show'),
      ctl('--json', 'config', 'show'),
    ]);
    assert.match(ok(human), /^\[daemon\]\ncontrol_socket = "\/run\/irods-ingest\/ctl\.sock"$/m);
    assert.match(human.stdout, /^\[\[job\]\]\nname = "microscope-1"$/m);
    const config = oneJsonLine(ok(json)) as { redis: { url: string } };
    assert.equal(config.redis.url, 'embedded');
  });

  it('workers: one row per daemon, the jobs it leaves to others, or { workers } as JSON', async () => {
    const seen = new Date(Date.now() - 3_000).toISOString();
    const daemon = {
      startedAt: seen,
      lastSeen: seen,
      version: '0.1.0',
      unusable: [],
      batchesInFlight: 0,
    };
    target.workersList = [
      {
        ...daemon,
        id: 'scan-1:10:ab',
        host: 'scan-1',
        pid: 10,
        role: 'all',
        workers: 0,
        jobs: ['camera-2', 'microscope-1'],
      },
      {
        ...daemon,
        id: 'work-7:22:cd',
        host: 'work-7',
        pid: 22,
        role: 'worker',
        workers: 16,
        jobs: ['microscope-1'],
        unusable: [
          { name: 'camera-2', reason: 'its source /data/camera-2 cannot be read here (ENOENT)' },
        ],
        batchesInFlight: 5,
      },
    ];
    const [human, json] = await Promise.all([ctl('workers'), ctl('workers', '--json')]);
    const text = ok(human);
    assert.match(text, /^HOST +PID +ROLE +VERSION +WORKERS +IN FLIGHT +LAST SEEN +JOBS$/m);
    assert.match(text, /^scan-1 +10 +all +0\.1\.0 +0 +0 +\d+ s ago +camera-2, microscope-1$/m);
    assert.match(
      text,
      /^work-7 +22 +worker +0\.1\.0 +16 +5 +\d+ s ago +microscope-1 \(\+1 unusable\)$/m,
    );
    assert.match(
      text,
      /^left to others:\n {2}camera-2 on work-7 \(pid 22\): its source \/data\/camera-2 cannot be read here \(ENOENT\)$/m,
    );
    const answer = oneJsonLine(ok(json)) as { workers: { id: string }[] };
    assert.deepEqual(
      answer.workers.map((worker) => worker.id),
      ['scan-1:10:ab', 'work-7:22:cd'],
    );
  });

  it('drain: asks the daemon to drain', async () => {
    const result = await ctl('drain');
    assert.match(ok(result), /^draining: /);
    assert.equal(target.draining, true);
    target.draining = false;
  });
});

/**
 * The commands that add, change or remove jobs get a target of their own: the tests above run
 * four at a time and count the jobs they list.
 */
describe('irods-ingestctl job actions', { concurrency: 4 }, () => {
  const target = new MemoryTarget([jobStatus('camera-2')]);
  const server = useControlServer(target, 'ctl-act-');
  const ctl = (...args: string[]) => runCtl(['--socket', server.socketPath, ...args]);

  it('start: sends the job options as the [[job]] table and prints the new job', async () => {
    const result = await ctl(
      'start',
      '--name',
      'adhoc',
      '--source',
      '/data/adhoc',
      '--target',
      '/tempZone/home/rods/adhoc',
      '--operation',
      'put',
      '--no-watch',
      '--rescan-interval',
      '0',
      '--exclude',
      '**/*.tmp',
      '--exclude',
      '**/.*',
      '--files-per-task',
      '10',
      '--metadata',
      'instrument=m1',
    );
    assert.match(ok(result), /^started job adhoc\njob: +adhoc$/m);
    assert.deepEqual(
      target.startedSpecs.find((spec) => spec.name === 'adhoc'),
      {
        name: 'adhoc',
        source: '/data/adhoc',
        target: '/tempZone/home/rods/adhoc',
        operation: 'put',
        watch: false,
        rescan_interval: '0',
        exclude: ['**/*.tmp', '**/.*'],
        files_per_task: 10,
        metadata: { instrument: 'm1' },
      },
    );
  });

  it('start: exits 1 with the daemon problems, or for a job that exists', async () => {
    const [invalid, taken] = await Promise.all([
      ctl('start', '--name', 'bad', '--source', '/s', '--target', '/t', '--operation', 'teleport'),
      ctl('start', '--name', 'camera-2', '--source', '/s', '--target', '/t'),
    ]);
    assert.equal(invalid.code, 1);
    assert.match(
      invalid.stderr,
      /^irods-ingestctl: job\.operation: must be one of register, put \(got "teleport"\)$/m,
    );
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /job camera-2 exists already/);
  });

  it('stop, pause, resume and rescan act on the job and say so', async () => {
    for (const name of ['act-1', 'act-2'])
      target.jobsByName.set(name, jobStatus(name, { state: 'running' }));
    assert.equal(ok(await ctl('pause', 'act-1')), 'paused job act-1\n');
    assert.equal(target.jobsByName.get('act-1')!.state, 'paused');
    const twice = await ctl('pause', 'act-1');
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /is paused already/);
    assert.equal(ok(await ctl('resume', 'act-1')), 'resumed job act-1\n');
    assert.equal(ok(await ctl('rescan', 'act-1')), 'rescan of job act-1 requested\n');
    assert.equal(ok(await ctl('stop', 'act-1')), 'stopped job act-1\n');
    assert.equal(target.jobsByName.has('act-1'), false);
    assert.deepEqual(oneJsonLine(ok(await ctl('--json', 'rescan', 'act-2'))), { ok: true });
  });

  it('retry: re-queues the failed files and says how many', async () => {
    target.jobsByName.set('retry-me', jobStatus('retry-me'));
    target.failureLists.set('retry-me', [failure('a'), failure('b'), failure('c')]);
    assert.equal(ok(await ctl('retry', 'retry-me')), 're-queued 3 failed files of job retry-me\n');
    assert.deepEqual(oneJsonLine(ok(await ctl('--json', 'retry', 'retry-me'))), { queued: 0 });
  });
});

describe('irods-ingestctl shows what users named as text', () => {
  // A file name can hold any byte but / and NUL: here a screen clear, a title change, a new
  // line and a right-to-left override, as whoever writes into a source may name a file.
  const hostile = 'in\u001b[2J\u001b]0;owned\u0007\nfake row\u202egpj.exe';
  const shown = 'in\\u001b[2J\\u001b]0;owned\\u0007\\u000afake row\\u202egpj.exe';
  const target = new MemoryTarget([
    jobStatus('shared', {
      state: 'failed',
      failures: 1,
      passFailure: {
        reason: `prePass threw: ${hostile}`,
        since: new Date().toISOString(),
        attempts: 2,
      },
    }),
  ]);
  target.failureLists.set('shared', [
    failure(hostile, { message: `preDataObjCreate threw: ${hostile}` }),
  ]);
  const server = useControlServer(target, 'ctl-text-');
  const ctl = (...args: string[]) => runCtl(['--socket', server.socketPath, ...args]);

  it('escapes control characters in failures, job and status; --json stays exact', async () => {
    const [failures, job, status, json] = await Promise.all([
      ctl('failures', 'shared'),
      ctl('job', 'shared'),
      ctl('status'),
      ctl('--json', 'failures', 'shared'),
    ]);
    const rows = ok(failures).trimEnd().split('\n');
    assert.equal(rows.length, 2, 'one header and one row: the new line did not make a row');
    assert.ok(rows[1]!.startsWith(`${shown} `), rows[1]);
    assert.ok(rows[1]!.includes(`preDataObjCreate threw: ${shown}`), rows[1]);
    const failedLine = ok(job)
      .split('\n')
      .find((line) => line.startsWith('pass failed:'));
    assert.ok(failedLine?.includes(`prePass threw: ${shown} (2 times in a row`), failedLine);
    assert.ok(ok(status).includes(`job shared: its pass failed: prePass threw: ${shown}`));
    for (const text of [failures.stdout, job.stdout, status.stdout]) {
      assert.ok(
        // eslint-disable-next-line no-control-regex -- looking for control characters
        !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u.test(text),
        'no raw control character',
      );
    }
    const page = JSON.parse(json.stdout) as { failures: { path: string }[] };
    assert.equal(page.failures[0]!.path, hostile);
  });
});

describe('irods-ingestctl reload', () => {
  const target = new MemoryTarget();
  const server = useControlServer(target, 'ctl-reload-');

  it('prints what an applied reload changed', async () => {
    const result = await runCtl(['--socket', server.socketPath, 'reload']);
    assert.equal(
      ok(result),
      [
        'reload applied',
        'added:          camera-2',
        'removed:        -',
        'changed:        microscope-1',
        'needs restart:  redis.url',
        '(keys under "needs restart" keep their old values until the daemon restarts)',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 and lists the problems when the reload is refused', async () => {
    target.reloadResult = {
      applied: false,
      problems: [
        '/etc/irods-ingest/conf.d/10.toml:4:1: job.bogus: unknown key',
        'job.source: is required',
      ],
      added: [],
      removed: [],
      changed: [],
      needsRestart: [],
    };
    const [human, json] = await Promise.all([
      runCtl(['--socket', server.socketPath, 'reload']),
      runCtl(['--socket', server.socketPath, '--json', 'reload']),
    ]);
    assert.equal(human.code, 1);
    assert.equal(human.stdout, '');
    assert.equal(
      human.stderr,
      [
        'irods-ingestctl: reload refused; the running config is unchanged:',
        '  /etc/irods-ingest/conf.d/10.toml:4:1: job.bogus: unknown key',
        '  job.source: is required',
        '',
      ].join('\n'),
    );
    assert.equal(json.code, 1);
    assert.equal((oneJsonLine(json.stdout) as { applied: boolean }).applied, false);
  });
});
