/**
 * Plain requests to a Unix-socket HTTP server for the control tests: one node:http request with
 * full control over method, headers and body, and a raw byte exchange on a net socket for input
 * that is not HTTP at all.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createConnection } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export function send(
  socketPath: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string | number> = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, method, path, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The parsed JSON of an answer. */
export function json(answer: RawAnswer): unknown {
  return JSON.parse(answer.text);
}

export interface Exchange {
  /** Everything the server sent before it closed or the time ran out. */
  received: string;
  /** The server closed the connection (rather than the time running out). */
  closed: boolean;
}

/**
 * Writes `bytes` on a fresh connection (ending our side unless `keepOpen`) and collects what
 * comes back until the server closes or `timeoutMs` passes.
 */
export function exchange(
  socketPath: string,
  bytes: string | Buffer,
  { timeoutMs = 5_000, keepOpen = false }: { timeoutMs?: number; keepOpen?: boolean } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = createConnection({ path: socketPath });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    // The server may close while we still write (an oversized body): that is an answer too.
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      if (keepOpen) socket.write(bytes);
      else socket.end(bytes);
    });
  });
}
