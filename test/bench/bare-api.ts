/**
 * The baseline the client is measured against: the same HTTP requests issued by the plainest
 * undici code that still checks each answer (HTTP 200 and `status_code` 0). No retries, no
 * re-authentication, no path checks, no hashing: what is left is the cost of the protocol itself
 * through the same emulator, so client/baseline ratios show the client's own overhead.
 *
 * Form bodies are one buffer, as the client's multipartBody writes them. undici's FormData,
 * which this used first, goes through web streams and cost the loop twice the CPU of its own per
 * register + touch (300-390 us against 140-170): on this machine's two cores, shared with the
 * emulator, it made the "bare" register + touch loop a third slower than with its bodies written
 * out (3,051 against 4,619 files/s, medians of five alternating runs), and so a ceiling below
 * what the daemon reached.
 */
import { createReadStream } from 'node:fs';
import { Pool } from 'undici';
import { multipartBody } from '../../src/irods/multipart.js';

export class BareApi {
  readonly #pool: Pool;
  readonly #base: string;
  #auth = '';

  constructor(apiUrl: string, connections: number) {
    const url = new URL(apiUrl);
    this.#pool = new Pool(url.origin, { connections, pipelining: 1 });
    this.#base = url.pathname;
  }

  async login(username: string, password: string): Promise<void> {
    const basic = Buffer.from(`${username}:${password}`).toString('base64');
    const res = await this.#pool.request({
      method: 'POST',
      path: `${this.#base}/authenticate`,
      headers: { authorization: `Basic ${basic}` },
    });
    const token = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`authenticate: HTTP ${res.statusCode}`);
    this.#auth = `Bearer ${token}`;
  }

  async register(lpath: string, ppath: string, resource: string, size: number): Promise<void> {
    const fields = { op: 'register', lpath, ppath, resource, 'data-size': String(size) };
    await this.#check('register', this.#post('/data-objects', fields));
  }

  /** Sets an existing data object's mtime, as the daemon carries a registered file's. */
  async touch(lpath: string, seconds: number): Promise<void> {
    const fields = {
      op: 'touch',
      lpath,
      'seconds-since-epoch': String(seconds),
      'no-create': '1',
    };
    await this.#check('touch', this.#post('/data-objects', fields));
  }

  /** One header-form write of the whole buffer (§5.2.2 form 2). */
  async write(lpath: string, bytes: Buffer): Promise<void> {
    await this.#check(
      'write',
      this.#pool.request({
        method: 'POST',
        path: `${this.#base}/data-objects`,
        headers: {
          authorization: this.#auth,
          'irods-api-request-op': 'write',
          'irods-api-request-lpath': lpath,
          'content-type': 'application/octet-stream',
        },
        body: bytes,
      }),
    );
  }

  /**
   * Parallel write of a local file (§5.2.3): init with `streams` streams, chunk i streamed from
   * disk by stream i mod streams at its offset, one request in flight per stream, then shutdown.
   */
  async uploadParallel(lpath: string, file: string, size: number, chunk: number, streams: number) {
    const init = { op: 'parallel_write_init', lpath, 'stream-count': String(streams) };
    const handle = (
      (await this.#check('parallel_write_init', this.#post('/data-objects', init))) as {
        parallel_write_handle: string;
      }
    ).parallel_write_handle;
    const chunks = Math.ceil(size / chunk);
    let next = 0;
    const lane = async (stream: number) => {
      for (let i = next++; i < chunks; i = next++) {
        const offset = i * chunk;
        const length = Math.min(chunk, size - offset);
        await this.#check(
          'write',
          this.#pool.request({
            method: 'POST',
            path: `${this.#base}/data-objects`,
            headers: {
              authorization: this.#auth,
              'irods-api-request-op': 'write',
              'irods-api-request-parallel-write-handle': handle,
              'irods-api-request-stream-index': String(stream),
              'irods-api-request-offset': String(offset),
              'content-type': 'application/octet-stream',
              'content-length': String(length),
            },
            body: createReadStream(file, { start: offset, end: offset + length - 1 }),
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: streams }, (_, s) => lane(s)));
    const shutdown = { op: 'parallel_write_shutdown', 'parallel-write-handle': handle };
    await this.#check('parallel_write_shutdown', this.#post('/data-objects', shutdown));
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  #post(route: string, fields: Record<string, string>) {
    const { body, contentType } = multipartBody(Object.entries(fields));
    return this.#pool.request({
      method: 'POST',
      path: `${this.#base}${route}`,
      headers: { authorization: this.#auth, 'content-type': contentType },
      body,
    });
  }

  async #check(op: string, pending: ReturnType<Pool['request']>): Promise<unknown> {
    const res = await pending;
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${op}: HTTP ${res.statusCode}`);
    const json = JSON.parse(text) as { irods_response: { status_code: number } };
    if (json.irods_response.status_code !== 0) {
      throw new Error(`${op}: iRODS status ${json.irods_response.status_code}`);
    }
    return json;
  }
}
