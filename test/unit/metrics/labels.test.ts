import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseListen } from '../../../src/metrics/index.js';
import { usedMemoryOf } from '../../../src/metrics/redis-health.js';

describe('metrics listen address', () => {
  it('takes host:port and [ipv6]:port, port 0 included', () => {
    assert.deepEqual(parseListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListen('[::1]:9464'), { host: '::1', port: 9464 });
    assert.deepEqual(parseListen('[::]:0'), { host: '::', port: 0 });
    assert.deepEqual(parseListen('metrics.local:80'), { host: 'metrics.local', port: 80 });
  });

  it('refuses anything else, naming the string', () => {
    for (const listen of ['', '9464', ':9464', 'host:', '::1:9464', '[::1]', 'h:65536', 'h:1x']) {
      assert.throws(() => parseListen(listen), { code: 'METRICS_LISTEN', listen }, listen);
    }
  });
});

describe('Redis used memory', () => {
  it('reads used_memory from INFO memory and nothing else', () => {
    const info =
      '# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_rss:2000\r\n';
    assert.equal(usedMemoryOf(info), 1048576);
    assert.equal(usedMemoryOf('# Memory\r\nused_memory_rss:2000\r\n'), undefined);
  });
});
