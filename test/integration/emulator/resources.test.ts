import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulator } from '../../helpers/emulator.js';
import { ADMIN_HOME, Session, ZONE, code, emptyError, ok, parse, unique } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.4 and §7.1, upstream test_resources_endpoint (0.7.0); codes and checks that neither
// states are the server's (rsGeneralAdmin.cpp, the database plugin), cited in the spec's §5.4.

const SYS_NO_API_PRIV = -13000;
const CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME = -809000;
const CAT_RESOURCE_NOT_EMPTY = -835000;
const CAT_INVALID_CHILD = -857000;
const HIERARCHY_ERROR = -1803000;
const CHILD_NOT_FOUND = -1804000;
const CHILD_HAS_PARENT = -1812000;

let vaults: string;

const fx = useEmulatorSession({ user: 'alice' });

before(async () => {
  vaults = await mkdtemp(join(tmpdir(), 'emulator-vaults-'));
});

after(async () => {
  if (vaults) await rm(vaults, { recursive: true, force: true });
});

async function statResource(name: string) {
  return ok(await fx.rods.get('/resources', { op: 'stat', name }));
}

async function unixResource(prefix: string): Promise<string> {
  const name = unique(prefix);
  await fx.rods.createResource(name, 'unixfilesystem', {
    host: 'localhost',
    'vault-path': join(vaults, name),
  });
  return name;
}

describe('resources: create and stat', () => {
  it('reports a new unixfilesystem resource with the fields of §5.4', async () => {
    const name = await unixResource('ufs');
    const body = await statResource(name);
    assert.equal(body.exists, true);
    const info = body.info as Record<string, unknown>;
    assert.deepEqual(Object.keys(info).sort(), [
      'comments',
      'context',
      'created',
      'free_space',
      'free_space_last_modified',
      'host',
      'id',
      'information',
      'last_modified',
      'last_modified_millis',
      'name',
      'parent_context',
      'parent_id',
      'status',
      'type',
      'vault_path',
      'zone',
    ]);
    assert.equal(info.name, name);
    assert.equal(info.type, 'unixfilesystem');
    assert.equal(info.host, 'localhost');
    assert.equal(info.vault_path, join(vaults, name));
    assert.equal(info.zone, ZONE);
    assert.equal(info.parent_id, '', 'a root resource has no parent id');
    assert.match(String(info.id), /^\d+$/, 'the id is a string of digits');
    assert.equal(typeof info.created, 'number');
  });

  it('stores EMPTY_RESC_HOST and EMPTY_RESC_PATH for a coordinating resource without a location', async () => {
    const name = unique('repl');
    await fx.rods.createResource(name, 'replication');
    const info = (await statResource(name)).info as Record<string, unknown>;
    assert.equal(info.host, 'EMPTY_RESC_HOST');
    assert.equal(info.vault_path, 'EMPTY_RESC_PATH');
  });

  it('answers exists:false with an empty info for an unknown resource', async () => {
    const reply = await fx.rods.get('/resources', { op: 'stat', name: 'no-such-resource' });
    assert.equal(reply.text, '{"exists":false,"info":{},"irods_response":{"status_code":0}}');
  });

  it('refuses a second resource of the same name and names with whitespace', async () => {
    const name = await unixResource('twice');
    assert.equal(
      code(await fx.rods.post('/resources', { op: 'create', name, type: 'unixfilesystem' })),
      CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME,
    );
    assert.equal(
      code(await fx.rods.post('/resources', { op: 'create', name: 'a b', type: 'passthru' })),
      -859000,
    );
  });

  it('refuses / as a vault; writes to a resource without a vault or of an unknown type fail', async () => {
    const root = {
      op: 'create',
      name: unique('rooted'),
      type: 'unixfilesystem',
      'vault-path': '/',
    };
    assert.equal(code(await fx.rods.post('/resources', root)), -813000);
    const noVault = unique('novault');
    await fx.rods.createResource(noVault, 'unixfilesystem', { host: 'localhost' });
    const odd = unique('compound');
    await fx.rods.createResource(odd, 'compound');
    // The default build reports -175000 for every failed open (§5.2.6).
    for (const resource of [noVault, odd]) {
      const lpath = `${ADMIN_HOME}/${unique('nowhere')}`;
      const write = { op: 'write', lpath, resource, bytes: 'x' };
      assert.equal(code(await fx.rods.postMultipart('/data-objects', write)), -175000, resource);
      assert.equal(code(await fx.rods.statObject(lpath)), -171000);
    }
  });

  it('refuses every admin op to a rodsuser with SYS_NO_API_PRIV (modify with HTTP 400)', async () => {
    const name = unique('forbidden');
    assert.equal(
      code(await fx.alice.post('/resources', { op: 'create', name, type: 'passthru' })),
      SYS_NO_API_PRIV,
    );
    const reply = await fx.alice.post('/resources', {
      op: 'modify',
      name: 'demoResc',
      property: 'comments',
      value: 'x',
    });
    assert.equal(reply.status, 400);
    assert.equal(parse(reply).irods_response.status_code, SYS_NO_API_PRIV);
    assert.equal(code(await fx.alice.get('/resources', { op: 'stat', name: 'demoResc' })), 0);
  });
});

describe('resources: hierarchies', () => {
  it('add_child sets parent_id and parent_context; remove_child clears them', async () => {
    const parent = unique('root');
    await fx.rods.createResource(parent, 'replication');
    const child = unique('child');
    await fx.rods.createResource(child, 'passthru');
    const add = { op: 'add_child', 'parent-name': parent, 'child-name': child };
    ok(await fx.rods.post('/resources', { ...add, context: 'issue_473_parent_context' }));
    const parentId = (await statResource(parent)).info as Record<string, unknown>;
    const info = (await statResource(child)).info as Record<string, unknown>;
    assert.equal(info.parent_id, parentId.id);
    assert.equal(info.parent_context, 'issue_473_parent_context');
    ok(await fx.rods.post('/resources', { ...add, op: 'remove_child' }));
    const detached = (await statResource(child)).info as Record<string, unknown>;
    assert.equal(detached.parent_id, '');
    assert.equal(detached.parent_context, '');
  });

  it('refuses a child of itself, an unknown child, an ancestor and a child that has a parent', async () => {
    const top = unique('top');
    const middle = unique('middle');
    const other = unique('other');
    for (const name of [top, middle, other]) await fx.rods.createResource(name, 'passthru');
    await fx.rods.addChild(top, middle);
    const addChild = (parent: string, child: string) =>
      fx.rods.post('/resources', { op: 'add_child', 'parent-name': parent, 'child-name': child });
    assert.equal(code(await addChild(top, top)), HIERARCHY_ERROR);
    assert.equal(code(await addChild(top, 'no-such-child')), CHILD_NOT_FOUND);
    assert.equal(code(await addChild(middle, top)), HIERARCHY_ERROR, 'an ancestor');
    assert.equal(code(await addChild(other, middle)), CHILD_HAS_PARENT);
    const removeChild = { op: 'remove_child', 'parent-name': other, 'child-name': middle };
    assert.equal(code(await fx.rods.post('/resources', removeChild)), CAT_INVALID_CHILD);
  });

  it('shows RESC_PARENT as the parent id and DATA_RESC_HIER as root;leaf', async () => {
    const root = unique('pt');
    await fx.rods.createResource(root, 'passthru');
    const leaf = await unixResource('leaf');
    await fx.rods.addChild(root, leaf);
    const lpath = `${ADMIN_HOME}/${unique('hier')}`;
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: root,
        bytes: 'x',
      }),
    );
    const [row] = await fx.rods.replicaRows(lpath, 'RESC_NAME, DATA_RESC_NAME, DATA_RESC_HIER');
    assert.deepEqual(row, ['0', leaf, leaf, `${root};${leaf}`]);
    const rootId = ((await statResource(root)).info as Record<string, unknown>).id;
    const rescRows = await fx.rods.rows(
      `select RESC_NAME, RESC_PARENT, RESC_TYPE_NAME, RESC_LOC, RESC_VAULT_PATH where RESC_NAME = '${leaf}'`,
    );
    assert.deepEqual(rescRows, [[leaf, rootId, 'unixfilesystem', 'localhost', join(vaults, leaf)]]);
  });
});

describe('resources: modify, remove, rebalance, metadata', () => {
  it('modifies each property as stat shows it; an invalid status is an empty 400', async () => {
    let name = unique('modified');
    await fx.rods.createResource(name, 'replication');
    const renamed = unique('renamed');
    const changes: [string, string][] = [
      ['name', renamed],
      ['type', 'passthru'],
      ['host', 'example.org'],
      ['vault_path', '/tmp/modified_vault'],
      ['status', 'down'],
      ['status', 'up'],
      ['comments', 'some comments'],
      ['information', 'some information'],
      ['free_space', '12345'],
      ['context', 'a=b'],
    ];
    for (const [property, value] of changes) {
      ok(await fx.rods.post('/resources', { op: 'modify', name, property, value }));
      if (property === 'name') name = value;
      const info = (await statResource(name)).info as Record<string, unknown>;
      assert.equal(info[property], value, property);
    }
    const invalid = { op: 'modify', name, property: 'status', value: 'invalid' };
    emptyError(await fx.rods.post('/resources', invalid), 400);
    assert.equal(((await statResource(name)).info as Record<string, unknown>).status, 'up');
    const unknown = { op: 'modify', name, property: 'no_such_property', value: 'v' };
    assert.equal(
      code(await fx.rods.post('/resources', unknown)),
      0,
      'skipped, as the HTTP API does',
    );
  });

  it('keeps replicas on a renamed resource, under its new name', async () => {
    const name = await unixResource('before');
    const lpath = `${ADMIN_HOME}/${unique('on-renamed')}`;
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: name,
        bytes: 'y',
      }),
    );
    const renamed = unique('after');
    ok(await fx.rods.post('/resources', { op: 'modify', name, property: 'name', value: renamed }));
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'RESC_NAME'), [['0', renamed]]);
    assert.equal((await fx.rods.content(lpath)).toString(), 'y');
  });

  it('refuses to remove a resource that holds replicas or has children; removes an empty one', async () => {
    const name = await unixResource('busy');
    const lpath = `${ADMIN_HOME}/${unique('pinned')}`;
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: name,
        bytes: 'z',
      }),
    );
    assert.equal(
      code(await fx.rods.post('/resources', { op: 'remove', name })),
      CAT_RESOURCE_NOT_EMPTY,
    );
    const parent = unique('parent');
    await fx.rods.createResource(parent, 'passthru');
    const child = await unixResource('attached');
    await fx.rods.addChild(parent, child);
    assert.equal(
      code(await fx.rods.post('/resources', { op: 'remove', name: parent })),
      CAT_RESOURCE_NOT_EMPTY,
    );
    ok(
      await fx.rods.post('/data-objects', {
        op: 'remove',
        lpath,
        'catalog-only': 0,
        'no-trash': 1,
      }),
    );
    ok(await fx.rods.post('/resources', { op: 'remove', name }));
    assert.equal((await statResource(name)).exists, false);
  });

  it('rebalance gives every child of a replication resource a good replica', async () => {
    const repl = unique('rebalanced');
    await fx.rods.createResource(repl, 'replication');
    const a = await unixResource('a');
    await fx.rods.addChild(repl, a);
    const lpath = `${ADMIN_HOME}/${unique('lonely')}`;
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: repl,
        bytes: 'r',
      }),
    );
    const b = await unixResource('b');
    await fx.rods.addChild(repl, b);
    assert.equal((await fx.rods.replicaRows(lpath, 'RESC_NAME')).length, 1);
    ok(await fx.rods.post('/resources', { op: 'rebalance', name: repl }));
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'RESC_NAME, DATA_REPL_STATUS'), [
      ['0', a, '1'],
      ['1', b, '1'],
    ]);
  });

  it('modify_metadata on a resource is atomic, shown by META_RESC_ATTR_*, and rodsadmin-only', async () => {
    const operations = (operation: string) =>
      JSON.stringify([{ operation, attribute: 'a1', value: 'v1', units: 'u1' }]);
    const query =
      "select RESC_NAME where META_RESC_ATTR_NAME = 'a1' and META_RESC_ATTR_VALUE = 'v1' and META_RESC_ATTR_UNITS = 'u1'";
    ok(
      await fx.rods.postMultipart('/resources', {
        op: 'modify_metadata',
        name: 'demoResc',
        operations: operations('add'),
      }),
    );
    assert.deepEqual(await fx.rods.rows(query), [['demoResc']]);
    const refused = await fx.alice.postMultipart('/resources', {
      op: 'modify_metadata',
      name: 'demoResc',
      operations: operations('remove'),
    });
    assert.equal(refused.status, 400);
    assert.deepEqual(parse(refused).irods_response, {
      failed_operation: {
        error_message: 'User not allowed to modify metadata',
        operation: null,
        operation_index: 0,
      },
      status_code: -818000,
    });
    ok(
      await fx.rods.postMultipart('/resources', {
        op: 'modify_metadata',
        name: 'demoResc',
        operations: operations('remove'),
      }),
    );
    assert.deepEqual(await fx.rods.rows(query), []);
  });
});

describe('resources declared in the emulator config', () => {
  it('exist at start with their types, vaults and hierarchy', async () => {
    const vault = join(vaults, 'declared');
    const declared = await startEmulator({
      config: {
        emulator: {
          resources: [
            { name: 'demoResc', type: 'unixfilesystem' },
            { name: 'repl', type: 'replication' },
            { name: 'a', type: 'unixfilesystem', parent: 'repl', vault_path: `${vault}/a` },
            { name: 'b', type: 'unixfilesystem', parent: 'repl', parent_context: 'ctx' },
          ],
        },
      },
    });
    try {
      const admin = await Session.login(declared);
      const rows = await admin.rows(
        'select RESC_NAME, RESC_TYPE_NAME, RESC_LOC, RESC_VAULT_PATH, RESC_PARENT_CONTEXT',
      );
      const byName = new Map(rows.map((row) => [row[0], row.slice(1)]));
      assert.deepEqual(byName.get('repl'), [
        'replication',
        'EMPTY_RESC_HOST',
        'EMPTY_RESC_PATH',
        '',
      ]);
      assert.deepEqual(byName.get('a'), ['unixfilesystem', hostname(), `${vault}/a`, '']);
      assert.deepEqual(byName.get('b'), [
        'unixfilesystem',
        hostname(),
        join(declared.root, 'vault', 'b'),
        'ctx',
      ]);
      const lpath = `${ADMIN_HOME}/declared.txt`;
      ok(
        await admin.postMultipart('/data-objects', {
          op: 'write',
          lpath,
          resource: 'repl',
          bytes: 'd',
        }),
      );
      assert.deepEqual(await admin.replicaRows(lpath, 'DATA_RESC_HIER'), [
        ['0', 'repl;a'],
        ['1', 'repl;b'],
      ]);
    } finally {
      await declared.stop();
    }
  });
});
