/**
 * The handler modules in force, by the path their jobs name. Each config load (start, reload)
 * imports every module afresh in a round of its own; the round is installed only once the config
 * it checked is applied, so a reload that fails (a module that no longer imports, a bad key)
 * leaves the running handlers as they were. Jobs look their handler up at each use, so an
 * installed round takes effect at their next batch and pass.
 */
import type { HandlerLoading } from '../config/index.js';
import { HANDLER_ERROR_CODE, HandlerError } from './errors.js';
import { importHandler } from './load.js';
import { SiteHandler } from './site-handler.js';

export class HandlerRegistry {
  readonly #uid: number;
  /** Imports so far: each gets a URL of its own. */
  #loads = 0;
  #current: ReadonlyMap<string, SiteHandler> = new Map();

  /** `uid`: the daemon's user, trusted (with root) to own handler modules. */
  constructor(uid: number) {
    this.#uid = uid;
  }

  /** A round of imports for one config load (LoadOptions.handlers). */
  round(): HandlerRound {
    return new HandlerRound(this.#uid, () => ++this.#loads);
  }

  /** Makes the round's handlers the ones in force; handlers it did not load are dropped. */
  install(round: HandlerRound): void {
    this.#current = new Map(round.loaded);
  }

  /**
   * Imports the handler of an ad-hoc job (found trusted where it lies) and keeps it beside the
   * config's: what is wrong with it, or nothing.
   */
  async add(path: string): Promise<readonly string[]> {
    const round = this.round();
    const problems = await round.load(path, path);
    if (problems.length === 0) this.#current = new Map([...this.#current, ...round.loaded]);
    return problems;
  }

  /** Whether a handler is loaded for `path`. */
  has(path: string): boolean {
    return this.#current.has(path);
  }

  /** The handler a job names; throws when none was loaded for it (a job never runs without). */
  get(path: string): SiteHandler {
    const handler = this.#current.get(path);
    if (handler === undefined) throw notLoaded(path);
    return handler;
  }
}

/** Where jobs look their handler up (the registry). */
export interface HandlerLookup {
  get(path: string): SiteHandler;
}

/**
 * The handler of a job whose `handler` key is `path`, as in force now; undefined for none.
 * Throws when the job names one that is not loaded: such a job's work waits rather than run
 * without its site's policy.
 */
export function handlerFor(
  path: string,
  lookup: HandlerLookup | undefined,
): SiteHandler | undefined {
  if (path === '') return undefined;
  if (lookup === undefined) throw notLoaded(path);
  return lookup.get(path);
}

function notLoaded(path: string): HandlerError {
  return new HandlerError(
    HANDLER_ERROR_CODE.notLoaded,
    'load',
    `the handler ${path} is not loaded on this daemon`,
    { retryable: true },
  );
}

export class HandlerRound implements HandlerLoading {
  readonly uid: number;
  readonly #nextLoad: () => number;
  readonly #loaded = new Map<string, SiteHandler>();

  constructor(uid: number, nextLoad: () => number) {
    this.uid = uid;
    this.#nextLoad = nextLoad;
  }

  /** What the round loaded, by the path the jobs name. */
  get loaded(): ReadonlyMap<string, SiteHandler> {
    return this.#loaded;
  }

  async load(path: string, real: string): Promise<readonly string[]> {
    const result = await importHandler(real, this.#nextLoad());
    if ('problems' in result) return result.problems;
    this.#loaded.set(path, new SiteHandler(path, result.handler));
    return [];
  }
}
