import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_HOME, ok, parse, unique, type Params, type Reply, type Session } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.2.6 and §8 item 12: with `dstream_exposes_irods_error_codes` on, failed opens carry
// the real iRODS code instead of -175000.

const fx = useEmulatorSession({
  emulator: { config: { emulator: { dstream_exposes_irods_error_codes: true } } },
  user: 'coder',
  prepare: async (rods) => {
    await rods.createResource('parent', 'passthru');
    await rods.createResource('child', 'unixfilesystem', { host: 'localhost' });
    await rods.addChild('parent', 'child');
    await rods.createResource('orphan', 'replication');
  },
});

const message = 'Output stream to data object is in a bad state.';

function objectPath(prefix: string): string {
  return `${ADMIN_HOME}/${unique(prefix)}`;
}

function write(session: Session, lpath: string, extra: Params = {}) {
  return session.postMultipart('/data-objects', { op: 'write', lpath, bytes: 'data', ...extra });
}

describe('failed opens with real error codes (§5.2.6)', () => {
  it('reports the iRODS code of each failed write open, with the bad-state message', async () => {
    const existing = objectPath('existing');
    ok(await write(fx.rods, existing));
    const cases: [string, () => Promise<Reply>, number][] = [
      [
        'truncate=0 on a missing object',
        () => write(fx.rods, objectPath('gone'), { truncate: 0 }),
        -358000,
      ],
      ['no permission', () => write(fx.alice, objectPath('denied')), -818000],
      [
        'unknown resource',
        () => write(fx.rods, objectPath('resc'), { resource: 'noSuchResc' }),
        -78000,
      ],
      ['replica does not exist', () => write(fx.rods, existing, { 'replica-number': 7 }), -164000],
      [
        'a child resource (upstream: targeting a child resource)',
        () => write(fx.rods, objectPath('child'), { resource: 'child' }),
        -1816000,
      ],
      [
        'a coordinating resource without children',
        () => write(fx.rods, objectPath('orphan'), { resource: 'orphan' }),
        -1804000,
      ],
    ];
    for (const [what, attempt, expected] of cases) {
      const reply = await attempt();
      assert.equal(reply.status, 200, what);
      assert.equal(
        reply.text,
        `{"irods_response":{"status_code":${expected},"status_message":"${message}"}}`,
        what,
      );
    }
  });

  it('reports -1803000 for a second parallel_write_init on an object open for writing', async () => {
    const lpath = objectPath('locked');
    const init = { op: 'parallel_write_init', lpath, 'stream-count': 2 };
    const first = ok(await fx.rods.post('/data-objects', init));
    const handle = String(first.parallel_write_handle);
    try {
      const second = await fx.rods.post('/data-objects', init);
      assert.equal(second.status, 200);
      assert.equal(parse(second).irods_response.status_code, -1803000);
      // §5.2.1 names either code for a second writer on a locked replica.
      const writer = parse(await write(fx.rods, lpath)).irods_response.status_code;
      assert.ok([-1803000, -175000].includes(writer), `second writer got ${writer}`);
    } finally {
      ok(
        await fx.rods.post('/data-objects', {
          op: 'parallel_write_shutdown',
          'parallel-write-handle': handle,
        }),
      );
    }
  });

  it('reports -164000 for parallel_write_init on a replica that does not exist', async () => {
    const lpath = objectPath('replica');
    ok(await write(fx.rods, lpath));
    const reply = await fx.rods.post('/data-objects', {
      op: 'parallel_write_init',
      lpath,
      'stream-count': 1,
      'replica-number': 3,
    });
    assert.equal(reply.status, 200);
    const body = parse(reply);
    assert.equal(body.irods_response.status_code, -164000);
    assert.equal('parallel_write_handle' in body, false);
  });
});
