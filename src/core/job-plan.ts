/**
 * What a daemon that follows the shared job definitions (a worker host) changes in its job set:
 * given the jobs it runs and the jobs it should run, each named and identified by a digest of its
 * whole definition, which to start, stop, and replace (same name, other definition). Pure.
 */

export interface JobPlan {
  readonly start: readonly string[];
  readonly stop: readonly string[];
  readonly replace: readonly string[];
}

/** `running` and `wanted`: job name → digest of its definition. */
export function planJobs(
  running: ReadonlyMap<string, string>,
  wanted: ReadonlyMap<string, string>,
): JobPlan {
  const start: string[] = [];
  const replace: string[] = [];
  for (const [name, digest] of wanted) {
    const now = running.get(name);
    if (now === undefined) start.push(name);
    else if (now !== digest) replace.push(name);
  }
  const stop = [...running.keys()].filter((name) => !wanted.has(name));
  return { start, stop, replace };
}
