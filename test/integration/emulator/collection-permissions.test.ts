import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_HOME, ZONE, code, emptyError, ok, parse, unique, type Session } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.1.7-§5.1.9: inheritance and permissions of collections.

const fx = useEmulatorSession({ user: 'alice' });

const notACollection = '{"irods_response":{"status_code":-170000}}';
const success = '{"irods_response":{"status_code":0}}';

async function fresh(prefix: string): Promise<string> {
  const lpath = `${ADMIN_HOME}/${unique(prefix)}`;
  await fx.rods.mkdir(lpath);
  return lpath;
}

function post(session: Session, params: Record<string, string | number>) {
  return session.post('/collections', params);
}

describe('collections inheritance and permissions (§5.1.7-§5.1.9)', () => {
  it('shows set_inheritance in stat and passes ACLs to new children', async () => {
    const lpath = await fresh('inherit');
    ok(await post(fx.rods, { op: 'touch', lpath, 'seconds-since-epoch': 1000000000 }));
    const grant = { op: 'set_permission', lpath, 'entity-name': fx.aliceName, permission: 'read' };
    ok(await post(fx.rods, grant));
    assert.equal(
      await post(fx.rods, { op: 'set_inheritance', lpath, enable: 1 }).then((r) => r.text),
      success,
    );
    const stat = ok(await fx.rods.statCollection(lpath));
    assert.equal(stat.inheritance_enabled, true);
    assert.ok((stat.modified_at as number) > 1000000000);
    await fx.rods.mkdir(`${lpath}/child`);
    const child = ok(await fx.rods.statCollection(`${lpath}/child`));
    assert.equal(child.inheritance_enabled, true);
    assert.deepEqual(byName(child.permissions), [
      { name: fx.aliceName, perm: 'read_object', type: 'rodsuser', zone: ZONE },
      { name: 'rods', perm: 'own', type: 'rodsadmin', zone: ZONE },
    ]);
    ok(await post(fx.rods, { op: 'set_inheritance', lpath, enable: 0 }));
    assert.equal(ok(await fx.rods.statCollection(lpath)).inheritance_enabled, false);
  });

  it('answers 400 with -170000 for set_inheritance on a non-collection', async () => {
    const reply = await post(fx.rods, {
      op: 'set_inheritance',
      lpath: `${ADMIN_HOME}/${unique('none')}`,
      enable: 1,
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.text, notACollection);
  });

  it('grants, maps read/write aliases and removes with null', async () => {
    const lpath = await fresh('acl');
    const set = (permission: string) =>
      post(fx.rods, { op: 'set_permission', lpath, 'entity-name': fx.aliceName, permission });
    const aliceEntry = async () => {
      const entries = byName(ok(await fx.rods.statCollection(lpath)).permissions);
      return entries.find((entry) => entry.name === fx.aliceName)?.perm;
    };
    assert.equal((await set('read')).text, success);
    assert.equal(await aliceEntry(), 'read_object');
    ok(await set('write'));
    assert.equal(await aliceEntry(), 'modify_object');
    ok(await set('delete_metadata'));
    assert.equal(await aliceEntry(), 'delete_metadata');
    ok(await set('null'));
    assert.equal(await aliceEntry(), undefined);
  });

  it('checks set_permission parameters', async () => {
    const lpath = await fresh('acl-400');
    const base = { op: 'set_permission', lpath };
    emptyError(await post(fx.rods, { ...base, permission: 'read' }), 400);
    emptyError(await post(fx.rods, { ...base, 'entity-name': fx.aliceName }), 400);
    const invalid = await post(fx.rods, {
      ...base,
      'entity-name': fx.aliceName,
      permission: 'rwx',
    });
    assert.equal(invalid.status, 400);
    const missing = await post(fx.rods, {
      ...base,
      lpath: `${lpath}/none`,
      'entity-name': fx.aliceName,
      permission: 'read',
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.text, notACollection);
  });

  it('refuses admin=1 from a rodsuser with -830000', async () => {
    const lpath = await fresh('admin-flag');
    ok(
      await post(fx.rods, {
        op: 'set_permission',
        lpath,
        'entity-name': fx.aliceName,
        permission: 'own',
      }),
    );
    const reply = await post(fx.alice, {
      op: 'set_permission',
      lpath,
      'entity-name': fx.aliceName,
      permission: 'read',
      admin: 1,
    });
    assert.equal(code(reply), -830000);
  });

  it('applies a modify_permissions batch and reports an empty failed_operation', async () => {
    const lpath = await fresh('batch-acl');
    const operations = JSON.stringify([{ entity_name: fx.aliceName, acl: 'write' }]);
    const reply = await post(fx.rods, { op: 'modify_permissions', lpath, operations });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '{"irods_response":{"failed_operation":{},"status_code":0}}');
    const entries = byName(ok(await fx.rods.statCollection(lpath)).permissions);
    assert.equal(entries.find((entry) => entry.name === fx.aliceName)?.perm, 'modify_object');
  });

  it('answers 400 with the failing entry when a modify_permissions batch fails', async () => {
    const lpath = await fresh('batch-acl-fail');
    const entries = [
      { entity_name: fx.aliceName, acl: 'read' },
      { entity_name: unique('nobody'), acl: 'read' },
    ];
    const reply = await post(fx.rods, {
      op: 'modify_permissions',
      lpath,
      operations: JSON.stringify(entries),
    });
    assert.equal(reply.status, 400);
    const body = parse(reply);
    assert.ok(body.irods_response.status_code < 0);
    const failed = body.irods_response.failed_operation as Record<string, unknown>;
    assert.equal(failed.operation_index, 1);
    assert.equal(typeof failed.error_message, 'string');
    const acl = byName(ok(await fx.rods.statCollection(lpath)).permissions);
    assert.equal(
      acl.find((entry) => entry.name === fx.aliceName),
      undefined,
      'batch rolled back',
    );
  });

  it('answers 500 for operations that are not JSON and 400 for a non-collection', async () => {
    const lpath = await fresh('batch-acl-json');
    emptyError(await post(fx.rods, { op: 'modify_permissions', lpath, operations: '[{' }), 500);
    const operations = JSON.stringify([{ entity_name: fx.aliceName, acl: 'read' }]);
    const none = await post(fx.rods, {
      op: 'modify_permissions',
      lpath: `${lpath}/none`,
      operations,
    });
    assert.equal(none.status, 400);
    assert.equal(none.text, notACollection);
  });
});

interface Permission {
  name: string;
  perm: string;
  type: string;
  zone: string;
}

function byName(permissions: unknown): Permission[] {
  assert.ok(Array.isArray(permissions), 'permissions is an array');
  return [...(permissions as Permission[])].sort((a, b) => a.name.localeCompare(b.name));
}
