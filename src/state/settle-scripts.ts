/**
 * Lua scripts that end a batch run's hold on one file (or a few), fenced by the file locks, in one
 * round trip and atomically: the state goes in only while the run still holds the file's lock,
 * and before the lock is released, so no other worker ever sees the file unlocked with its old
 * state (see FileSettlement).
 */
import { GROW, PRELUDE } from './dir-scripts.js';
import { CLEAR_FAILURE_FUNCTION } from './failure-scripts.js';
import { LuaScript } from './lua.js';

/**
 * KEYS[1..2] and ARGV[1] as every directory script (dir-scripts.ts), KEYS[3] the recheck hash,
 * KEYS[4] the failures hash, KEYS[5] the pass record, KEYS[5 + i] the lock of the i-th file;
 * ARGV[2] the placeholder value of ancestor directories, ARGV[3] the run's lock owner token, then
 * per file: its text path, touched ('1' when the run acted on it), the recheck mark the run
 * resolved ('' for none), done ('1' when its failure goes), has-state ('1' or '0'), and with a
 * state: id, name, value, a chain length k and k ancestor (id, name) pairs, nearest first (as in
 * RECORD).
 *
 * For a file whose lock the owner still holds: its state is written, the lock deleted, the
 * resolved recheck mark cleared, and its failure too when done. For one it no longer holds:
 * nothing is written, and a touched file gets a recheck mark in the owner's name (FileLocks).
 * Returns, per file, 1 when the lock was still held and 0 when it was lost.
 */
export const SETTLE_HELD = new LuaScript(`${PRELUDE}${GROW}${CLEAR_FAILURE_FUNCTION}
local recheck, failures, passKey = KEYS[3], KEYS[4], KEYS[5]
local placeholder, owner = ARGV[2], ARGV[3]
local added, at, out = 0, 4, {}
while at <= #ARGV do
  local lock = KEYS[5 + #out + 1]
  local path, touched, mark, done = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  local hasState = ARGV[at + 4] == '1'
  at = at + 5
  local held = redis.call('GET', lock) == owner
  if hasState then
    local id, name, value, k = ARGV[at], ARGV[at + 1], ARGV[at + 2], tonumber(ARGV[at + 3])
    at = at + 4
    if held then
      added = added + put(id, name, value, false)
      for j = 0, k - 1 do
        if put(ARGV[at + 2 * j], ARGV[at + 2 * j + 1], placeholder, true) == 0 then break end
        added = added + 1
      end
    end
    at = at + 2 * k
  end
  if held then
    redis.call('DEL', lock)
    if mark ~= '' and redis.call('HGET', recheck, path) == mark then redis.call('HDEL', recheck, path) end
    if done == '1' then clearFailure(failures, passKey, path) end
    out[#out + 1] = 1
  else
    if touched == '1' then redis.call('HSET', recheck, path, owner) end
    out[#out + 1] = 0
  end
end
if added > 0 then redis.call('INCRBY', trackedKey, added) end
return out
`);

/**
 * KEYS[1..2] and ARGV[1] as every directory script, KEYS[2 + i] the lock of the i-th entry,
 * ARGV[2] the lock owner token, then (id, name) pairs: drops each entry whose lock the owner
 * holds and whose recorded state is provisional (a confirmed state is never touched). Returns
 * how many were dropped.
 */
export const FORGET_PROVISIONAL_HELD = new LuaScript(`${PRELUDE}
local owner, removed = ARGV[2], 0
for i = 1, #KEYS - 2 do
  if redis.call('GET', KEYS[2 + i]) == owner then
    local id, name = ARGV[1 + 2 * i], ARGV[2 + 2 * i]
    local key = keyFor(id, name)
    local value = redis.call('HGET', key, name)
    if value and string.sub(value, 1, 1) == 'p' then
      removed = removed + redis.call('HDEL', key, name)
    end
  end
end
if removed > 0 then redis.call('DECRBY', trackedKey, removed) end
return removed
`);
