/**
 * Preflight: a job whose resource is missing, whose target its iRODS user may not create in, or
 * that registers without a rodsadmin user fails once, before its first pass, with what to fix;
 * no file is tried, the daemon stays up, and the job starts once the problem is fixed.
 */
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import type { JobStatus } from '../../../src/control/wire.js';
import { eventually } from '../../helpers/eventually.js';
import type { Ingestd } from '../../helpers/ingestd.js';
import { ok, Session } from '../emulator/http.js';
import { runCtl } from '../control/run-ctl.js';
import { objectFacts, useSyncFixture, writeTree } from './fixture.js';

const ALICE = 'alice';
const SHARED = '/tempZone/home/shared';

async function jobStatus(daemon: Ingestd, name: string): Promise<JobStatus> {
  const result = await runCtl(['--socket', daemon.socket, '--json', 'job', name]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as JobStatus;
}

/** The job's status once its passes are refused (logged once the control socket is up). */
async function refusedStatus(daemon: Ingestd, name: string): Promise<JobStatus> {
  await daemon.waitFor((event) => event.message.startsWith(`job ${name}: pass refused`));
  return eventually(`job ${name} refused`, async () => {
    const status = await jobStatus(daemon, name);
    return status.refused === undefined ? undefined : status;
  });
}

describe('preflight at job start', () => {
  const fx = useSyncFixture();
  let rods: Session;

  before(async () => {
    rods = await Session.login(fx.emulator);
    ok(await rods.post('/users-groups', { op: 'create_user', name: ALICE, zone: 'tempZone' }));
    const password = { op: 'set_password', name: ALICE, zone: 'tempZone', 'new-password': 'a' };
    ok(await rods.post('/users-groups', password));
    await fx.client.collections.ensure(SHARED);
    const grant = { op: 'set_permission', lpath: SHARED, 'entity-name': ALICE };
    ok(await rods.post('/collections', { ...grant, permission: 'read_object' }));
  });

  async function source(): Promise<string> {
    const dir = await fx.tempDir('preflight-');
    await writeTree(dir, { 'a.txt': 'alpha', 'sub/b.txt': 'beta' });
    return dir;
  }

  it('fails a job whose resource does not exist, naming it, and tries no file', async () => {
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'nores',
          source: await source(),
          target: '/tempZone/home/rods/nores',
          operation: 'put_sync',
          resource: 'noSuchResc',
        },
      ],
    });
    const status = await refusedStatus(daemon, 'nores');
    assert.equal(status.state, 'failed');
    assert.match(
      status.refused!.reason,
      /preflight failed: the resource "noSuchResc" does not exist/,
    );
    assert.equal(status.pass, 0, 'no pass ran');
    assert.equal(status.failures, 0, 'no file was tried');
    const human = await runCtl(['--socket', daemon.socket, 'status']);
    assert.equal(human.code, 0, 'the daemon is still up');
    assert.match(human.stdout, /noSuchResc/);
    assert.equal(await fx.client.collections.stat('/tempZone/home/rods/nores'), undefined);
  });

  it('fails a job whose user may not create in the target, then starts once granted', async () => {
    const target = `${SHARED}/from-alice`;
    const daemon = await fx.daemon({
      username: ALICE,
      password: 'a',
      jobs: [{ name: 'ro', source: await source(), target, operation: 'put_sync' }],
    });
    const status = await refusedStatus(daemon, 'ro');
    assert.equal(status.state, 'failed');
    assert.match(
      status.refused!.reason,
      /the iRODS user "alice" may not create in \/tempZone\/home\/shared, where the target \/tempZone\/home\/shared\/from-alice is to be created, \(it has read_object there; it needs create_object or more\): grant it, e\.g\. ichmod write alice \/tempZone\/home\/shared/,
    );
    assert.equal(status.failures, 0);

    // Fixed, then started again by a rescan: the pass runs.
    const grant = { op: 'set_permission', lpath: SHARED, 'entity-name': ALICE };
    ok(await rods.post('/collections', { ...grant, permission: 'write' }));
    assert.equal((await runCtl(['--socket', daemon.socket, 'rescan', 'ro'])).code, 0);
    const summary = await daemon.passDone(1, 'ro');
    assert.equal(summary.failed, 0);
    assert.equal((await objectFacts(fx.client, `${target}/sub/b.txt`))?.bytes?.toString(), 'beta');
    assert.equal((await jobStatus(daemon, 'ro')).refused, undefined);
  });

  it('fails a register job of a user who is not a rodsadmin, naming the user type', async () => {
    const daemon = await fx.daemon({
      username: ALICE,
      password: 'a',
      jobs: [
        {
          name: 'reg',
          source: await source(),
          target: `/tempZone/home/${ALICE}/reg`,
          operation: 'register',
        },
      ],
    });
    const status = await refusedStatus(daemon, 'reg');
    assert.equal(status.state, 'failed');
    assert.match(
      status.refused!.reason,
      /operation register needs a rodsadmin iRODS user .* but "alice" is a rodsuser: set \[irods\] username to a rodsadmin, or use a put operation/,
    );
    assert.equal(status.failures, 0);
  });

  it('lets a job that passes every check run', async () => {
    const target = `/tempZone/home/${ALICE}/fine`;
    const daemon = await fx.daemon({
      username: ALICE,
      password: 'a',
      jobs: [{ name: 'fine', source: await source(), target, operation: 'put_sync' }],
    });
    const summary = await daemon.passDone(1, 'fine');
    assert.equal(summary.failed, 0);
    assert.equal((await objectFacts(fx.client, `${target}/a.txt`))?.bytes?.toString(), 'alpha');
    assert.equal((await jobStatus(daemon, 'fine')).refused, undefined);
  });
});
