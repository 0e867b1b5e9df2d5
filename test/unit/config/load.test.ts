import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  ConfigError,
  checkConfigReport,
  formatProblem,
  loadConfig,
} from '../../../src/config/index.js';

const SECRET = 'correct horse battery staple';

let dir: string;

function irodsTable(passwordLine = `password_file = "${join('@DIR@', 'irods.password')}"`): string {
  return [
    '[irods]',
    'url = "http://irods.example.org:9000/irods-http-api/0.7.0"',
    'username = "rods"',
    passwordLine,
    'zone = "tempZone"',
    'default_resource = "demoResc"',
    '',
  ].join('\n');
}

/** A fresh config dir holding `files` (relative path → text, "@DIR@" replaced) and a 0600 password. */
async function layout(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(dir, 'case-'));
  await writeFile(join(root, 'irods.password'), `${SECRET}\n`);
  await chmod(join(root, 'irods.password'), 0o600);
  for (const [relative, text] of Object.entries(files)) {
    await mkdir(join(root, relative, '..'), { recursive: true });
    await writeFile(join(root, relative), text.replaceAll('@DIR@', root));
  }
  return root;
}

async function problemsOf(file: string, env: Record<string, string> = {}): Promise<ConfigError> {
  const error = await loadConfig(file, env).then(
    () => assert.fail('expected a ConfigError'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof ConfigError);
  assert.equal(error.code, 'CONFIG_INVALID');
  return error;
}

describe('loadConfig', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fills every default and derives the job resource from irods.default_resource', async () => {
    const root = await layout({
      'ingestd.toml': `${irodsTable()}\n[[job]]\nname = "a"\nsource = "/data/a"\ntarget = "/tempZone/home/a"\n`,
    });
    const config = await loadConfig(join(root, 'ingestd.toml'), {});
    assert.deepEqual(config.daemon, {
      control_socket: '/run/irods-ingest/ctl.sock',
      state_dir: '/var/lib/irods-ingest',
      workers: 16,
      role: 'all',
      log_level: 'info',
      metrics_listen: '',
      control_socket_mode: '0660',
      control_socket_group: '',
      status_socket: '',
      status_socket_mode: '0660',
      status_socket_group: '',
      adhoc_sources: [],
      adhoc_targets: [],
      handler_dirs: ['/etc/irods-ingest/handlers'],
    });
    assert.equal(config.redis.url, 'embedded');
    assert.equal(config.redis.key_prefix, 'irods-ingest');
    assert.equal(config.redis.password, undefined);
    const [job] = config.job;
    assert.ok(job !== undefined);
    assert.equal(job.operation, 'register');
    assert.equal(job.delete, 'keep');
    assert.equal(job.watch, true);
    assert.equal(job.rescan_interval, 15 * 60_000);
    assert.equal(job.settle, 2000);
    assert.equal(job.resource, 'demoResc');
    assert.equal(job.checksum, 'none');
    assert.equal(job.ctime_changes, 'check');
    assert.equal(job.files_per_task, 50);
    assert.equal(job.follow_symlinks, false);
    assert.deepEqual(job.exclude_types, ['socket', 'fifo', 'char', 'block']);
    assert.deepEqual(job.metadata, {});
  });

  it('returns a deep-frozen configuration', async () => {
    const root = await layout({
      'ingestd.toml': `${irodsTable()}\n[[job]]\nname = "a"\nsource = "/data/a"\ntarget = "/tempZone/home/a"\nexclude = ["*.tmp"]\n`,
    });
    const config = await loadConfig(join(root, 'ingestd.toml'), {});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.daemon));
    assert.ok(Object.isFrozen(config.job));
    assert.ok(Object.isFrozen(config.job[0]?.exclude));
    assert.throws(() => {
      (config.daemon as { workers: number }).workers = 1;
    }, TypeError);
  });

  it('keeps the password out of JSON, inspection and messages, and hands it out on request', async () => {
    const root = await layout({ 'ingestd.toml': irodsTable() });
    const config = await loadConfig(join(root, 'ingestd.toml'), {});
    assert.equal(config.irods.password.reveal(), SECRET);
    assert.ok(!JSON.stringify(config).includes(SECRET));
    assert.ok(!inspect(config, { depth: null }).includes(SECRET));
    assert.ok(!String(config.irods.password).includes(SECRET));
  });

  it('never quotes the secret in problems, even around a world-readable file', async () => {
    const root = await layout({ 'ingestd.toml': irodsTable() });
    await chmod(join(root, 'irods.password'), 0o644);
    const error = await problemsOf(join(root, 'ingestd.toml'));
    const text = error.problems.map(formatProblem).join('\n') + error.message;
    assert.match(text, /world-readable \(mode 0644\); run: chmod 640/);
    assert.ok(!text.includes(SECRET));
  });

  it('reads the password from $CREDENTIALS_DIRECTORY when no password_file is set', async () => {
    const root = await layout({
      'ingestd.toml': irodsTable(''),
      'creds/irods-password': 'from-systemd\n',
    });
    await chmod(join(root, 'creds/irods-password'), 0o400);
    const config = await loadConfig(join(root, 'ingestd.toml'), {
      CREDENTIALS_DIRECTORY: join(root, 'creds'),
    });
    assert.equal(config.irods.password.reveal(), 'from-systemd');
    assert.equal(config.irods.password_file, join(root, 'creds/irods-password'));
  });

  it('puts an unset control socket and state dir in the directories systemd gives the unit', async () => {
    const root = await layout({ 'ingestd.toml': irodsTable() });
    const env = {
      RUNTIME_DIRECTORY: '/run/irods-ingest-lab:/run/other',
      STATE_DIRECTORY: '/var/lib/irods-ingest-lab',
    };
    const config = await loadConfig(join(root, 'ingestd.toml'), env);
    assert.equal(config.daemon.control_socket, '/run/irods-ingest-lab/ctl.sock');
    assert.equal(config.daemon.state_dir, '/var/lib/irods-ingest-lab');
    const outside = await loadConfig(join(root, 'ingestd.toml'), {});
    assert.equal(outside.daemon.control_socket, '/run/irods-ingest/ctl.sock');
    assert.equal(outside.daemon.state_dir, '/var/lib/irods-ingest');
    const pinned = await layout({
      'ingestd.toml': `[daemon]\nstate_dir = "/srv/state"\n${irodsTable()}`,
    });
    const set = await loadConfig(join(pinned, 'ingestd.toml'), env);
    assert.equal(set.daemon.state_dir, '/srv/state', 'what the file sets wins');
    assert.equal(set.daemon.control_socket, '/run/irods-ingest-lab/ctl.sock');
  });

  it('prefers a configured password_file over $CREDENTIALS_DIRECTORY', async () => {
    const root = await layout({ 'ingestd.toml': irodsTable(), 'creds/irods-password': 'other\n' });
    const config = await loadConfig(join(root, 'ingestd.toml'), {
      CREDENTIALS_DIRECTORY: join(root, 'creds'),
    });
    assert.equal(config.irods.password.reveal(), SECRET);
  });

  it('reads an optional Redis credential only when systemd provides one', async () => {
    const root = await layout({ 'ingestd.toml': irodsTable(), 'creds/irods-password': 'x\n' });
    const without = await loadConfig(join(root, 'ingestd.toml'), {
      CREDENTIALS_DIRECTORY: join(root, 'creds'),
    });
    assert.equal(without.redis.password, undefined);
    await writeFile(join(root, 'creds/redis-password'), 'redis-secret\n', { mode: 0o400 });
    const withIt = await loadConfig(join(root, 'ingestd.toml'), {
      CREDENTIALS_DIRECTORY: join(root, 'creds'),
    });
    assert.equal(withIt.redis.password?.reveal(), 'redis-secret');
  });
});

describe('drop-ins', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('deep-merges tables in lexical order, later files winning', async () => {
    const root = await layout({
      'ingestd.toml': `[daemon]\nworkers = 4\nlog_level = "debug"\n\n${irodsTable()}`,
      'conf.d/20-b.toml': '[daemon]\nworkers = 12\n',
      'conf.d/10-a.toml': '[daemon]\nworkers = 8\nrole = "worker"\n',
      'conf.d/notes.txt': 'ignored',
    });
    const config = await loadConfig(join(root, 'ingestd.toml'), {});
    assert.equal(config.daemon.workers, 12);
    assert.equal(config.daemon.role, 'worker');
    assert.equal(config.daemon.log_level, 'debug');
  });

  it('merges jobs by name and appends new ones', async () => {
    const job = (name: string, extra = ''): string =>
      `\n[[job]]\nname = "${name}"\nsource = "/data/${name}"\ntarget = "/tempZone/home/${name}"\n${extra}`;
    const root = await layout({
      'ingestd.toml': `${irodsTable()}${job('a', 'exclude = ["*.tmp"]\n[job.metadata]\nsite = "x"\n')}${job('b')}`,
      'conf.d/10.toml':
        '[[job]]\nname = "a"\noperation = "put_sync"\ndelete = "trash"\nexclude = ["*.log"]\nmetadata = { lab = "y" }\n' +
        job('c'),
    });
    const config = await loadConfig(join(root, 'ingestd.toml'), {});
    assert.deepEqual(
      config.job.map((entry) => entry.name),
      ['a', 'b', 'c'],
    );
    const [a] = config.job;
    assert.equal(a?.operation, 'put_sync');
    assert.equal(a?.source, '/data/a');
    assert.deepEqual(a?.exclude, ['*.log']);
    assert.deepEqual(a?.metadata, { site: 'x', lab: 'y' });
  });

  it('names the drop-in and its line when a merged key is wrong', async () => {
    const root = await layout({
      'ingestd.toml': `${irodsTable()}\n[[job]]\nname = "a"\nsource = "/data/a"\ntarget = "/tempZone/home/a"\n`,
      'conf.d/10.toml': '# tuning\n\n[[job]]\nname = "a"\nfiles_per_task = 0\n',
    });
    const error = await problemsOf(join(root, 'ingestd.toml'));
    assert.deepEqual(error.problems, [
      {
        file: join(root, 'conf.d/10.toml'),
        keyPath: 'job[0] (name "a").files_per_task',
        line: 5,
        message: 'is 0; the minimum is 1',
      },
    ]);
  });

  it('reports problems of every file at once', async () => {
    const root = await layout({
      'ingestd.toml': `[daemon]\nworkers = "x"\n\n${irodsTable()}`,
      'conf.d/10.toml': '[redis]\nkey_prefx = "p"\n',
    });
    const report = await checkConfigReport(join(root, 'ingestd.toml'), {});
    assert.equal(report.ok, false);
    assert.deepEqual(report.text.split('\n'), [
      `${join(root, 'ingestd.toml')}:2: daemon.workers: expected an integer, found "x" (a string)`,
      `${join(root, 'conf.d/10.toml')}:2: redis.key_prefx: unknown key (did you mean "key_prefix"?)`,
      `2 problems in ${join(root, 'ingestd.toml')}`,
    ]);
  });
});
