import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { Session, ZONE, code, emptyError, ok, parse, unique } from './http.js';

// Spec §5.5 and upstream test_users_groups_endpoint (0.7.0): listing users and groups (any
// user), atomic metadata on users (rodsadmin), and only a rodsadmin changes a user's type.

const SYS_NO_API_PRIV = -13000;

let emu: TestEmulator;
let rods: Session;
let alice: Session;
let aliceName: string;

before(async () => {
  emu = await startEmulator();
  rods = await Session.login(emu);
  aliceName = unique('alice');
  alice = await rods.createUser(aliceName, 'alice-password');
});

after(async () => {
  await emu?.stop();
});

describe('users and groups', () => {
  it('lists every user with its zone, and every group, to a rodsuser too', async () => {
    const users = ok(await alice.get('/users-groups', { op: 'users' })).users;
    assert.ok(Array.isArray(users));
    assert.deepEqual(
      users.filter((u) => [aliceName, 'rods'].includes((u as { name: string }).name)),
      [
        { name: 'rods', zone: ZONE },
        { name: aliceName, zone: ZONE },
      ],
    );
    const group = unique('group');
    ok(await rods.post('/users-groups', { op: 'create_group', name: group }));
    const groups = ok(await alice.get('/users-groups', { op: 'groups' })).groups as string[];
    assert.ok(groups.includes('public'));
    assert.ok(groups.includes(group));
    assert.equal(groups.includes(aliceName), false, 'users are not groups');
  });

  it('lets only a rodsadmin change a user type, visible in stat', async () => {
    const name = unique('promoted');
    ok(await rods.post('/users-groups', { op: 'create_user', name, zone: ZONE }));
    const change = { op: 'set_user_type', name, zone: ZONE, 'new-user-type': 'groupadmin' };
    ok(await rods.post('/users-groups', change));
    const refused = { ...change, 'new-user-type': 'rodsuser' };
    assert.equal(code(await alice.post('/users-groups', refused)), SYS_NO_API_PRIV);
    const stat = ok(await alice.get('/users-groups', { op: 'stat', name, zone: ZONE }));
    assert.equal(stat.local_unique_name, `${name}#${ZONE}`);
    assert.equal(stat.type, 'groupadmin');
    const bad = { ...change, 'new-user-type': 'superuser' };
    emptyError(await rods.post('/users-groups', bad), 500);
    emptyError(await rods.post('/users-groups', { op: 'set_user_type', name, zone: ZONE }), 400);
  });

  it('adds and removes user AVUs atomically, shown by META_USER_ATTR_*; a rodsuser is refused', async () => {
    const operations = (operation: string) =>
      JSON.stringify([{ operation, attribute: 'a1', value: 'v1', units: 'u1' }]);
    const query =
      "select USER_NAME where META_USER_ATTR_NAME = 'a1' and META_USER_ATTR_VALUE = 'v1' and META_USER_ATTR_UNITS = 'u1'";
    const modify = (session: Session, operation: string) =>
      session.postMultipart('/users-groups', {
        op: 'modify_metadata',
        name: aliceName,
        operations: operations(operation),
      });
    ok(await modify(rods, 'add'));
    assert.deepEqual(await rods.rows(query), [[aliceName]]);
    const refused = await modify(alice, 'remove');
    assert.equal(refused.status, 400);
    assert.equal(parse(refused).irods_response.status_code, -818000);
    ok(await modify(rods, 'remove'));
    assert.deepEqual(await rods.rows(query), []);
    const missing = await rods.postMultipart('/users-groups', {
      op: 'modify_metadata',
      name: 'nobody',
      operations: operations('add'),
    });
    assert.deepEqual(parse(missing).irods_response, {
      failed_operation: {
        error_message: 'Entity does not exist [entity_name=nobody]',
        operation: null,
        operation_index: 0,
      },
      status_code: -130000,
    });
  });
});
