import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { describe, it } from 'node:test';
import { startRedis } from './redis.js';

/** Sends one command over RESP and returns the raw reply (enough for PING, SET and GET). */
async function command(socketPath: string, ...args: string[]): Promise<string> {
  const request =
    `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let reply = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      // Simple strings, errors and nil end at the first CRLF; a bulk string after its payload.
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (bulk ? reply.length >= bulk[0].length + Number(bulk[1]) + 2 : reply.endsWith('\r\n')) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write(request);
  });
}

describe('the private redis-server test helper', () => {
  it('answers on its unix socket and removes its directory when stopped', async () => {
    const redis = await startRedis();
    assert.equal(redis.url, `unix://${redis.socketPath}`);
    assert.equal(await command(redis.socketPath, 'PING'), '+PONG\r\n');
    await redis.stop();
    assert.equal(existsSync(redis.dir), false);
  });

  it('keeps written keys across a crash and restart when persistence is on', async () => {
    const redis = await startRedis({ persistence: true });
    try {
      assert.equal(await command(redis.socketPath, 'SET', 'k', 'kept'), '+OK\r\n');
      // appendfsync everysec: a write is on disk within about a second.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await redis.restart();
      assert.equal(await command(redis.socketPath, 'GET', 'k'), '$4\r\nkept\r\n');
    } finally {
      await redis.stop();
    }
  });

  it('starts empty after a restart when persistence is off', async () => {
    const redis = await startRedis();
    try {
      await command(redis.socketPath, 'SET', 'k', 'lost');
      await redis.restart();
      assert.equal(await command(redis.socketPath, 'GET', 'k'), '$-1\r\n');
    } finally {
      await redis.stop();
    }
  });
});
