/**
 * The Prometheus endpoint at `metrics_listen`: `GET /metrics` answers the exposition text,
 * `GET /` a line saying where the metrics are, anything else 404 (405 for another method on
 * those two paths). A scrape that fails is answered 500 and logged; no request can bring the
 * server, let alone the daemon, down.
 *
 * Lifecycle: startMetricsServer() resolves once it listens (or rejects with a
 * MetricsServerError); close() (memoised) stops listening and drops idle keep-alive connections,
 * which Prometheus holds open between scrapes and which would otherwise keep close() waiting.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IngestError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from './registry.js';

export interface ListenAddress {
  /** Host name or IP address; IPv6 without brackets. */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
}

export interface MetricsServerOptions {
  /** `host:port`, `[ipv6]:port`. */
  listen: string;
  metrics: Metrics;
  logger: Logger;
}

export interface MetricsServer {
  /** Where it listens, with the port actually bound. */
  readonly address: ListenAddress;
  /** `http://host:port/metrics`, for logs and tests. */
  readonly url: string;
  close(): Promise<void>;
}

/** The metrics endpoint cannot be served: a bad listen string, or the address is taken. */
export class MetricsServerError extends IngestError {
  readonly listen: string;

  constructor(listen: string, problem: string, cause?: unknown) {
    super('METRICS_LISTEN', `metrics server on "${listen}": ${problem}`, { cause });
    this.listen = listen;
  }
}

/** Parses `host:port` or `[ipv6]:port`; port 0 to 65535. */
export function parseListen(listen: string): ListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(listen);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port > 65535) {
    throw new MetricsServerError(listen, 'not host:port (e.g. "127.0.0.1:9464", "[::1]:9464")');
  }
  return { host: match[1] ?? match[2]!, port };
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { listen, metrics, logger } = options;
  const wanted = parseListen(listen);
  const server = createServer((request, response) => {
    respond(request, response, metrics, logger).catch((error: unknown) => {
      logger.warn(`metrics: answering ${request.url ?? ''} failed: ${messageOf(error)}`);
      response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) =>
      reject(new MetricsServerError(listen, `cannot listen: ${error.message}`, error));
    server.once('error', failed);
    server.listen(wanted.port, wanted.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  server.on('error', (error) => logger.warn(`metrics server: ${error.message}`));
  const bound = server.address() as AddressInfo;
  const address = { host: wanted.host, port: bound.port };
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  let closing: Promise<void> | undefined;
  return {
    address,
    url: `http://${host}:${address.port}/metrics`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

const PATHS = { metrics: '/metrics', root: '/' } as const;
const TEXT = 'text/plain; charset=utf-8';

async function respond(
  request: IncomingMessage,
  response: ServerResponse,
  metrics: Metrics,
  logger: Logger,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  const head = request.method === 'HEAD';
  if (path !== PATHS.metrics && path !== PATHS.root) {
    send(response, 404, TEXT, 'not found; metrics are at /metrics\n', head);
    return;
  }
  if (request.method !== 'GET' && !head) {
    response.setHeader('allow', 'GET, HEAD');
    send(response, 405, TEXT, 'only GET and HEAD\n', false);
    return;
  }
  if (path === PATHS.root) {
    send(response, 200, TEXT, 'irods-ingest: Prometheus metrics at /metrics\n', head);
    return;
  }
  let exposition;
  try {
    exposition = await metrics.scrape();
  } catch (error) {
    logger.error(`metrics: the scrape failed: ${messageOf(error)}`);
    send(response, 500, TEXT, 'the scrape failed; see the daemon log\n', head);
    return;
  }
  send(response, 200, exposition.contentType, exposition.text, head);
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  head: boolean,
): void {
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(status, { 'content-type': contentType, 'content-length': bytes.length });
  response.end(head ? undefined : bytes);
}
