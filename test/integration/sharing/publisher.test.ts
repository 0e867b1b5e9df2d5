import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobConfig } from '../../../src/config/index.js';
import { decodeDefinition, encodeDefinition } from '../../../src/config/job-definition.js';
import { JobPublisher } from '../../../src/job-publisher.js';
import { JobDefinitions } from '../../../src/state/job-definitions.js';
import { recordingLogger } from '../metrics/fixture.js';
import { useRedis } from '../state/setup.js';

/** A valid job (as a config file would give it) named `name`. */
function job(name: string): JobConfig {
  const decoded = decodeDefinition(
    JSON.stringify({
      format: 1,
      origin: 'config',
      owner: 'o',
      job: { name, source: `/data/${name}`, target: `/tempZone/home/rods/${name}` },
    }),
  );
  assert.ok('definition' in decoded, JSON.stringify(decoded));
  return decoded.definition.job;
}

describe('a scanning daemon starting again', () => {
  const db = useRedis();

  it('gets its ad-hoc jobs back and removes the config jobs it no longer has', async () => {
    const definitions = new JobDefinitions(db.redis, db.prefix);
    const { logger } = recordingLogger();
    const before = new JobPublisher(definitions, 'host-a:/run/ctl.sock', logger);
    await before.publish(job('kept'), 'config');
    await before.publish(job('removed'), 'config');
    await before.publish(job('adhoc'), 'adhoc');
    await definitions.put(
      'theirs',
      encodeDefinition(job('theirs'), 'config', 'host-b:/run/ctl.sock'),
    );
    await definitions.put(
      'their-adhoc',
      encodeDefinition(job('their-adhoc'), 'adhoc', 'host-b:/run/ctl.sock'),
    );

    const again = new JobPublisher(definitions, 'host-a:/run/ctl.sock', logger);
    const adhoc = await again.resumeStored(new Set(['kept']));
    assert.deepEqual(
      adhoc.map((stored) => stored.name),
      ['adhoc'],
    );
    assert.deepEqual([...(await definitions.all()).keys()].sort(), [
      'adhoc',
      'kept',
      'their-adhoc',
      'theirs',
    ]);
  });

  // An ad-hoc `start` must not take a name another daemon runs: it would become the same job
  // with another source, and the source check would wipe that job's state.
  it('names the daemon whose job a name is, and never takes an unreadable one for none', async () => {
    const definitions = new JobDefinitions(db.redis, `${db.prefix}:owners`);
    const { logger } = recordingLogger();
    const mine = new JobPublisher(definitions, 'host-a:/run/ctl.sock', logger);
    await mine.publish(job('own'), 'config');
    await definitions.put(
      'theirs',
      encodeDefinition(job('theirs'), 'config', 'host-b:/run/ctl.sock'),
    );
    await definitions.put('future', JSON.stringify({ format: 99, owner: 'host-c:/run/ctl.sock' }));
    assert.equal(await mine.otherOwner('own'), undefined);
    assert.equal(await mine.otherOwner('free'), undefined);
    assert.equal(await mine.otherOwner('theirs'), 'host-b:/run/ctl.sock');
    assert.equal(await mine.otherOwner('future'), 'an unknown daemon');
  });
});
