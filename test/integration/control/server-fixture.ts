/**
 * A control server on a socket in a temporary directory for the tests of a describe block:
 * started before them, closed and removed after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startControlServer, type ControlServer } from '../../../src/control/server.js';
import type { ControlTarget } from '../../../src/control/target.js';

export interface ServerFixture {
  /** The socket path (known once before() ran). */
  readonly socketPath: string;
}

const quiet = { error: () => undefined, warn: () => undefined, debug: () => undefined };

export function useControlServer(target: ControlTarget, prefix: string): ServerFixture {
  let dir: string | undefined;
  let server: ControlServer | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    server = await startControlServer({ socketPath: join(dir, 'ctl.sock'), target, logger: quiet });
  });
  after(async () => {
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return {
    get socketPath() {
      if (server === undefined) throw new Error('the control server starts in before()');
      return server.socketPath;
    },
  };
}
