/**
 * One loaded handler module, as the daemon calls it: only the members it has, each call bounded
 * in time, every failure a HandlerError naming the member (call.ts).
 */
import { callWithin } from './call.js';
import type { Handler } from './types.js';

type Member = keyof Handler;
type Args<M extends Member> = Parameters<NonNullable<Handler[M]>>;
type Result<M extends Member> = Awaited<ReturnType<NonNullable<Handler[M]>>>;

export class SiteHandler {
  /** The path the jobs name. */
  readonly path: string;
  readonly #module: Handler;

  constructor(path: string, module: Handler) {
    this.path = path;
    this.#module = module;
  }

  has(member: Member): boolean {
    return typeof this.#module[member] === 'function';
  }

  /** Calls `member` (undefined when the module lacks it) within `limitMs`. */
  async call<M extends Member>(
    member: M,
    limitMs: number,
    ...args: Args<M>
  ): Promise<Result<M> | undefined> {
    const fn = this.#module[member] as ((...a: Args<M>) => Result<M>) | undefined;
    if (typeof fn !== 'function') return undefined;
    return callWithin(member, () => fn.apply(this.#module, args), limitMs);
  }
}
