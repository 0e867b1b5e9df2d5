/**
 * Fault injection for tests, driven through the control routes outside the API prefix
 * (`POST /_emulator/faults`, `DELETE /_emulator/faults`):
 *
 * - failRate: share (0..1) of API requests answered with `status` (500 or 503, default 503),
 *   empty JSON body, without being processed;
 * - dropRate: share of API requests whose connection is destroyed without a response, before
 *   the request is processed (nothing changes on the server);
 * - lostAnswerRate: share of API requests that are carried out in full, after which the
 *   connection is destroyed instead of answered. The effect stays and the client cannot tell it
 *   from a drop: what a real server does when the client's connection breaks, or the HTTP API
 *   process dies, while an op runs (irods-http-api.md §3, transport layer: the op runs to its end
 *   in iRODS, and only the response is lost);
 * - latencyMs: delay before an API request is processed;
 * - refuseForMs: the listening socket is closed (new connections get ECONNREFUSED) and opened
 *   again on the same port after that many ms (handled by the server, which owns the socket);
 * - ops: restricts failRate, dropRate, lostAnswerRate and latencyMs to requests for these op
 *   names (the route name stands for the op of /authenticate and /info).
 *
 * Rates use plain Math.random: tests assert on proportions or on 0/1, not on sequences.
 */

export interface FaultSpec {
  readonly failRate: number;
  readonly status: number;
  readonly dropRate: number;
  readonly lostAnswerRate: number;
  readonly latencyMs: number;
  readonly refuseForMs: number;
  readonly ops: readonly string[] | undefined;
}

export class FaultSpecError extends Error {
  readonly code = 'EMULATOR_FAULT_SPEC_INVALID';
}

const NO_FAULTS: FaultSpec = {
  failRate: 0,
  status: 503,
  dropRate: 0,
  lostAnswerRate: 0,
  latencyMs: 0,
  refuseForMs: 0,
  ops: undefined,
};

/** Validates a JSON fault spec from a control request. */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultSpecError('fault spec must be a JSON object');
  }
  const spec: Record<string, unknown> = { ...NO_FAULTS };
  for (const [key, value] of Object.entries(input)) {
    if (!(key in NO_FAULTS)) throw new FaultSpecError(`unknown fault key "${key}"`);
    if (key === 'ops') {
      if (!Array.isArray(value) || !value.every((op) => typeof op === 'string')) {
        throw new FaultSpecError('fault key "ops" must be an array of op names');
      }
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new FaultSpecError(`fault key "${key}" must be a non-negative number`);
    }
    spec[key] = value;
  }
  const result = spec as unknown as FaultSpec;
  if (result.failRate > 1 || result.dropRate > 1 || result.lostAnswerRate > 1) {
    throw new FaultSpecError('failRate, dropRate and lostAnswerRate are shares between 0 and 1');
  }
  if (result.status !== 500 && result.status !== 503) {
    throw new FaultSpecError('fault key "status" must be 500 or 503');
  }
  return result;
}

export const FAULT_ACTIONS = { none: 'none', fail: 'fail', drop: 'drop', lose: 'lose' } as const;
export type FaultAction = (typeof FAULT_ACTIONS)[keyof typeof FAULT_ACTIONS];

export class Faults {
  #spec: FaultSpec = NO_FAULTS;

  set(spec: FaultSpec): void {
    this.#spec = spec;
  }

  clear(): void {
    this.#spec = NO_FAULTS;
  }

  get status(): number {
    return this.#spec.status;
  }

  /** What to do with a request for `op`, and how long to wait before doing it. */
  decide(op: string): { action: FaultAction; delayMs: number } {
    const spec = this.#spec;
    if (spec.ops !== undefined && !spec.ops.includes(op)) {
      return { action: FAULT_ACTIONS.none, delayMs: 0 };
    }
    let action: FaultAction = FAULT_ACTIONS.none;
    if (spec.dropRate > 0 && Math.random() < spec.dropRate) action = FAULT_ACTIONS.drop;
    else if (spec.failRate > 0 && Math.random() < spec.failRate) action = FAULT_ACTIONS.fail;
    else if (spec.lostAnswerRate > 0 && Math.random() < spec.lostAnswerRate) {
      action = FAULT_ACTIONS.lose;
    }
    return { action, delayMs: spec.latencyMs };
  }
}
