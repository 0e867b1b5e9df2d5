import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import {
  Metrics,
  redisProbe,
  startMetricsServer,
  type MetricsServer,
} from '../../../src/metrics/index.js';
import { RedisConnector } from '../../../src/state/index.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { recordingLogger, scrape, valueOf } from './fixture.js';

describe('Redis health metrics', () => {
  const { logger } = recordingLogger();
  let redisServer: TestRedis;
  let redis: Redis;
  let server: MetricsServer;
  before(async () => {
    redisServer = await startRedis();
    // The daemon's own connection options: commands wait for a reconnect instead of failing.
    const connector = new RedisConnector({ url: redisServer.url, key_prefix: 'unused' });
    redis = connector.client() as Redis;
    redis.on('error', () => undefined);
    await redis.connect();
    const metrics = new Metrics({ logger, probeTimeoutMs: 500 });
    metrics.onScrapeRedis(redisProbe(redis));
    server = await startMetricsServer({ listen: '127.0.0.1:0', metrics, logger });
  });
  after(async () => {
    await server.close();
    redis.disconnect();
    await redisServer.stop();
  });

  it('reports Redis up with its memory, then down while the scrape still answers', async () => {
    const up = await scrape(server.url);
    assert.equal(valueOf(up.samples, 'irods_ingest_redis_up'), 1);
    assert.ok((valueOf(up.samples, 'irods_ingest_redis_used_memory_bytes') ?? 0) > 100_000);

    await redisServer.stop();
    const started = Date.now();
    const down = await scrape(server.url);
    assert.ok(Date.now() - started < 1_000, 'the scrape does not wait for Redis');
    assert.equal(valueOf(down.samples, 'irods_ingest_redis_up'), 0);
    assert.equal(valueOf(down.samples, 'irods_ingest_redis_used_memory_bytes'), undefined);
  });
});
