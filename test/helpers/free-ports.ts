import { createServer } from 'node:net';

/**
 * `count` TCP ports on 127.0.0.1 that were free a moment ago (the kernel's pick for port 0),
 * held all at once so that no two of them are the same. A server started on one soon after gets
 * it but for the rare race with another program.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  return ports;
}
