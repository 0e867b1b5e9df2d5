/**
 * The control socket is a trust boundary (issue 12): with the real daemon, an ad-hoc job may read
 * only under daemon.adhoc_sources, write only under daemon.adhoc_targets, and name only handlers
 * in daemon.handler_dirs that nobody but root and the daemon's user can change. The hostile cases
 * are a socket user's: `..`, symlinks out of an allowed root (the source itself, a directory on
 * its way), a sibling with a common name prefix, trailing slashes, a handler dir anyone may write.
 */
import assert from 'node:assert/strict';
import {
  chmod,
  chown,
  lchown,
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IrodsClient } from '../../../src/irods/index.js';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { startIngestd, type Ingestd } from '../../helpers/ingestd.js';
import { namesIn, objectFacts, writeTree } from '../sync/fixture.js';
import { runCtl, type CtlResult } from './run-ctl.js';
import { send } from './socket-http.js';

const HOME = '/tempZone/home/rods';
const PUBLIC = `${HOME}/public`;
const MTIME = 1_600_000_000;

describe('ad-hoc jobs stay within what the admin allowed', () => {
  let emulator: TestEmulator;
  let client: IrodsClient;
  let daemon: Ingestd;
  let work: string;
  /** Paths of the fixture, set in before(). */
  const at = {
    allowed: '',
    rootLink: '',
    sibling: '',
    secret: '',
    handlers: '',
    openHandlers: '',
    elsewhere: '',
    swappedRoot: '',
  };

  const ctl = (...args: string[]): Promise<CtlResult> =>
    runCtl(['--socket', daemon.socket, ...args]);

  /** `start --json` with the usual options; `extra` adds or overrides. */
  const start = (name: string, source: string, target: string, ...extra: string[]) =>
    ctl(
      '--json',
      'start',
      '--name',
      name,
      '--source',
      source,
      '--target',
      target,
      '--operation',
      'put',
      '--rescan-interval',
      '0',
      ...extra,
    );

  /** The start was refused with `code` and a message matching `pattern`; no such job runs. */
  async function refused(result: CtlResult, pattern: RegExp, code = 'forbidden'): Promise<void> {
    assert.equal(result.code, 1, `refused with exit 1: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, pattern);
    const answer = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    assert.equal(answer.error.code, code, answer.error.message);
    const json = await ctl('--json', 'jobs');
    const names = (JSON.parse(json.stdout) as { jobs: { name: string }[] }).jobs.map((j) => j.name);
    assert.deepEqual(
      names.filter((name) => name.startsWith('bad-')),
      [],
      'no refused job runs',
    );
  }

  async function reloadWith(keys: string): Promise<void> {
    const base = await readFile(daemon.configFile, 'utf8');
    const withoutOld = base.replace(/^adhoc_(sources|targets) = .*\n/gm, '');
    await writeFile(daemon.configFile, withoutOld.replace('[redis]', `${keys}\n[redis]`));
    const reload = await ctl('reload');
    assert.equal(reload.code, 0, reload.stderr);
    assert.doesNotMatch(reload.stdout, /needs a restart/);
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'adhoc-bounds-'));
    at.allowed = join(work, 'allowed');
    at.rootLink = join(work, 'root-link');
    at.sibling = join(work, 'allowed-not');
    at.secret = join(work, 'secret');
    at.handlers = join(work, 'handlers');
    at.openHandlers = join(work, 'handlers-open');
    at.elsewhere = join(work, 'elsewhere');
    await writeTree(at.allowed, { 'run1/a.txt': 'alpha', 'run1/sub/b.txt': 'beta' }, MTIME);
    await writeTree(at.sibling, { 'x.txt': 'not allowed' }, MTIME);
    await writeTree(at.secret, { 'shadow.txt': 'secret', 'deeper/shadow2.txt': 'secret' }, MTIME);
    await chmod(at.secret, 0o700);
    await symlink(at.secret, join(at.allowed, 'link-out'));
    await symlink(at.allowed, at.rootLink);
    // An allowed root in a directory where anyone may add entries: another user put a symlink
    // to the secret there under the root's name.
    at.swappedRoot = join(work, 'shared', 'alice');
    await mkdir(join(work, 'shared'));
    await chmod(join(work, 'shared'), 0o1777);
    await writeTree(join(work, 'secret-2'), { 'deeper/shadow3.txt': 'secret' }, MTIME);
    await symlink(join(work, 'secret-2'), at.swappedRoot);
    await lchown(at.swappedRoot, 65534, 65534);
    for (const dir of [at.handlers, at.openHandlers, at.elsewhere]) await mkdir(dir);
    await chmod(at.handlers, 0o755);
    await chmod(at.openHandlers, 0o777);
    for (const dir of [at.handlers, at.openHandlers, at.elsewhere]) {
      await writeFile(join(dir, 'h.mjs'), 'export default {};\n', { mode: 0o644 });
    }
    await writeFile(join(at.handlers, 'foreign.mjs'), 'export default {};\n', { mode: 0o644 });
    await writeFile(join(at.handlers, 'typo.mjs'), 'export default { preDataObjCreat() {} };\n', {
      mode: 0o644,
    });
    await chown(join(at.handlers, 'foreign.mjs'), 65534, 65534);
    await symlink(join(at.elsewhere, 'h.mjs'), join(at.handlers, 'link.mjs'));

    emulator = await startEmulator();
    client = new IrodsClient({ url: emulator.url, username: 'rods', password: 'rods' });
    await client.connect();
    daemon = await startIngestd({
      emulator,
      jobs: [],
      daemon: { handler_dirs: [`${at.handlers}/`, at.openHandlers] },
    });
    assert.equal((await ctl('wait-ready', '--timeout', '60')).code, 0);
  });

  after(async () => {
    await daemon?.kill();
    await daemon?.cleanUp();
    await client?.close();
    await emulator?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses every ad-hoc job while the lists are empty, naming the key to set', async () => {
    const result = await start('bad-off', at.secret, `${HOME}/grab`);
    await refused(
      result,
      /ad-hoc jobs are off: daemon\.adhoc_sources and daemon\.adhoc_targets are empty/,
    );
    await daemon.waitFor(
      (event) =>
        event.level === 'warn' &&
        event.message.startsWith('ad-hoc job refused: ad-hoc jobs are off'),
    );

    await reloadWith(`adhoc_sources = [${JSON.stringify(`${at.rootLink}/`)}, "s3://landing/runs"]`);
    const targetsEmpty = await start('bad-off', join(at.allowed, 'run1'), `${PUBLIC}/x`);
    await refused(targetsEmpty, /ad-hoc jobs are off: daemon\.adhoc_targets is empty/);
    assert.equal(await client.collections.stat(`${HOME}/grab`), undefined);

    await reloadWith(
      `adhoc_sources = [${JSON.stringify(`${at.rootLink}/`)}, "s3://landing/runs", ${JSON.stringify(at.swappedRoot)}]\nadhoc_targets = ["${PUBLIC}/"]`,
    );
  });

  it('refuses sources outside the allowed roots, however they are written', async () => {
    const outside = /job\.source: .* is not under any of daemon\.adhoc_sources/;
    const throughLink =
      /job\.source: .* resolves to a place outside the allowed roots \(through a symbolic link\)/;
    const cases: [string, RegExp, string?][] = [
      [at.secret, outside],
      [join(at.secret, 'deeper'), outside],
      // A sibling whose name starts with the allowed root's.
      [at.sibling, outside],
      [`${at.sibling}/`, outside],
      // Nothing is said about whether a path outside exists.
      [join(work, 'no-such-dir'), outside],
      // Under the real root, not under the configured one as written: nothing more is said.
      [join(at.allowed, 'link-out'), outside],
      [join(at.rootLink, 'link-out'), throughLink],
      [join(at.rootLink, 'link-out', 'deeper'), throughLink],
      [`${at.rootLink}/link-out/`, throughLink],
      [join(at.rootLink, 'no-such-run'), /job\.source: .* does not exist/],
      [
        join(at.swappedRoot, 'deeper'),
        /job\.source: the allowed root .*\/shared\/alice cannot bound ad-hoc jobs, since someone other than root and the daemon's user could swap it for a symbolic link: .*\/shared \(mode 1777/,
      ],
      [join(at.allowed, 'run1', 'a.txt'), /job\.source: .* is not a directory/],
      [`${at.allowed}/../secret`, /job\.source: has a "\." or "\.\." element/, 'bad-request'],
      [
        `${at.allowed}/run1/../../secret`,
        /job\.source: has a "\." or "\.\." element/,
        'bad-request',
      ],
      ['s3://landing/runs-old', outside],
      ['s3://other-bucket/runs', outside],
      ['s3://landing/runs/../secret', /job\.source: .* has an empty, "\." or "\.\." component/],
    ];
    for (const [source, pattern, code] of cases) {
      await refused(await start('bad-source', source, `${PUBLIC}/grab`), pattern, code);
    }
    const follow = await start(
      'bad-follow',
      join(at.allowed, 'run1'),
      `${PUBLIC}/f`,
      '--follow-symlinks',
    );
    await refused(follow, /job\.follow_symlinks: an ad-hoc job may not follow symbolic links/);
    assert.equal(await client.collections.stat(`${PUBLIC}/grab`), undefined);
  });

  it('refuses targets outside the allowed collections', async () => {
    const source = join(at.allowed, 'run1');
    const outside =
      /job\.target: .* is not under any of daemon\.adhoc_targets \(\/tempZone\/home\/rods\/public\)/;
    const cases: [string, RegExp, string?][] = [
      [`${HOME}/grab`, outside],
      [`${HOME}/public-not/grab`, outside],
      [HOME, outside],
      [`${PUBLIC}/../grab`, /job\.target: has a "\." or "\.\." element/, 'bad-request'],
      [`${PUBLIC}/x/../../grab`, /job\.target: has a "\." or "\.\." element/, 'bad-request'],
      ['/otherZone/home/public', /job\.target: is outside the zone/, 'bad-request'],
    ];
    for (const [target, pattern, code] of cases) {
      await refused(await start('bad-target', source, target), pattern, code);
    }
    assert.equal(await client.collections.stat(`${HOME}/grab`), undefined);
    assert.equal(await client.collections.stat(`${HOME}/public-not`), undefined);
  });

  it('refuses handlers outside daemon.handler_dirs or writable by others', async () => {
    const source = join(at.allowed, 'run1');
    const cases: [string, RegExp][] = [
      [join(at.elsewhere, 'h.mjs'), /job\.handler: .* is not in daemon\.handler_dirs/],
      [
        join(at.handlers, 'link.mjs'),
        /job\.handler: .* resolves to a place outside the allowed roots/,
      ],
      [
        join(at.openHandlers, 'h.mjs'),
        /job\.handler: .* is refused: .*handlers-open \(mode 0777, owner uid 0, group gid \d+\) can be written by every user/,
      ],
      [
        join(at.handlers, 'foreign.mjs'),
        /job\.handler: .* is refused: .*foreign\.mjs \(mode 0644, owner uid 65534, group gid 65534\) is owned by a user who is neither root nor the daemon's user/,
      ],
      [join(at.handlers, 'none.mjs'), /job\.handler: .* does not exist/],
    ];
    // Inside the bounds and trusted, but not a handler that loads: a bad request, not a refusal.
    await refused(
      await start('bad-handler', source, `${PUBLIC}/h`, '--handler', join(at.handlers, 'typo.mjs')),
      /job\.handler: .*typo\.mjs: unknown member "preDataObjCreat" \(did you mean "preDataObjCreate"\?\)/,
      'bad-request',
    );
    for (const [handler, pattern] of cases) {
      await refused(
        await start('bad-handler', source, `${PUBLIC}/h`, '--handler', handler),
        pattern,
      );
    }
  });

  it('refuses an ad-hoc job that names the physical paths it registers', async () => {
    const answer = await send(
      daemon.socket,
      'POST',
      '/v1/jobs',
      JSON.stringify({
        name: 'bad-physical',
        source: join(at.allowed, 'run1'),
        target: `${PUBLIC}/physical`,
        operation: 'register',
        physical_source: '/etc',
      }),
      { 'content-type': 'application/json' },
    );
    assert.equal(answer.status, 403, answer.text);
    assert.match(
      answer.text,
      /job\.physical_source: an ad-hoc job may not name the physical paths/,
    );
  });

  it('reports every problem of a job at once', async () => {
    const result = await start(
      'bad-all',
      at.secret,
      `${HOME}/grab`,
      '--handler',
      join(at.elsewhere, 'h.mjs'),
    );
    await refused(result, /job\.source: .*; job\.target: .*; job\.handler: /);
  });

  it('accepts and syncs a job inside the bounds, on its source resolved', async () => {
    // Through the root's symlink, with trailing slashes on both sides.
    const started = await start(
      'adhoc',
      `${at.rootLink}/run1/`,
      `${PUBLIC}/run1/`,
      '--handler',
      join(at.handlers, 'h.mjs'),
    );
    assert.equal(started.code, 0, started.stderr);
    let job: { state: string; source: string; target: string } | undefined;
    for (let i = 0; i < 300 && job?.state !== 'done'; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      job = JSON.parse((await ctl('--json', 'job', 'adhoc')).stdout) as typeof job;
    }
    assert.equal(job?.state, 'done');
    assert.equal(job.source, await realpath(join(at.allowed, 'run1')));
    assert.equal(job.target, `${PUBLIC}/run1`);
    assert.deepEqual(await namesIn(client, `${PUBLIC}/run1`), ['a.txt', 'sub']);
    assert.equal((await objectFacts(client, `${PUBLIC}/run1/a.txt`))?.bytes?.toString(), 'alpha');
    assert.equal(
      (await objectFacts(client, `${PUBLIC}/run1/sub/b.txt`))?.bytes?.toString(),
      'beta',
    );
    const config = JSON.parse((await ctl('--json', 'config', 'show')).stdout) as {
      job: { name: string; handler: string }[];
    };
    assert.equal(config.job.find((j) => j.name === 'adhoc')?.handler, join(at.handlers, 'h.mjs'));
  });

  it('never let a byte of the secret into iRODS', async () => {
    const everything = await client.collections.list(HOME, { recursive: true });
    assert.deepEqual(
      everything.filter((path) => /shadow|secret|grab/.test(path)),
      [],
    );
    assert.equal(daemon.logs.filter((e) => /shadow/.test(e.message)).length, 0);
  });
});
