import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type Config } from '../../../src/config/index.js';
import {
  DEFINITION_FORMAT,
  decodeDefinition,
  encodeDefinition,
  jobTable,
} from '../../../src/config/job-definition.js';

const IRODS_SECRET = 'irods password 7f3a';
const REDIS_SECRET = 'redis password 91bc';

/** A config whose jobs set every key away from its default, and both passwords. */
async function fullConfig(dir: string): Promise<Config> {
  await writeFile(join(dir, 'irods.password'), IRODS_SECRET);
  await writeFile(join(dir, 'redis.password'), REDIS_SECRET);
  await chmod(join(dir, 'irods.password'), 0o600);
  await chmod(join(dir, 'redis.password'), 0o600);
  const file = join(dir, 'ingestd.toml');
  await writeFile(
    file,
    `
[redis]
url = "redis://127.0.0.1:6379/2"
password_file = "${join(dir, 'redis.password')}"
[irods]
url = "http://irods.example.org:9000/irods-http-api/0.7.0"
username = "rods"
password_file = "${join(dir, 'irods.password')}"
zone = "tempZone"
default_resource = "demoResc"

[[job]]
name = "microscope-1"
source = "/data/microscope-1"
target = "/tempZone/home/rods/microscope-1"
operation = "put_sync"
delete = "trash"
watch = "force"
rescan_interval = "90m"
settle = "1500ms"
exclude = ["**/*.tmp"]
exclude_types = ["socket"]
follow_symlinks = true
resource = "fastResc"
checksum = "verify"
files_per_task = 7
metadata = { instrument = "m1" }
max_delete = "10%"
source_marker = ".irods-ingest"
max_attempts = 3
retry_delay = "1s"
retry_max_delay = "2h"
file_timeout = "1d"
ctime_changes = "ignore"

[[job]]
name = "bucket"
source = "s3://bucket/prefix"
target = "/tempZone/home/rods/bucket"
operation = "put"
[job.s3]
endpoint = "https://s3.example.org"
path_style = true
profile = "ingest"
`,
  );
  return loadConfig(file, {});
}

describe('job definitions as stored in Redis', () => {
  let dir: string;
  let config: Config;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-definition-'));
    config = await fullConfig(dir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('read back, give exactly the job the config file gave', () => {
    for (const job of config.job) {
      const decoded = decodeDefinition(encodeDefinition(job, 'config', 'host:/run/ctl.sock'));
      assert.ok('definition' in decoded, JSON.stringify(decoded));
      assert.deepEqual(decoded.definition, { origin: 'config', owner: 'host:/run/ctl.sock', job });
    }
  });

  it('carry their format version and no secret of the config', () => {
    for (const job of config.job) {
      const text = encodeDefinition(job, 'adhoc', 'host:/run/ctl.sock');
      assert.equal((JSON.parse(text) as { format: number }).format, DEFINITION_FORMAT);
      assert.ok(!text.includes(IRODS_SECRET) && !text.includes(REDIS_SECRET), text);
      assert.ok(!text.includes('password') && !text.includes('redacted'), text);
    }
  });

  it('spell durations as a config file does', () => {
    const table = jobTable(config.job[0]!);
    assert.equal(table.rescan_interval, '90m');
    assert.equal(table.settle, '1500ms');
    assert.equal(table.file_timeout, '1d');
  });

  it('of a newer format are refused, not misread', () => {
    const stored = JSON.parse(encodeDefinition(config.job[0]!, 'config', 'o')) as object;
    const decoded = decodeDefinition(JSON.stringify({ ...stored, format: DEFINITION_FORMAT + 1 }));
    assert.deepEqual(decoded, {
      problem: `its definition was written by a newer irods-ingestd (format ${DEFINITION_FORMAT + 1}; this one reads up to ${DEFINITION_FORMAT})`,
    });
  });

  it('naming an operation or a key this daemon does not know are refused with the key', () => {
    const stored = JSON.parse(encodeDefinition(config.job[0]!, 'config', 'o')) as {
      job: Record<string, unknown>;
    };
    const operation = decodeDefinition(
      JSON.stringify({ ...stored, job: { ...stored.job, operation: 'teleport' } }),
    );
    assert.ok('problem' in operation);
    assert.match(operation.problem, /job\.operation: is "teleport"; use one of: register/);
    const key = decodeDefinition(
      JSON.stringify({ ...stored, job: { ...stored.job, compress: true } }),
    );
    assert.ok('problem' in key);
    assert.match(key.problem, /job\.compress: /);
  });

  it('that are not JSON or have no version are refused', () => {
    assert.deepEqual(decodeDefinition('{'), { problem: 'its stored definition is not JSON' });
    assert.deepEqual(decodeDefinition('{"job":{}}'), {
      problem: 'its stored definition has no format version',
    });
  });
});
