/**
 * Lua scripts over a job's failure list (`P:failures`, keys.ts) that keep the `failed` counter of
 * the job's pass record (`P:pass`) equal to the files on the list that failed during that pass:
 * a file failing again in the same pass is not counted twice, and a failure cleared by a later
 * success (a retry, the watcher, a pass that found the file gone) is taken off the counter again.
 * Each stored failure names the pass it was recorded in (`"pass"` in its JSON); records written
 * before that field existed name none and are never taken off a counter.
 */
import { LuaScript } from './lua.js';

/**
 * `clearFailure(failures, passKey, path)`: drops the file's failure; takes it off the counter
 * when it was recorded in the pass the record is of now. Returns 1 when there was one.
 */
export const CLEAR_FAILURE_FUNCTION = `
local function clearFailure(failures, passKey, path)
  local old = redis.call('HGET', failures, path)
  if not old then return 0 end
  redis.call('HDEL', failures, path)
  local ok, failure = pcall(cjson.decode, old)
  local pass = redis.call('HGET', passKey, 'pass')
  if ok and type(failure) == 'table' and failure.pass ~= nil and pass and
      tostring(failure.pass) == pass then
    redis.call('HINCRBY', passKey, 'failed', -1)
  end
  return 1
end
`;

/**
 * KEYS[1] the failures hash, KEYS[2] the pass record, ARGV[1] the file (text path), ARGV[2] the
 * failure's JSON (an object, without `pass`). Stores it with the current pass number and counts
 * it, unless the file's failure already stored was recorded in this same pass. Returns 1 when
 * counted.
 */
export const RECORD_FAILURE = new LuaScript(`
local failures, passKey, path, json = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local pass = redis.call('HGET', passKey, 'pass')
local counted = false
local old = redis.call('HGET', failures, path)
if old and pass then
  local ok, failure = pcall(cjson.decode, old)
  counted = ok and type(failure) == 'table' and failure.pass ~= nil and tostring(failure.pass) == pass
end
if pass then json = '{"pass":' .. pass .. ',' .. string.sub(json, 2) end
redis.call('HSET', failures, path, json)
if pass and not counted then
  redis.call('HINCRBY', passKey, 'failed', 1)
  return 1
end
return 0
`);

/** KEYS[1] the failures hash, KEYS[2] the pass record, ARGV files. Returns how many went. */
export const CLEAR_FAILURES = new LuaScript(`${CLEAR_FAILURE_FUNCTION}
local cleared = 0
for at = 1, #ARGV do cleared = cleared + clearFailure(KEYS[1], KEYS[2], ARGV[at]) end
return cleared
`);
