import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCtlArgs, UsageError } from '../../../src/ctl/cli-args.js';

function command(argv: string[]) {
  const parsed = parseCtlArgs(argv);
  assert.equal(parsed.kind, 'run');
  return parsed;
}

function usageError(argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseCtlArgs(argv),
    (error: unknown) => error instanceof UsageError && pattern.test(error.message),
  );
}

describe('parseCtlArgs', () => {
  it('reads global options before or after the command', () => {
    assert.deepEqual(command(['--socket', '/s', '--json', 'status']), {
      kind: 'run',
      socket: '/s',
      json: true,
      command: { name: 'status' },
    });
    assert.deepEqual(command(['jobs', '--json', '--socket=/t']), {
      kind: 'run',
      socket: '/t',
      json: true,
      command: { name: 'jobs' },
    });
    assert.equal(command(['status']).socket, undefined);
  });

  it('takes the job name of every job command', () => {
    const names = ['job', 'stop', 'pause', 'resume', 'rescan', 'retry', 'watch', 'allow-deletes'];
    for (const name of names) {
      assert.deepEqual(command([name, 'microscope-1']).command, { name, job: 'microscope-1' });
    }
  });

  it('takes a job name that starts with a dash after --', () => {
    assert.deepEqual(command(['--', 'job', '-odd']).command, { name: 'job', job: '-odd' });
    assert.deepEqual(command(['job', '--', '-odd']).command, { name: 'job', job: '-odd' });
  });

  it('answers help and version', () => {
    assert.deepEqual(parseCtlArgs(['--help']), { kind: 'help' });
    assert.deepEqual(parseCtlArgs(['status', '-h']), { kind: 'help' });
    assert.deepEqual(parseCtlArgs(['--version']), { kind: 'version' });
  });

  it('turns start options into the [[job]] table with TOML key names', () => {
    const parsed = command([
      'start',
      '--name',
      'adhoc',
      '--source',
      '/data/x',
      '--target',
      '/tempZone/home/rods/x',
      '--operation',
      'put',
      '--delete',
      'trash',
      '--no-watch',
      '--rescan-interval',
      '0',
      '--settle',
      '500ms',
      '--exclude',
      '**/*.tmp',
      '--exclude',
      '**/.*',
      '--exclude-type',
      'fifo',
      '--follow-symlinks',
      '--resource',
      'fast',
      '--checksum',
      'verify',
      '--ctime-changes',
      'ignore',
      '--files-per-task',
      '20',
      '--handler',
      '/etc/h.mjs',
      '--metadata',
      'instrument=m1',
      '--metadata',
      'note=a=b',
    ]);
    assert.deepEqual(parsed.command, {
      name: 'start',
      spec: {
        name: 'adhoc',
        source: '/data/x',
        target: '/tempZone/home/rods/x',
        operation: 'put',
        delete: 'trash',
        watch: false,
        rescan_interval: '0',
        settle: '500ms',
        exclude: ['**/*.tmp', '**/.*'],
        exclude_types: ['fifo'],
        follow_symlinks: true,
        resource: 'fast',
        checksum: 'verify',
        ctime_changes: 'ignore',
        files_per_task: 20,
        handler: '/etc/h.mjs',
        metadata: { instrument: 'm1', note: 'a=b' },
      },
    });
  });

  it('sends only the start options given, leaving defaults to the daemon', () => {
    const parsed = command([
      'start',
      '--name',
      'a',
      '--source',
      '/s',
      '--target',
      '/z/t',
      '--watch',
    ]);
    assert.deepEqual(parsed.command, {
      name: 'start',
      spec: { name: 'a', source: '/s', target: '/z/t', watch: true },
    });
  });

  it('reads failures --limit and wait-ready --timeout', () => {
    assert.deepEqual(command(['failures', 'j']).command, {
      name: 'failures',
      job: 'j',
      limit: 100,
    });
    assert.deepEqual(command(['failures', 'j', '--limit', '5']).command, {
      name: 'failures',
      job: 'j',
      limit: 5,
    });
    assert.deepEqual(command(['wait-ready']).command, { name: 'wait-ready', timeoutMs: 60_000 });
    assert.deepEqual(command(['wait-ready', '--timeout', '2.5']).command, {
      name: 'wait-ready',
      timeoutMs: 2500,
    });
    assert.deepEqual(command(['config', 'show']).command, { name: 'config-show' });
  });

  it('refuses what it cannot run, saying why', () => {
    usageError([], /missing command/);
    usageError(['--json'], /missing command/);
    usageError(['stauts'], /unknown command "stauts" \(did you mean "status"\?\)/);
    usageError(['job'], /job: missing NAME/);
    usageError(['status', 'extra'], /status: unexpected argument "extra"/);
    usageError(['status', '--bogus'], /status: Unknown option '--bogus'/);
    usageError(['stop', 'j', '--limit', '3'], /stop: Unknown option '--limit'/);
    usageError(['start', '--name', 'a', '--source', '/s'], /start: --target is required/);
    usageError(
      ['start', '--name', 'a', '--source', '/s', '--target', '/t', '--files-per-task', 'many'],
      /--files-per-task must be a whole number/,
    );
    usageError(
      ['start', '--name', 'a', '--source', '/s', '--target', '/t', '--metadata', 'novalue'],
      /--metadata takes KEY=VALUE/,
    );
    usageError(['failures', 'j', '--limit', '0'], /--limit must be from 1 to 10000/);
    usageError(['wait-ready', '--timeout', 'soon'], /--timeout takes seconds/);
    usageError(['config'], /config: missing show/);
    usageError(['config', 'dump'], /unknown subcommand "dump"/);
    usageError(['--socket', '', 'status'], /--socket needs a path/);
  });
});
