import { after, before } from 'node:test';
import { startEmulator, type EmulatorOptions, type TestEmulator } from '../../helpers/emulator.js';
import { Session, unique } from './http.js';

export interface SessionOptions {
  /** The emulator's options, or a function giving them once the file's earlier hooks ran. */
  emulator?: EmulatorOptions | (() => Promise<EmulatorOptions>);
  /**
   * Also create a user of the zone, named `user` with a unique suffix (password `user`-password),
   * for the tests of what another user may or may not do.
   */
  user?: string;
  /**
   * What the file's tests share, done as rods once the session is up. It belongs here, not in a
   * `before` of the file: node:test runs a file's top-level `before` hooks concurrently.
   */
  prepare?: (rods: Session) => Promise<void>;
}

export interface SessionFixture {
  readonly emu: TestEmulator;
  /** Logged in as the zone's administrator. */
  readonly rods: Session;
  /** Logged in as the user of `options.user`. */
  readonly alice: Session;
  readonly aliceName: string;
}

/**
 * The setup of the emulator conformance tests: an emulator for the whole file (started in
 * `before`, stopped in `after`), a session as rods and, if asked for, one as an ordinary user.
 * The fields may be read once the hooks ran, that is inside tests and later hooks.
 */
export function useEmulatorSession(options: SessionOptions = {}): SessionFixture {
  let emu: TestEmulator | undefined;
  let rods: Session | undefined;
  let alice: { session: Session; name: string } | undefined;
  before(async () => {
    const emulatorOptions =
      typeof options.emulator === 'function' ? await options.emulator() : options.emulator;
    emu = await startEmulator(emulatorOptions);
    rods = await Session.login(emu);
    if (options.user !== undefined) {
      const name = unique(options.user);
      alice = { session: await rods.createUser(name, `${options.user}-password`), name };
    }
    await options.prepare?.(rods);
  });
  after(async () => {
    await emu?.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is set up in before()`);
    return value;
  };
  return {
    get emu() {
      return started(emu, 'the emulator');
    },
    get rods() {
      return started(rods, "rods's session");
    },
    get alice() {
      return started(alice, 'the user (options.user)').session;
    },
    get aliceName() {
      return started(alice, 'the user (options.user)').name;
    },
  };
}
