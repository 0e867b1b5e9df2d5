/**
 * A stand-in for systemd's notification socket: an AF_UNIX datagram socket that records what
 * systemd-notify sends. Node cannot bind such a socket, so Debian's python3 (package
 * python3-minimal) listens and prints each datagram as a JSON line.
 *
 * Like systemd, the listener closes the file descriptor that comes with systemd-notify's
 * BARRIER=1 message; that releases the helper, which would otherwise wait 5 s. Barriers are
 * not reported.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const PYTHON = '/usr/bin/python3';

const LISTENER = `
import array, json, os, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
print("listening", flush=True)
fd_size = array.array("i").itemsize
while True:
    data, ancillary, _flags, _addr = sock.recvmsg(65536, socket.CMSG_SPACE(16 * fd_size))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - len(payload) % fd_size])
            for fd in fds:
                os.close(fd)
    if data != b"BARRIER=1":
        print(json.dumps(data.decode().split("\\n")), flush=True)
`;

export interface NotifyListener {
  /** The socket path, for $NOTIFY_SOCKET. */
  readonly socket: string;
  /** Datagrams received so far, each as its `VAR=VALUE` fields. */
  readonly messages: readonly (readonly string[])[];
  /** Resolves with the first `count` datagrams once that many arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<(readonly string[])[]>;
  /** Forgets the datagrams received so far. */
  clear(): void;
  close(): Promise<void>;
}

export async function startNotifyListener(): Promise<NotifyListener> {
  const dir = await mkdtemp(join(tmpdir(), 'sd-notify-'));
  const socket = join(dir, 'notify.sock');
  const child = spawn(PYTHON, ['-c', LISTENER, socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const messages: string[][] = [];
  const waiters = new Set<() => void>();
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));

  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    void exited.then(() => reject(new Error(`the notify listener exited: ${errors}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'listening') resolve();
      else messages.push(JSON.parse(line) as string[]);
      for (const wake of waiters) wake();
    });
  });

  return {
    socket,
    messages,
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${messages.length} of ${count} notifications after ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice(0, count));
        };
        waiters.add(check);
        check();
      });
    },
    clear() {
      messages.length = 0;
    },
    async close() {
      child.kill('SIGKILL');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
