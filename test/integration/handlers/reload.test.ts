/**
 * Reloading a job's handler: the module is imported afresh (its edited text takes effect, no
 * restart), and a module that no longer loads is refused with the usual problem report while the
 * running handler keeps working.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ENTITY } from '../../../src/irods/index.js';
import { useSyncFixture, writeTree } from '../sync/fixture.js';
import { ctl } from '../sync/safety.js';
import { handlerModule } from './fixture.js';

const HOME = '/tempZone/home/rods';
const versioned = (version: string) =>
  `export default { metadata: () => ({ handler: '${version}' }) };\n`;

describe('reloading an event handler', () => {
  const fx = useSyncFixture();

  it('runs the edited module after a reload, and keeps the old one when the new does not load', async () => {
    const dir = await fx.tempDir('handler-reload-');
    const source = join(dir, 'src');
    const target = `${HOME}/handler-reload`;
    await writeTree(source, { 'a.txt': 'a' });
    const handler = await handlerModule(dir, versioned('v1'));
    const daemon = await fx.daemon({
      jobs: [{ name: 'reload', source, target, operation: 'put_sync', handler }],
    });
    await daemon.passDone(1, 'reload');
    const versionOf = async (name: string) =>
      (await fx.client.metadata.list(ENTITY.dataObject, `${target}/${name}`, 'handler')).map(
        (avu) => avu.value,
      );
    assert.deepEqual(await versionOf('a.txt'), ['v1']);

    await writeFile(handler, 'export default { metadata: () => ({ handler: "v2" }) ;\n');
    const refused = await ctl(daemon, 'reload');
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(
      `${refused.stdout}${refused.stderr}`,
      new RegExp(`job\\[0\\] \\(name "reload"\\)\\.handler: ${handler}:1: syntax error: `),
    );
    await writeFile(join(source, 'b.txt'), 'b');
    assert.equal((await ctl(daemon, 'rescan', 'reload')).code, 0);
    await daemon.passDone(2, 'reload');
    assert.deepEqual(await versionOf('b.txt'), ['v1'], 'the running handler stayed');

    await writeFile(handler, versioned('v2'));
    const applied = await ctl(daemon, 'reload');
    assert.equal(applied.code, 0, applied.stderr);
    await writeFile(join(source, 'c.txt'), 'c');
    assert.equal((await ctl(daemon, 'rescan', 'reload')).code, 0);
    await daemon.passDone(3, 'reload');
    assert.deepEqual(await versionOf('c.txt'), ['v2'], 'the edited module runs');
  });
});
