/**
 * An HTTP proxy in front of a test S3 server, on a free port of 127.0.0.1: it adds a delay to
 * every request (a real region's round trip, for benchmarks) and answers chosen requests with an
 * S3 error instead of forwarding them (a failing listing page, for delete-safety tests). Bodies
 * stream through both ways.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface S3Proxy {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** Requests forwarded or refused so far. */
  readonly requests: number;
  /** Answers every request `fail` accepts with 500 InternalError until changed. */
  failWhen(fail: ((url: URL, method: string) => boolean) | undefined): void;
  stop(): Promise<void>;
}

export async function startS3Proxy(upstream: string, delayMs = 0): Promise<S3Proxy> {
  const target = new URL(upstream);
  let fail: ((url: URL, method: string) => boolean) | undefined;
  let requests = 0;
  const server: Server = createServer((incoming, answer) => {
    requests += 1;
    void (async () => {
      if (delayMs > 0) await sleep(delayMs);
      const url = new URL(incoming.url ?? '/', upstream);
      if (fail?.(url, incoming.method ?? 'GET')) {
        incoming.resume();
        answer.writeHead(500, { 'content-type': 'application/xml' });
        answer.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected by the test proxy</Message></Error>',
        );
        return;
      }
      const forward = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (upstreamAnswer: IncomingMessage) => {
          answer.writeHead(upstreamAnswer.statusCode ?? 502, upstreamAnswer.headers);
          upstreamAnswer.pipe(answer);
        },
      );
      forward.on('error', () => answer.destroy());
      incoming.pipe(forward);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    failWhen(next) {
      fail = next;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
