/**
 * Lua scripts over the directory hashes (see keys.ts). Each batch operation of FileStateStore is
 * one script call, so it costs one round trip and runs atomically: the shard count a script reads
 * cannot change under it, and the tracked counter always equals the number of stored entries.
 *
 * Every script takes the same keys and first argument, then its own arguments:
 *   KEYS[1] the shard-count hash, KEYS[2] the tracked counter, ARGV[1] the stem of directory
 *   keys (`P:d:`). The directory keys cannot be declared: which shards exist is read inside the
 *   script, atomically. They start with the same prefix as KEYS[1], so on a Redis Cluster they
 *   share its hash slot (connection.ts). A directory's entries live in `stem..id..':'..shard`, shard = first 32 bits of
 *   SHA-1(name) mod the shard count (1 unless the shard-count hash says more); names longer than
 *   LONG_NAME bytes live in `stem..id..':L'`, because one such field would turn a whole shard
 *   into Redis' big hashtable encoding (hash-max-listpack-value, 64 by default).
 * A shard never holds more than MAX_FIELDS fields after a write: the directory then doubles its
 * shard count and moves about half of each shard's fields to its new sibling. Shards stay below
 * hash-max-listpack-entries (128 by default), so every shard keeps the compact listpack encoding.
 */
import { LuaScript } from './lua.js';

/** Fields per shard before a directory splits; below Redis' listpack limit of 128 entries. */
export const MAX_FIELDS_PER_SHARD = 100;
/** Longest name kept in a shard; Redis' default hash-max-listpack-value. */
export const LONG_NAME_BYTES = 64;

/** Shared by every script over the directory hashes: the keys and shards of a directory. */
export const PRELUDE = `
local shardsKey, trackedKey, stem = KEYS[1], KEYS[2], ARGV[1]
local MAX_FIELDS, LONG_NAME = ${MAX_FIELDS_PER_SHARD}, ${LONG_NAME_BYTES}
local counts = {}
local function shardCount(id)
  local n = counts[id]
  if n == nil then
    n = tonumber(redis.call('HGET', shardsKey, id) or '1')
    counts[id] = n
  end
  return n
end
local function shardOf(name, n)
  if n == 1 then return 0 end
  return tonumber(string.sub(redis.sha1hex(name), 1, 8), 16) % n
end
-- A shard's key name is built once per call: formatting the shard number for every entry took
-- a sixteenth of a first pass's Redis time.
local shardKeys = {}
local function keyFor(id, name)
  if #name > LONG_NAME then return stem .. id .. ':L', false end
  local s = shardOf(name, shardCount(id))
  local keys = shardKeys[id]
  if keys == nil then
    keys = {}
    shardKeys[id] = keys
  end
  local key = keys[s]
  if key == nil then
    key = stem .. id .. ':' .. s
    keys[s] = key
  end
  return key, true
end
local function allKeys(id)
  local keys = {}
  for i = 0, shardCount(id) - 1 do keys[#keys + 1] = stem .. id .. ':' .. i end
  keys[#keys + 1] = stem .. id .. ':L'
  return keys
end
`;

/**
 * Doubles a directory's shard count until no shard holds more than MAX_FIELDS fields; `put`
 * writes one entry and grows its directory when needed. `reserve` makes room for a batch's new
 * entries of a directory before they are written: growing shard by shard as they arrive moved
 * each entry of a large new directory about once more (a third of a first pass's Redis time).
 */
export const GROW = `
local function reshard(id, n, m)
  for i = 0, n - 1 do
    local from = stem .. id .. ':' .. i
    local all = redis.call('HGETALL', from)
    for j = 1, #all, 2 do
      local s = shardOf(all[j], m)
      if s ~= i then
        redis.call('HSET', stem .. id .. ':' .. s, all[j], all[j + 1])
        redis.call('HDEL', from, all[j])
      end
    end
  end
  counts[id] = m
  redis.call('HSET', shardsKey, id, m)
end
local function grow(id)
  local n = shardCount(id)
  while true do
    local over = false
    for i = 0, n - 1 do
      if redis.call('HLEN', stem .. id .. ':' .. i) > MAX_FIELDS then over = true break end
    end
    if not over then return end
    reshard(id, n, n * 2)
    n = n * 2
  end
end
local function reserve(id, incoming)
  local n = shardCount(id)
  local total = incoming
  for i = 0, n - 1 do total = total + redis.call('HLEN', stem .. id .. ':' .. i) end
  if total <= n * MAX_FIELDS then return end
  -- Three quarters full on average: few shards pass MAX_FIELDS by chance (grow mends those).
  local m = n * 2
  while total * 4 > m * MAX_FIELDS * 3 do m = m * 2 end
  reshard(id, n, m)
end
local function put(id, name, value, onlyIfNew)
  local key, sharded = keyFor(id, name)
  local added
  if onlyIfNew then
    added = redis.call('HSETNX', key, name, value)
  else
    added = redis.call('HSET', key, name, value)
  end
  if added == 1 and sharded and redis.call('HLEN', key) > MAX_FIELDS then grow(id) end
  return added
end
`;

/**
 * ARGV[2] = n, then n (id, name) pairs. Returns the n packed values, nil where nothing is
 * recorded.
 */
export const GET_MANY = new LuaScript(`${PRELUDE}
local n, out = tonumber(ARGV[2]), {}
for i = 0, n - 1 do
  local id, name = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  out[i + 1] = redis.call('HGET', (keyFor(id, name)), name)
end
return out
`);

/**
 * ARGV[2..] directory ids. Returns, per directory, a few strings of its names and values joined
 * by `/`: no name holds one (a file name cannot, an S3 key is split on it), and no packed value
 * does. (A NUL would not do: escaped S3 key elements begin with one.) A string per shard, of at
 * most 1,000 entries, since a directory's long names share one hash of any size. A few strings
 * per directory instead of two per entry: a rescan reads every directory, and decoding a reply
 * of 400,000 bulk strings was about a sixth of its main thread.
 */
export const CHILDREN = new LuaScript(`${PRELUDE}
local PIECE = 2 * 1000 -- names and values of 1,000 entries
local out = {}
for at = 2, #ARGV do
  local pieces = {}
  for _, key in ipairs(allKeys(ARGV[at])) do
    local all = redis.call('HGETALL', key)
    for from = 1, #all, PIECE do
      pieces[#pieces + 1] = table.concat(all, '/', from, math.min(from + PIECE - 1, #all))
    end
  end
  out[#out + 1] = pieces
end
return out
`);

/**
 * ARGV[2] = placeholder value, ARGV[3] = n, then n (id, name, value) triples to write, then
 * chains of ancestors: a length k and k (id, name) pairs, nearest first. An ancestor is written
 * (with the placeholder) only when it is not recorded yet, and a chain stops at the first one
 * that is: so every recorded entry stays reachable from the root, and forgetTree finds it even
 * when a directory's children were recorded before the directory itself.
 * Returns how many entries were new.
 */
export const RECORD = new LuaScript(`${PRELUDE}${GROW}
local placeholder, n = ARGV[2], tonumber(ARGV[3])
local added, at = 0, 4
for _ = 1, n do
  added = added + put(ARGV[at], ARGV[at + 1], ARGV[at + 2], false)
  at = at + 3
end
while at <= #ARGV do
  local k = tonumber(ARGV[at])
  at = at + 1
  for j = 0, k - 1 do
    if put(ARGV[at + 2 * j], ARGV[at + 2 * j + 1], placeholder, true) == 0 then break end
    added = added + 1
  end
  at = at + 2 * k
end
if added > 0 then redis.call('INCRBY', trackedKey, added) end
return added
`);

/**
 * `putChains(at, dirs, placeholder)`: from ARGV[at] on, chains of ancestors: the id of the
 * directory the chain belongs to, a length k and k (id, name) pairs, nearest first (as in
 * RECORD), each written only when `dirs` holds its directory (an entry of it was written).
 * Returns how many entries were new.
 */
const PUT_CHAINS = `
local function putChains(at, dirs, placeholder)
  local added = 0
  while at <= #ARGV do
    local dir, k = ARGV[at], tonumber(ARGV[at + 1])
    at = at + 2
    if dirs[dir] then
      for j = 0, k - 1 do
        if put(ARGV[at + 2 * j], ARGV[at + 2 * j + 1], placeholder, true) == 0 then break end
        added = added + 1
      end
    end
    at = at + 2 * k
  end
  return added
end
`;

/**
 * RECORD fenced by the file locks: an entry is written only while its lock is held by the
 * writer, checked here, atomically with the write, so a run whose lock lapsed (and may have been
 * taken by another worker since) cannot overwrite a newer state.
 * KEYS[3..n+2] the entries' lock keys; ARGV[2] = placeholder value, ARGV[3] = n, then n
 * (owner, id, name, value) quadruples, `owner` the lock owner token of the entry's writer, then
 * the chains of PUT_CHAINS. Returns, per entry, 1 when it was written and 0 when its lock was
 * not held.
 */
export const RECORD_HELD = new LuaScript(`${PRELUDE}${GROW}${PUT_CHAINS}
local placeholder, n = ARGV[2], tonumber(ARGV[3])
local added, at, held, heldDirs = 0, 4, {}, {}
for i = 1, n do
  if redis.call('GET', KEYS[2 + i]) == ARGV[at] then
    added = added + put(ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], false)
    held[i] = 1
    heldDirs[ARGV[at + 1]] = true
  else
    held[i] = 0
  end
  at = at + 4
end
added = added + putChains(at, heldDirs, placeholder)
if added > 0 then redis.call('INCRBY', trackedKey, added) end
return held
`);

/**
 * RECORD for entries nobody acts on, as the pass records them itself (operation `none`): an
 * entry is written only while no lock is held on it (no worker is acting on it) and its recorded
 * value is still the one the caller compared with, both checked atomically with the write.
 * KEYS[3..n+2] the entries' lock keys; ARGV[2] = placeholder value, ARGV[3] = n, then n
 * (id, name, value, expected) quadruples, `expected` the packed value the caller read ('' for
 * none), then the chains of PUT_CHAINS. Returns the positions (from 1) of the entries not
 * written: usually none, where a reply of a number per entry cost a twenty-fifth of the script.
 * The entries are distinct paths. Each shard's entries are read by one HMGET and written by one
 * HSET: a call from Lua into Redis costs about half a microsecond before it does any work, and a
 * first pass made three per entry.
 * A shard that could pass MAX_FIELDS is written entry by entry instead, growing as it fills.
 */
export const RECORD_UNLOCKED = new LuaScript(`${PRELUDE}${GROW}${PUT_CHAINS}
local SLICE = 1000 -- arguments per unpack, well below Lua's limit
local placeholder, n = ARGV[2], tonumber(ARGV[3])
local added, refused, writtenDirs = 0, {}, {}
-- Usually no worker holds any of them: one call tells.
local anyLocked = false
for from = 3, n + 2, SLICE do
  if redis.call('EXISTS', unpack(KEYS, from, math.min(from + SLICE - 1, n + 2))) > 0 then
    anyLocked = true
    break
  end
end
-- The unlocked entries by directory; room is made for the new ones before any is placed.
local dirs, order, fresh = {}, {}, {}
for i = 1, n do
  if not anyLocked or redis.call('EXISTS', KEYS[2 + i]) == 0 then
    local at = 4 * i
    local id, name = ARGV[at], ARGV[at + 1]
    local those = dirs[id]
    if those == nil then
      those = {}
      dirs[id] = those
      order[#order + 1] = id
    end
    those[#those + 1] = i
    if ARGV[at + 3] == '' and #name <= LONG_NAME then fresh[id] = (fresh[id] or 0) + 1 end
  else
    refused[#refused + 1] = i
  end
end
for id, k in pairs(fresh) do reserve(id, k) end
local function hmget(key, names)
  local values = {}
  for from = 1, #names, SLICE do
    local part = redis.call('HMGET', key, unpack(names, from, math.min(from + SLICE - 1, #names)))
    for _, value in ipairs(part) do values[#values + 1] = value end
  end
  return values
end
for _, id in ipairs(order) do
  local shards, keys = {}, {}
  for _, i in ipairs(dirs[id]) do
    local key, sharded = keyFor(id, ARGV[4 * i + 1])
    local shard = shards[key]
    if shard == nil then
      shard = { sharded = sharded }
      shards[key] = shard
      keys[#keys + 1] = key
    end
    shard[#shard + 1] = i
  end
  local crowded = false
  for _, key in ipairs(keys) do
    local shard, current, due = shards[key], {}, {}
    local size = redis.call('HLEN', key)
    -- Every shard a first pass fills is empty: reading it anyway was a twelfth of this script.
    if size > 0 then
      local names = {}
      for j, i in ipairs(shard) do names[j] = ARGV[4 * i + 1] end
      current = hmget(key, names)
    end
    for j, i in ipairs(shard) do
      if (current[j] or '') == ARGV[4 * i + 3] then
        due[#due + 1] = i
      else
        refused[#refused + 1] = i
      end
    end
    shard.due = due
    if shard.sharded and size + #due > MAX_FIELDS then crowded = true end
  end
  for _, key in ipairs(keys) do
    local fields = {}
    for _, i in ipairs(shards[key].due) do
      local at = 4 * i
      if crowded then
        added = added + put(id, ARGV[at + 1], ARGV[at + 2], false)
      else
        fields[#fields + 1] = ARGV[at + 1]
        fields[#fields + 1] = ARGV[at + 2]
      end
      writtenDirs[id] = true
    end
    for from = 1, #fields, SLICE do
      local last = math.min(from + SLICE - 1, #fields)
      added = added + redis.call('HSET', key, unpack(fields, from, last))
    end
  end
end
added = added + putChains(4 * n + 4, writtenDirs, placeholder)
if added > 0 then redis.call('INCRBY', trackedKey, added) end
return refused
`);

/** ARGV[2..] (id, name) pairs to delete. Returns how many were recorded. */
export const FORGET = new LuaScript(`${PRELUDE}
local removed = 0
for at = 2, #ARGV, 2 do
  local id, name = ARGV[at], ARGV[at + 1]
  removed = removed + redis.call('HDEL', (keyFor(id, name)), name)
end
if removed > 0 then redis.call('DECRBY', trackedKey, removed) end
return removed
`);

/** ARGV[2..] directory ids. Returns, per directory, the names of its children that are dirs. */
export const SUBDIRECTORIES = new LuaScript(`${PRELUDE}
local out = {}
for at = 2, #ARGV do
  local dirs = {}
  for _, key in ipairs(allKeys(ARGV[at])) do
    local all = redis.call('HGETALL', key)
    for j = 1, #all, 2 do
      if string.byte(all[j + 1], 1) == 100 then dirs[#dirs + 1] = all[j] end
    end
  end
  out[#out + 1] = dirs
end
return out
`);

/** ARGV[2..] directory ids. Returns how many entries they hold, all together. */
export const COUNT_ENTRIES = new LuaScript(`${PRELUDE}
local total = 0
for at = 2, #ARGV do
  for _, key in ipairs(allKeys(ARGV[at])) do total = total + redis.call('HLEN', key) end
end
return total
`);

/** ARGV[2..] directory ids whose entries all go. Returns how many entries were removed. */
export const DROP_DIRECTORIES = new LuaScript(`${PRELUDE}
local removed = 0
for at = 2, #ARGV do
  for _, key in ipairs(allKeys(ARGV[at])) do
    removed = removed + redis.call('HLEN', key)
    redis.call('DEL', key)
  end
  redis.call('HDEL', shardsKey, ARGV[at])
end
if removed > 0 then redis.call('DECRBY', trackedKey, removed) end
return removed
`);

/** ARGV[2] = id. Returns shard count, largest shard size, whether every shard is a listpack. */
export const SHAPE = new LuaScript(`${PRELUDE}
local id, largest, compact = ARGV[2], 0, 1
local n = shardCount(id)
for i = 0, n - 1 do
  local key = stem .. id .. ':' .. i
  largest = math.max(largest, redis.call('HLEN', key))
  if redis.call('EXISTS', key) == 1 and redis.call('OBJECT', 'ENCODING', key) ~= 'listpack' then
    compact = 0
  end
end
return { n, largest, compact }
`);
