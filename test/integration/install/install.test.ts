/**
 * scripts/install and scripts/uninstall on a temporary root (--root), run for real: the tree
 * they write, the installed launchers, the units checked by systemd-analyze (verify, and the
 * security score), config kept across reinstalls, and what uninstall leaves behind.
 * --no-build uses the checkout's dist/ as it is (scripts/test builds before it runs the tests).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  access,
  chmod,
  constants,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  writeFile,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHECKOUT = fileURLToPath(new URL('../../../', import.meta.url));
const PREFIX = '/opt/irods-ingest';
const UNITS = '/usr/local/lib/systemd/system';
const HANDLER_EXAMPLES = ['lock-check.ts', 'sample-metadata.ts', 'size-routing.ts'];
const HOST_UNITS = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((dir) =>
  existsSync(join(dir, 'multi-user.target')),
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: CHECKOUT, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every non-directory under `dir`, as paths relative to it, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => `/${relative(dir, join(entry.parentPath, entry.name))}`)
    .sort();
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

describe('scripts/install --root, then scripts/uninstall', () => {
  let root: string;
  let installed: Run;
  const at = (path: string) => join(root, path);
  const checkConfig = () =>
    run(at(`${PREFIX}/bin/irods-ingestd`), [
      '--check-config',
      '--config',
      at('/etc/irods-ingest/ingestd.toml'),
    ]);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'install-root-'));
    installed = await run('scripts/install', ['--root', root, '--no-build']);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('installs the app with its production dependencies only, and a Node runtime', async () => {
    assert.equal(installed.code, 0, installed.stderr);
    assert.ok(existsSync(at(`${PREFIX}/app/dist/main.js`)));
    assert.ok(existsSync(at(`${PREFIX}/app/package.json`)));
    for (const dependency of ['bullmq', 'ioredis', 'undici', 'winston', 'zod']) {
      assert.ok(existsSync(at(`${PREFIX}/app/node_modules/${dependency}`)), dependency);
    }
    for (const devDependency of ['typescript', 'eslint', 'tsx', 'prettier']) {
      assert.ok(!existsSync(at(`${PREFIX}/app/node_modules/${devDependency}`)), devDependency);
    }
    if (existsSync(join(CHECKOUT, '.runtime/node_modules/node/bin/node'))) {
      assert.ok(await isExecutable(at(`${PREFIX}/node/bin/node`)));
    }
  });

  it('puts both commands on PATH through launchers in the prefix', async () => {
    for (const name of ['irods-ingestd', 'irods-ingestctl']) {
      assert.ok(await isExecutable(at(`${PREFIX}/bin/${name}`)), name);
      assert.equal(await readlink(at(`/usr/local/bin/${name}`)), `${PREFIX}/bin/${name}`);
    }
    // The daemon's young generation is sized for its memory goal (scripts/lib.sh), whichever
    // Node it runs: the one setup installed (quoted) or the machine's own, when recent enough.
    const daemon = await readFile(at(`${PREFIX}/bin/irods-ingestd`), 'utf8');
    assert.match(daemon, /\/node"? --max-semi-space-size=16 --heap-growing-percent=50 "/);
    const ctl = await readFile(at(`${PREFIX}/bin/irods-ingestctl`), 'utf8');
    assert.doesNotMatch(ctl, /semi-space/);
  });

  it('installs the units with the prefix filled in, and the service user', async () => {
    for (const unit of ['irods-ingestd.service', 'irods-ingestd@.service']) {
      const text = await readFile(at(`${UNITS}/${unit}`), 'utf8');
      assert.doesNotMatch(text, /@PREFIX@/);
      assert.match(text, new RegExp(`^ExecStart=${PREFIX}/bin/irods-ingestd --config /etc/`, 'm'));
    }
    const sysusers = await readFile(at('/usr/local/lib/sysusers.d/irods-ingest.conf'), 'utf8');
    assert.match(sysusers, /^u\s+irods-ingest\s/m);
    // A tree is only written: the host's users and systemd are left alone.
    assert.match(
      installed.stdout,
      /would run: systemd-sysusers \/usr\/local\/lib\/sysusers\.d\/irods-ingest\.conf/,
    );
    assert.match(installed.stdout, /would run: systemctl daemon-reload/);
    assert.ok(!existsSync(at('/etc/passwd')));
  });

  it('installs the example config and the sysctl advice', async () => {
    assert.equal(
      await readFile(at('/etc/irods-ingest/ingestd.toml'), 'utf8'),
      await readFile(join(CHECKOUT, 'etc/ingestd.toml'), 'utf8'),
    );
    assert.ok(existsSync(at('/etc/irods-ingest/conf.d')));
    for (const example of HANDLER_EXAMPLES) {
      assert.equal(
        await readFile(at(`/etc/irods-ingest/handlers/${example}`), 'utf8'),
        await readFile(join(CHECKOUT, 'etc/handlers', example), 'utf8'),
      );
    }
    assert.ok(existsSync(at(`${PREFIX}/app/dist/handlers/types.d.ts`)), 'types for handlers');
    assert.match(
      await readFile(at('/etc/sysctl.d/90-irods-ingest-inotify.conf'), 'utf8'),
      /^#fs\.inotify\.max_user_watches = /m,
    );
    assert.match(installed.stdout, /Next steps:/);
  });

  it('runs the installed daemon: the example config lacks only its password file', async () => {
    const check = await checkConfig();
    assert.equal(check.code, 1, check.stderr);
    assert.deepEqual(check.stdout.trim().split('\n').slice(1), [
      `1 problem in ${at('/etc/irods-ingest/ingestd.toml')}`,
    ]);
    assert.match(
      check.stdout,
      /irods\.password_file: password file \/etc\/irods-ingest\/irods\.password does not exist/,
    );

    // With the password in place (here through a drop-in) the config is valid.
    const password = at('/etc/irods-ingest/irods.password');
    await writeFile(password, 'rods\n');
    await chmod(password, 0o640);
    await writeFile(
      at('/etc/irods-ingest/conf.d/50-password.toml'),
      `[irods]\npassword_file = "${password}"\n`,
    );
    const valid = await checkConfig();
    assert.equal(valid.code, 0, valid.stdout);
    assert.match(valid.stdout, /configuration OK \(1 job\)/);

    // The installed daemon (plain Node, no tsx) imports an example handler written in TypeScript.
    const handler = at('/etc/irods-ingest/handlers/sample-metadata.ts');
    const dropIn = at('/etc/irods-ingest/conf.d/60-handler.toml');
    await writeFile(dropIn, `[[job]]\nname = "microscope-1"\nhandler = "${handler}"\n`);
    try {
      const withHandler = await checkConfig();
      assert.equal(withHandler.code, 0, withHandler.stdout);
    } finally {
      await rm(dropIn);
    }
  });

  it('passes systemd-analyze verify', async () => {
    assert.ok(HOST_UNITS, 'the host has systemd unit files (package systemd)');
    // verify resolves the units' dependencies (multi-user.target, ...) inside --root too.
    const hostUnits = at('/usr/lib/systemd/system');
    await mkdir(at('/usr/lib/systemd'), { recursive: true });
    await cp(HOST_UNITS, hostUnits, { recursive: true, verbatimSymlinks: true });
    try {
      const verify = await run('systemd-analyze', [
        'verify',
        `--root=${root}`,
        'irods-ingestd.service',
        'irods-ingestd@example.service',
      ]);
      const ours = `${verify.stdout}${verify.stderr}`
        .split('\n')
        .filter((line) => line.includes('irods-ingest'));
      assert.deepEqual(ours, []);
      assert.equal(verify.code, 0, verify.stderr);
    } finally {
      await rm(at('/usr/lib'), { recursive: true });
    }
  });

  for (const unit of ['irods-ingestd.service', 'irods-ingestd@example.service']) {
    it(`scores OK or better in systemd-analyze security: ${unit}`, async () => {
      // --threshold=49: fail above an exposure of 4.9, where OK ends and MEDIUM begins.
      const security = await run('systemd-analyze', [
        'security',
        '--offline=yes',
        '--threshold=49',
        `--root=${root}`,
        unit,
      ]);
      const last = security.stdout.trim().split('\n').at(-1) ?? '';
      const level = /Overall exposure level for \S+: (\d+\.\d) (\w+)/.exec(last);
      assert.ok(level, last);
      assert.ok(['OK', 'SAFE', 'PERFECT'].includes(level[2] ?? ''), last);
      assert.ok(Number(level[1]) <= 4.9, last);
      assert.equal(security.code, 0, security.stderr);
    });
  }

  it('keeps the operator config on a second install and still runs', async () => {
    const config = at('/etc/irods-ingest/ingestd.toml');
    const sysctl = at('/etc/sysctl.d/90-irods-ingest-inotify.conf');
    const edited = `${await readFile(config, 'utf8')}\n# edited by the operator\n`;
    await writeFile(config, edited);
    await writeFile(sysctl, 'fs.inotify.max_user_watches = 300000\n');

    const again = await run('scripts/install', ['--root', root, '--no-build']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /kept your \/etc\/irods-ingest\/ingestd\.toml/);
    assert.equal(await readFile(config, 'utf8'), edited);
    assert.equal(await readFile(sysctl, 'utf8'), 'fs.inotify.max_user_watches = 300000\n');
    assert.ok(existsSync(at('/etc/irods-ingest/conf.d/50-password.toml')));
    assert.equal((await checkConfig()).code, 0);
  });

  it('uninstalls everything it installed, keeping config and state', async () => {
    await mkdir(at('/var/lib/irods-ingest/redis'), { recursive: true });
    await writeFile(at('/var/lib/irods-ingest/redis/appendonly.aof'), '*1\r\n');
    const removed = await run('scripts/uninstall', ['--root', root]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(await filesUnder(root), [
      '/etc/irods-ingest/conf.d/50-password.toml',
      ...HANDLER_EXAMPLES.map((example) => `/etc/irods-ingest/handlers/${example}`),
      '/etc/irods-ingest/ingestd.toml',
      '/etc/irods-ingest/irods.password',
      '/etc/sysctl.d/90-irods-ingest-inotify.conf',
      '/var/lib/irods-ingest/redis/appendonly.aof',
    ]);
    assert.ok(!existsSync(at(PREFIX)));
  });

  it('purges config and state with --purge', async () => {
    await mkdir(at('/var/lib/irods-ingest-lab2'), { recursive: true });
    const purged = await run('scripts/uninstall', ['--root', root, '--purge']);
    assert.equal(purged.code, 0, purged.stderr);
    assert.deepEqual(await filesUnder(root), []);
    assert.ok(!existsSync(at('/var/lib/irods-ingest-lab2')));
    assert.ok(!existsSync(at('/etc/irods-ingest')));
  });
});

describe('scripts/install arguments', () => {
  it('refuses a prefix that is not a plain absolute path, before writing anything', async () => {
    const root = await mkdtemp(join(tmpdir(), 'install-root-'));
    try {
      const result = await run('scripts/install', [
        '--root',
        root,
        '--prefix',
        'opt/x',
        '--no-build',
      ]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--prefix must be an absolute path/);
      assert.deepEqual(await readdir(root), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('rejects unknown options with a usage message', async () => {
    const result = await run('scripts/install', ['--bogus']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage: scripts\/install/);
  });
});
