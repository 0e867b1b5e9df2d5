import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { Cluster } from 'ioredis';
import {
  REDIS_TOPOLOGIES,
  RedisConnector,
  releaseBullConnection,
} from '../../../src/state/index.js';

const SECRET = 'pw-5c1e';

describe('RedisConnector', () => {
  it('keeps a single server on the configured prefix', () => {
    const connector = new RedisConnector({
      url: 'redis://redis.example.org:6380/2',
      key_prefix: 'site',
      password: SECRET,
    });
    assert.equal(connector.topology, REDIS_TOPOLOGIES.standalone);
    assert.equal(connector.keyPrefix, 'site');
    assert.equal(connector.otherLayoutPrefix, '{site}');
    const client = connector.client() as Redis;
    assert.deepEqual(
      [client.options.host, client.options.port, client.options.db],
      ['redis.example.org', 6380, 2],
    );
    assert.equal(client.status, 'wait', 'not connected until asked');
    assert.deepEqual(connector.bullConnection(), {
      password: SECRET,
      maxRetriesPerRequest: null,
      host: 'redis.example.org',
      port: 6380,
      db: 2,
    });
  });

  it('follows the master the sentinels name', () => {
    const connector = new RedisConnector({
      url: 'embedded',
      key_prefix: 'site',
      sentinels: ['s1.example.org:26379', '[2001:db8::1]:26380'],
      sentinel_master: 'mymaster',
      password: SECRET,
    });
    assert.equal(connector.topology, REDIS_TOPOLOGIES.sentinel);
    assert.equal(connector.keyPrefix, 'site');
    const options = (connector.client() as Redis).options;
    assert.deepEqual(options.sentinels, [
      { host: 's1.example.org', port: 26379 },
      { host: '2001:db8::1', port: 26380 },
    ]);
    assert.equal(options.name, 'mymaster');
    assert.doesNotMatch(connector.description, new RegExp(SECRET));
  });

  it('puts every key of a Cluster under the hash tag of the prefix', () => {
    const connector = new RedisConnector({
      url: 'embedded',
      key_prefix: 'site',
      cluster_nodes: ['r1.example.org:6379', 'r2.example.org:6379'],
      password: SECRET,
    });
    assert.equal(connector.topology, REDIS_TOPOLOGIES.cluster);
    assert.equal(connector.keyPrefix, '{site}');
    assert.equal(connector.otherLayoutPrefix, 'site');
    assert.ok(connector.client() instanceof Cluster);
    const bull = connector.bullConnection();
    assert.ok(bull instanceof Cluster, 'BullMQ cannot open a Cluster from options');
    assert.equal(bull.options.redisOptions?.maxRetriesPerRequest, null);
    releaseBullConnection(bull);
    assert.doesNotMatch(connector.description, new RegExp(SECRET));
  });
});
