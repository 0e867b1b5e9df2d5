/**
 * The read-only socket (daemon.status_socket, issue 12) with the real daemon: it answers the GET
 * routes of monitoring, refuses every POST (and the config) with 403 `read-only`, and changes
 * nothing; each socket has the mode and group the config gives it, and the kernel holds users to
 * them: a user in the status socket's group reads status there but cannot use the control socket,
 * and a user outside the group reaches neither.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { chmod, lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { startIngestd, type Ingestd } from '../../helpers/ingestd.js';
import { writeTree } from '../sync/fixture.js';
import { runCtl, runCtlAs, type CtlResult } from './run-ctl.js';
import { exchange, send } from './socket-http.js';

const HOME = '/tempZone/home/rods';
const NOBODY = 65534;

/**
 * A group for the status socket other than the test user's own: a supplementary group it is in,
 * or, for root (who may give a file any group), any group of the host besides root and nogroup.
 */
function testGroup(): { name: string; gid: number } | undefined {
  const own = process.getgid?.();
  const isRoot = process.getuid?.() === 0;
  const lines = execFileSync('getent', ['group'], { encoding: 'utf8' }).trim().split('\n');
  const groups = lines.map((line) => {
    const [name = '', , gid = ''] = line.split(':');
    return { name, gid: Number(gid) };
  });
  const mine = new Set(process.getgroups?.() ?? []);
  return groups.find(
    ({ gid }) => gid !== own && gid !== 0 && gid !== NOBODY && (isRoot || mine.has(gid)),
  );
}

describe('the read-only socket', () => {
  const group = testGroup();
  const isRoot = process.getuid?.() === 0;
  let emulator: TestEmulator;
  let daemon: Ingestd;
  let work: string;
  let statusSocket: string;

  const ctl = (socket: string, ...args: string[]): Promise<CtlResult> =>
    runCtl(['--socket', socket, ...args]);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'status-socket-'));
    // Others may pass through (not list) to reach the socket: its own mode guards it.
    await chmod(work, 0o711);
    statusSocket = join(work, 'status.sock');
    await writeTree(join(work, 'src'), { 'a.txt': 'alpha' }, 1_600_000_000);
    emulator = await startEmulator();
    daemon = await startIngestd({
      emulator,
      jobs: [{ name: 'alpha', source: join(work, 'src'), target: `${HOME}/alpha` }],
      daemon: {
        control_socket_mode: '0600',
        status_socket: statusSocket,
        status_socket_mode: '0660',
        status_socket_group: group?.name ?? '',
      },
    });
    await daemon.passDone(1, 'alpha');
  });

  after(async () => {
    await daemon?.kill();
    await daemon?.cleanUp();
    await emulator?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('answers the read-only commands of irods-ingestctl', async () => {
    const ready = await ctl(statusSocket, 'wait-ready', '--timeout', '30');
    assert.equal(ready.code, 0, ready.stderr);
    for (const args of [['status'], ['jobs'], ['job', 'alpha'], ['failures', 'alpha']]) {
      const human = await ctl(statusSocket, ...args);
      assert.equal(human.code, 0, `${args.join(' ')}: ${human.stderr}`);
      assert.match(human.stdout, /alpha/);
    }
    const status = JSON.parse((await ctl(statusSocket, '--json', 'status')).stdout) as {
      ready: boolean;
      jobs: { name: string; state: string }[];
    };
    assert.equal(status.ready, true);
    assert.deepEqual(
      status.jobs.map((job) => job.name),
      ['alpha'],
    );
  });

  it('streams the events', async () => {
    const answer = await exchange(statusSocket, 'GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n', {
      timeoutMs: 1_000,
      keepOpen: true,
    });
    assert.match(answer.received, /^HTTP\/1\.1 200 /);
    assert.match(answer.received, /content-type: application\/x-ndjson/i);
  });

  it('refuses every POST and the config with 403 read-only, and changes nothing', async () => {
    const refusedRequests: [string, string, string?][] = [
      ['POST', '/v1/jobs', JSON.stringify({ name: 'x', source: work, target: `${HOME}/x` })],
      ...['stop', 'pause', 'resume', 'rescan', 'retry'].map((action): [string, string] => [
        'POST',
        `/v1/jobs/alpha/${action}`,
      ]),
      ['POST', '/v1/reload'],
      ['POST', '/v1/drain'],
      ['POST', '/v1/jobs/alpha/allow-deletes'],
      ['DELETE', '/v1/jobs/alpha'],
      ['PUT', '/v1/status'],
      ['GET', '/v1/config'],
    ];
    for (const [method, path, body] of refusedRequests) {
      const answer = await send(statusSocket, method, path, body);
      assert.equal(answer.status, 403, `${method} ${path}: ${answer.text}`);
      const { error } = JSON.parse(answer.text) as { error: { code: string; message: string } };
      assert.equal(error.code, 'read-only', `${method} ${path}`);
      assert.match(error.message, /this is the read-only socket \(daemon\.status_socket\)/);
    }
    const writes = [
      ['start', '--name', 'x', '--source', work, '--target', `${HOME}/x`],
      ...['stop', 'pause', 'resume', 'rescan', 'retry'].map((command) => [command, 'alpha']),
      ['reload'],
      ['drain'],
      ['config', 'show'],
    ];
    for (const args of writes) {
      const result = await ctl(statusSocket, ...args);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /^irods-ingestctl: this is the read-only socket/);
    }
    const status = JSON.parse((await ctl(daemon.socket, '--json', 'status')).stdout) as {
      draining: boolean;
      jobs: { name: string; state: string }[];
    };
    assert.equal(status.draining, false);
    assert.deepEqual(
      status.jobs.map((job) => [job.name, job.state]),
      [['alpha', 'done']],
    );
    assert.ok(!daemon.logs.some((event) => /reload|paused|stopped on request/.test(event.message)));
  });

  it('gives each socket its configured mode and group', async (t) => {
    const control = await lstat(daemon.socket);
    assert.equal(control.mode & 0o777, 0o600);
    const status = await lstat(statusSocket);
    assert.ok(status.isSocket());
    assert.equal(status.mode & 0o777, 0o660);
    if (group === undefined) {
      t.skip('the test user is in no group besides its own');
      return;
    }
    assert.equal(status.gid, group.gid);
    assert.ok(
      !daemon.logs.some((event) => /read-only socket .* cannot reach it/.test(event.message)),
      'no warning about a directory in the way',
    );
  });

  it('lets the kernel hold other users to those modes', async (t) => {
    if (!isRoot || group === undefined) {
      t.skip('needs root (setpriv) and a group for the socket');
      return;
    }
    const closed = closedAncestor(process.execPath);
    if (closed !== undefined) {
      t.skip(`other users cannot run this Node: ${closed} lets only its owner pass (mktemp -d)`);
      return;
    }
    // The control socket lies in the daemon's directory: let others pass through it too, so that
    // only the socket's own mode decides.
    await chmod(daemon.dir, 0o711);
    const member = { uid: NOBODY, gid: NOBODY, groups: [group.gid] };
    const stranger = { uid: NOBODY, gid: NOBODY, groups: [] };

    const reads = await runCtlAs(member, ['--socket', statusSocket, 'status']);
    assert.equal(reads.code, 0, reads.stderr);
    assert.match(reads.stdout, /alpha/);
    const controls = await runCtlAs(member, ['--socket', daemon.socket, 'status']);
    assert.equal(controls.code, 3, controls.stderr);
    assert.match(controls.stderr, /permission denied/);
    const outsider = await runCtlAs(stranger, ['--socket', statusSocket, 'status']);
    assert.equal(outsider.code, 3, outsider.stderr);
    assert.match(outsider.stderr, /permission denied/);
  });
});

/** The nearest directory above `path` that other users may not pass through, if any. */
function closedAncestor(path: string): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return dir;
    if (dir === dirname(dir)) return undefined;
  }
}
