/**
 * An S3 job started through the control socket (issue 12's trust boundary): it must lie under an
 * `s3://` root of daemon.adhoc_sources, and may not name a credentials file, which would have the
 * daemon read any file it can read as its S3 keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundAdhocJob } from '../../../src/config/adhoc-bounds.js';
import { jobSchema } from '../../../src/config/schema.js';
import type { JobConfig } from '../../../src/config/index.js';

const limits = {
  adhoc_sources: ['s3://landing/runs'],
  adhoc_targets: ['/tempZone/home/rods/adhoc'],
  handler_dirs: ['/etc/irods-ingest/handlers'],
};

function job(spec: Record<string, unknown>): JobConfig {
  const parsed = jobSchema.parse({ name: 'j', target: '/tempZone/home/rods/adhoc/j', ...spec });
  return { ...parsed, resource: 'demoResc' };
}

describe('ad-hoc S3 jobs', () => {
  it('run under an allowed S3 root with the daemon credentials and a chosen profile', async () => {
    const spec = job({ source: 's3://landing/runs/7', s3: { profile: 'landing' } });
    const bounded = await boundAdhocJob(spec, limits, process.getuid!());
    assert.ok('job' in bounded, JSON.stringify(bounded));
    assert.equal(bounded.job.s3?.profile, 'landing');
    assert.equal(bounded.job.watch, false);
  });

  it('may not name a credentials file', async () => {
    const spec = job({ source: 's3://landing/runs/7', s3: { credentials_file: '/etc/shadow' } });
    const bounded = await boundAdhocJob(spec, limits, process.getuid!());
    assert.ok('problems' in bounded);
    assert.equal(bounded.problems.length, 1);
    assert.match(
      bounded.problems[0]!,
      /^job\.s3\.credentials_file: an ad-hoc job may not name a credentials file/,
    );
  });

  it('may not read another bucket or a prefix outside the root', async () => {
    for (const source of ['s3://other/runs', 's3://landing/runs-old', 's3://landing/runs/../x']) {
      const bounded = await boundAdhocJob(job({ source }), limits, process.getuid!());
      assert.ok('problems' in bounded, source);
      assert.match(bounded.problems[0]!, /^job\.source: /);
    }
  });
});
