/**
 * Which job's passes work which target, across every daemon sharing the Redis
 * (`<prefix>:~targets`, a hash: job name → JSON { target, owner, expires }). Two jobs whose
 * targets are equal or nested would delete each other's objects, so a job may scan only while it
 * holds a claim on its target that overlaps no other job's.
 *
 * Claims expire: a running job renews its own every CLAIM_RENEW_MS for CLAIM_TTL_MS, so the claim
 * of a daemon that died, or of a job removed from its config, lapses within a minute and never
 * blocks another job for longer. Checking and claiming is one script, so two daemons starting
 * overlapping jobs at the same moment cannot both win. The same job name on two daemons is not an
 * overlap: it is one job, with one state.
 */
import type { RedisClient } from './connection.js';
import { LuaScript } from './lua.js';

/** How long a claim lasts without renewal (ms). */
export const CLAIM_TTL_MS = 60_000;
/** How often a running job renews its claim (ms). */
export const CLAIM_RENEW_MS = 20_000;

/** KEYS[1] the claims hash; ARGV: job, target, owner, now (ms), ttl (ms). Returns the conflicting claim or nil. */
const CLAIM = new LuaScript(`
local key, job, target, owner = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local now, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local function within(path, root) return path == root or string.sub(path, 1, #root + 1) == root .. '/' end
local all = redis.call('HGETALL', key)
for i = 1, #all, 2 do
  local name, claim = all[i], cjson.decode(all[i + 1])
  if tonumber(claim.expires) <= now then
    redis.call('HDEL', key, name)
  elseif name ~= job and (within(target, claim.target) or within(claim.target, target)) then
    return cjson.encode({ job = name, target = claim.target, owner = claim.owner })
  end
end
redis.call('HSET', key, job, cjson.encode({ target = target, owner = owner, expires = now + ttl }))
return false
`);

/** KEYS[1] the claims hash; ARGV: job, owner. Drops the job's claim if `owner` holds it. */
const RELEASE = new LuaScript(`
local claim = redis.call('HGET', KEYS[1], ARGV[1])
if claim and cjson.decode(claim).owner == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`);

/** Another job's live claim that overlaps. */
export interface ClaimConflict {
  readonly job: string;
  readonly target: string;
  /** Which daemon holds it (host and a run id). */
  readonly owner: string;
}

export class TargetClaims {
  readonly #redis: RedisClient;
  readonly #key: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}:~targets`;
  }

  /** Claims (or renews) `target` for `job`; returns the conflict instead when there is one. */
  async claim(job: string, target: string, owner: string): Promise<ClaimConflict | undefined> {
    const reply = await CLAIM.run(
      this.#redis,
      [this.#key],
      [job, target, owner, Date.now(), CLAIM_TTL_MS],
    );
    if (reply === null || reply === undefined) return undefined;
    return JSON.parse(Buffer.from(reply as Buffer).toString('utf8')) as ClaimConflict;
  }

  async release(job: string, owner: string): Promise<void> {
    await RELEASE.run(this.#redis, [this.#key], [job, owner]);
  }

  /** Who holds a live claim for `job`, if anyone. */
  async liveOwner(job: string): Promise<string | undefined> {
    const claim = await this.#redis.hget(this.#key, job);
    if (claim === null) return undefined;
    const { owner, expires } = JSON.parse(claim) as { owner: string; expires: number };
    return expires > Date.now() ? owner : undefined;
  }

  /** Drops `job`'s claim, whoever held it (the job is gone from every config). */
  async drop(job: string): Promise<void> {
    await this.#redis.hdel(this.#key, job);
  }
}
