import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Gauge } from 'prom-client';
import {
  Metrics,
  MetricsServerError,
  startMetricsServer,
  type MetricsServer,
} from '../../../src/metrics/index.js';
import { messageOf } from '../../../src/errors.js';
import { recordingLogger, scrape, valueOf } from './fixture.js';

describe('metrics server', () => {
  const { logger, lines } = recordingLogger();
  let metrics: Metrics;
  let server: MetricsServer;
  before(async () => {
    metrics = new Metrics({ logger, probeTimeoutMs: 300 });
    server = await startMetricsServer({ listen: '127.0.0.1:0', metrics, logger });
  });
  after(() => server.close());

  it('serves file outcomes and bytes per job in the Prometheus text format', async () => {
    metrics.addJob('zeroes');
    metrics.fileOutcome('cam', 'new', 3);
    metrics.fileOutcome('cam', 'updated');
    metrics.fileOutcome('cam', 'failed', 2);
    metrics.fileOutcome('cam', 'skipped', 0);
    metrics.bytes('cam', 4096);
    metrics.bytes('cam', 100);
    const { contentType, samples } = await scrape(server.url);
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    const files = (job: string, outcome: string) =>
      valueOf(samples, 'irods_ingest_files_total', { job, outcome });
    assert.equal(files('cam', 'new'), 3);
    assert.equal(files('cam', 'updated'), 1);
    assert.equal(files('cam', 'failed'), 2);
    assert.equal(files('cam', 'skipped'), 0);
    assert.equal(valueOf(samples, 'irods_ingest_bytes_total', { job: 'cam' }), 4196);
    for (const outcome of ['new', 'updated', 'deleted', 'skipped', 'failed', 'retried']) {
      assert.equal(files('zeroes', outcome), 0, `a known job starts at 0 (${outcome})`);
    }
  });

  it('records iRODS request latencies in buckets and counts errors by code', async () => {
    metrics.irodsRequest('stat', 0.003);
    metrics.irodsRequest('stat', 0.2);
    metrics.irodsRequest('write', 12, 'HTTP_503');
    metrics.irodsRequest('write', 0.01, 'CAT_NO_ACCESS_PERMISSION');
    const { samples } = await scrape(server.url);
    const bucket = (op: string, le: string) =>
      valueOf(samples, 'irods_ingest_irods_request_duration_seconds_bucket', { op, le });
    assert.equal(bucket('stat', '0.001'), 0);
    assert.equal(bucket('stat', '0.005'), 1);
    assert.equal(bucket('stat', '0.25'), 2);
    assert.equal(bucket('write', '10'), 1);
    assert.equal(bucket('write', '60'), 2);
    assert.equal(
      valueOf(samples, 'irods_ingest_irods_request_duration_seconds_count', { op: 'write' }),
      2,
    );
    const errors = (op: string, code: string) =>
      valueOf(samples, 'irods_ingest_irods_errors_total', { op, code });
    assert.equal(errors('write', 'HTTP_503'), 1);
    assert.equal(errors('write', 'CAT_NO_ACCESS_PERMISSION'), 1);
    assert.equal(errors('stat', 'HTTP_503'), undefined);
  });

  it('leaves out values that are not finite numbers instead of throwing', async () => {
    metrics.irodsRequest('stat', Number.NaN, 'HTTP_500');
    metrics.passDone('odd', Number.NaN, -1, Number.POSITIVE_INFINITY);
    metrics.setWatches('odd', Number.NaN);
    metrics.bytes('odd', -5);
    metrics.onScrape('odd', () => ({ failures: Number.NaN, inFlightFiles: 2 }));
    const { samples } = await scrape(server.url);
    assert.equal(valueOf(samples, 'irods_ingest_irods_errors_total', { op: 'stat' }), 1);
    assert.equal(valueOf(samples, 'irods_ingest_in_flight_files', { job: 'odd' }), 2);
    assert.equal(valueOf(samples, 'irods_ingest_failures', { job: 'odd' }), undefined);
    assert.equal(valueOf(samples, 'irods_ingest_pass_number', { job: 'odd' }), undefined);
    metrics.forgetJob('odd');
  });

  it('shows passes, watches and the inotify limit', async () => {
    metrics.passDone('cam', 7, 42.5, 1_700_000_000_000);
    metrics.setWatches('cam', 1234);
    metrics.setWatchLimit(65536);
    const { samples } = await scrape(server.url);
    assert.equal(valueOf(samples, 'irods_ingest_pass_number', { job: 'cam' }), 7);
    assert.equal(
      valueOf(samples, 'irods_ingest_last_pass_end_timestamp_seconds', { job: 'cam' }),
      1_700_000_000,
    );
    assert.equal(
      valueOf(samples, 'irods_ingest_scan_duration_seconds_bucket', { job: 'cam', le: '60' }),
      1,
    );
    assert.equal(valueOf(samples, 'irods_ingest_scan_duration_seconds_sum', { job: 'cam' }), 42.5);
    assert.equal(valueOf(samples, 'irods_ingest_watcher_watches', { job: 'cam' }), 1234);
    assert.equal(valueOf(samples, 'irods_ingest_inotify_watch_limit'), 65536);
    metrics.setWatchLimit(undefined);
    const unknown = await scrape(server.url);
    assert.equal(valueOf(unknown.samples, 'irods_ingest_inotify_watch_limit'), undefined);
  });

  it('serves default process metrics under the prefix', async () => {
    const { samples } = await scrape(server.url);
    assert.ok((valueOf(samples, 'irods_ingest_process_resident_memory_bytes') ?? 0) > 0);
    assert.ok(valueOf(samples, 'irods_ingest_nodejs_eventloop_lag_seconds') !== undefined);
  });

  it('samples job probes only when scraped', async () => {
    let calls = 0;
    metrics.onScrape('probed', () => {
      calls += 1;
      return { queue: { waiting: 5, active: 2, delayed: 1 }, inFlightFiles: 40, failures: 3 };
    });
    assert.equal(calls, 0);
    const { samples } = await scrape(server.url);
    assert.equal(calls, 1);
    const queue = (state: string) =>
      valueOf(samples, 'irods_ingest_queue_batches', { job: 'probed', state });
    assert.deepEqual([queue('waiting'), queue('active'), queue('delayed')], [5, 2, 1]);
    assert.equal(valueOf(samples, 'irods_ingest_in_flight_files', { job: 'probed' }), 40);
    assert.equal(valueOf(samples, 'irods_ingest_failures', { job: 'probed' }), 3);
    metrics.forgetJob('probed');
  });

  it('answers the scrape when a probe throws or hangs, leaving out only its values', async () => {
    let healthy = false;
    metrics.onScrape('broken', () => {
      if (!healthy) throw new Error('Redis is not connected');
      return { failures: 1 };
    });
    metrics.onScrape('stuck', () => new Promise(() => undefined));
    metrics.onScrape('fine', () => Promise.resolve({ failures: 9 }));
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      const { samples } = await scrape(server.url);
      assert.ok(Date.now() - started < 2_000, 'a stuck probe does not hold the scrape');
      assert.equal(valueOf(samples, 'irods_ingest_failures', { job: 'broken' }), undefined);
      assert.equal(valueOf(samples, 'irods_ingest_failures', { job: 'stuck' }), undefined);
      assert.equal(valueOf(samples, 'irods_ingest_failures', { job: 'fine' }), 9);
    }
    const about = (job: string) => lines.filter((line) => line.message.includes(`job ${job}`));
    assert.deepEqual(
      about('broken').map((line) => line.level),
      ['warn', 'debug'],
      'an outage is a warning once, not on every scrape',
    );
    assert.match(about('broken')[0]!.message, /Redis is not connected/);
    assert.match(about('stuck')[0]!.message, /no answer within 300 ms/);
    healthy = true;
    const { samples } = await scrape(server.url);
    assert.equal(valueOf(samples, 'irods_ingest_failures', { job: 'broken' }), 1);
    assert.equal(about('broken').at(-1)!.level, 'info');
    for (const job of ['broken', 'stuck', 'fine']) metrics.forgetJob(job);
  });

  it('forgets every series of a removed job', async () => {
    metrics.fileOutcome('gone', 'new');
    metrics.bytes('gone', 10);
    metrics.passDone('gone', 1, 3, Date.now());
    metrics.setWatches('gone', 5);
    metrics.onScrape('gone', () => ({ queue: { waiting: 1 }, inFlightFiles: 1, failures: 1 }));
    const before = await scrape(server.url);
    assert.ok(before.samples.filter((s) => s.labels.job === 'gone').length > 10);
    metrics.forgetJob('gone');
    const { samples } = await scrape(server.url);
    assert.deepEqual(
      samples.filter((s) => s.labels.job === 'gone'),
      [],
    );
    assert.equal(valueOf(samples, 'irods_ingest_files_total', { job: 'cam', outcome: 'new' }), 3);
  });

  it('lets concurrent scrapes share one round of probes', async () => {
    let calls = 0;
    metrics.onScrape('shared', async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { failures: 0 };
    });
    const answers = await Promise.all([scrape(server.url), scrape(server.url)]);
    assert.equal(calls, 1);
    for (const { samples } of answers) {
      assert.equal(valueOf(samples, 'irods_ingest_failures', { job: 'shared' }), 0);
    }
    metrics.forgetJob('shared');
  });

  it('answers / with a pointer, unknown paths with 404 and other methods with 405', async () => {
    const root = await fetch(new URL('/', server.url));
    assert.equal(root.status, 200);
    assert.match(await root.text(), /\/metrics/);
    const withQuery = await fetch(`${server.url}?x=1`);
    assert.equal(withQuery.status, 200);
    await withQuery.text();
    const missing = await fetch(new URL('/nothing', server.url));
    assert.equal(missing.status, 404);
    await missing.text();
    const post = await fetch(server.url, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.text();
    const head = await fetch(server.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('answers 500 when rendering fails, and logs why', async () => {
    new Gauge({
      name: 'test_broken',
      help: 'A metric whose collect() throws.',
      registers: [metrics.registry],
      collect() {
        throw new Error('collect exploded');
      },
    });
    const failed = await fetch(server.url);
    assert.equal(failed.status, 500);
    await failed.text();
    assert.match(lines.at(-1)!.message, /the scrape failed: collect exploded/);
    metrics.registry.removeSingleMetric('test_broken');
    const { samples } = await scrape(server.url);
    assert.ok(samples.length > 0);
  });

  it('survives a malformed request and keeps answering', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.address.port, server.address.host, () => {
        socket.write('GARBAGE / HTTP/9\r\n\r\n');
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400/);
    const { samples } = await scrape(server.url);
    assert.ok(samples.length > 0);
  });
});

describe('metrics server lifecycle', () => {
  const { logger } = recordingLogger();

  it('refuses listen strings that are not host:port', async () => {
    const metrics = new Metrics({ logger });
    for (const listen of ['9464', 'localhost', '::1:9464', '127.0.0.1:99999', 'a b:1']) {
      await assert.rejects(startMetricsServer({ listen, metrics, logger }), (error: unknown) => {
        assert.ok(error instanceof MetricsServerError, listen);
        assert.equal(error.code, 'METRICS_LISTEN');
        assert.equal(error.listen, listen);
        return true;
      });
    }
  });

  it('listens on IPv6 loopback in brackets', async (t) => {
    const metrics = new Metrics({ logger });
    let server: MetricsServer;
    try {
      server = await startMetricsServer({ listen: '[::1]:0', metrics, logger });
    } catch (error) {
      t.skip(`no IPv6 loopback here: ${messageOf(error)}`);
      return;
    }
    assert.equal(server.address.host, '::1');
    assert.match(server.url, /^http:\/\/\[::1\]:\d+\/metrics$/);
    const { samples } = await scrape(server.url);
    assert.ok(samples.length > 0);
    await server.close();
  });

  it('reports a taken port as a MetricsServerError', async () => {
    const metrics = new Metrics({ logger });
    const first = await startMetricsServer({ listen: '127.0.0.1:0', metrics, logger });
    const listen = `127.0.0.1:${first.address.port}`;
    await assert.rejects(startMetricsServer({ listen, metrics, logger }), (error: unknown) => {
      assert.ok(error instanceof MetricsServerError);
      assert.match(
        error.message,
        new RegExp(`^metrics server on "${listen}": cannot listen: .*EADDRINUSE`),
      );
      return true;
    });
    await first.close();
  });

  it('closes promptly while a scraper holds a keep-alive connection', async () => {
    const metrics = new Metrics({ logger });
    const server = await startMetricsServer({ listen: '127.0.0.1:0', metrics, logger });
    // fetch keeps its connection open for the next request, as Prometheus does.
    const response = await fetch(server.url);
    await response.text();
    const started = Date.now();
    await Promise.all([server.close(), server.close()]);
    assert.ok(Date.now() - started < 1_000);
    await assert.rejects(fetch(server.url));
  });

  it('keeps two registries apart', async () => {
    const one = new Metrics({ logger });
    const two = new Metrics({ logger });
    one.fileOutcome('same-name', 'new', 5);
    const server = await startMetricsServer({ listen: '127.0.0.1:0', metrics: two, logger });
    const { samples } = await scrape(server.url);
    assert.equal(valueOf(samples, 'irods_ingest_files_total', { job: 'same-name' }), undefined);
    await server.close();
  });
});
