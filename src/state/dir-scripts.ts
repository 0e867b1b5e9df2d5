/**
 * Lua scripts over the directory hashes (see keys.ts). Each batch operation of FileStateStore is
 * one script call, so it costs one round trip and runs atomically: the shard count a script reads
 * cannot change under it, and the tracked counter always equals the number of stored entries.
 *
 * Every script takes the same keys and first argument, then its own arguments:
 *   KEYS[1] the shard-count hash, KEYS[2] the tracked counter, ARGV[1] the stem of directory
 *   keys (`P:d:`). The directory keys cannot be declared: which shards exist is read inside the
 *   script, atomically. They start with the same prefix as KEYS[1], so on a Redis Cluster they
 *   share its hash slot (connection.ts). A directory's entries live in `stem..id..':'..shard`;
 *   names longer than LONG_NAME bytes live in `stem..id..':L'`, because one such field would turn
 *   a whole shard into Redis' big hashtable encoding (hash-max-listpack-value, 64 by default).
 *
 * A directory grows one shard at a time (linear hashing), so that no call moves more than a few
 * shards' entries however large the directory. With N shards (1 unless the shard-count hash says
 * more) and b the largest power of two not above N, the shards 0 .. N-b-1 have been split in this
 * round, each into itself and the shard b above it; a name's shard is h mod 2b, less b when that
 * shard does not exist yet (h: the first 32 bits of SHA-1(name)). With N a power of two that is
 * h mod N: the layout of version 3, when a directory doubled at once (schema.ts). Doubling moved
 * half of a directory's entries in one call, and Redis serves no one else during a call: 1.15 s
 * at 300,000 entries, and Redis' 5 s script limit (BUSY to every client) at about two million.
 * A split directory keeps about LOW_FIELDS entries per shard on average; the shards not split
 * yet in a round hold up to twice that, below hash-max-listpack-entries (128 by default), so
 * every shard keeps the compact listpack encoding.
 */
import { LuaScript } from './lua.js';

/** A directory of one shard splits only beyond this many fields. */
export const MAX_FIELDS_PER_SHARD = 100;
/** Fields per shard a split directory keeps on average (see above). */
export const LOW_FIELDS_PER_SHARD = 40;
/** Longest name kept in a shard; Redis' default hash-max-listpack-value. */
export const LONG_NAME_BYTES = 64;

/** Shared by every script over the directory hashes: the keys and shards of a directory. */
export const PRELUDE = `
local shardsKey, trackedKey, stem = KEYS[1], KEYS[2], ARGV[1]
local MAX_FIELDS, LOW, LONG_NAME = ${MAX_FIELDS_PER_SHARD}, ${LOW_FIELDS_PER_SHARD}, ${LONG_NAME_BYTES}
local counts, bases = {}, {}
local function setCount(id, n)
  local base = 1
  while base * 2 <= n do base = base * 2 end
  counts[id], bases[id] = n, base
end
local function shardCount(id)
  local n = counts[id]
  if n == nil then
    n = tonumber(redis.call('HGET', shardsKey, id) or '1')
    setCount(id, n)
  end
  return n, bases[id]
end
local function hashOf(name)
  return tonumber(string.sub(redis.sha1hex(name), 1, 8), 16)
end
local function shardOf(name, n, base)
  if n == 1 then return 0 end
  local s = hashOf(name) % (2 * base)
  if s >= n then s = s - base end
  return s
end
-- A shard's key name is built once per call: formatting the shard number for every entry took
-- a sixteenth of a first pass's Redis time. A split adds a shard, and changes no key.
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
 * `grow(id, extra)` splits a directory's next shards while it holds, with `extra` entries about
 * to be written, more than LOW fields per shard; `put` writes one entry and grows its directory
 * when needed. Called with a batch's new entries before they are written, grow places them once:
 * growing as they arrive moved each entry of a large new directory about once more.
 */
export const GROW = `
local SPLIT_SLICE, SAMPLE = 1000, 4
local function splitNext(id)
  local n, base = shardCount(id)
  local at = n - base
  local from, to = stem .. id .. ':' .. at, stem .. id .. ':' .. (at + base)
  local all = redis.call('HGETALL', from)
  local moved, names = {}, {}
  for j = 1, #all, 2 do
    if hashOf(all[j]) % (2 * base) == at + base then
      moved[#moved + 1] = all[j]
      moved[#moved + 1] = all[j + 1]
      names[#names + 1] = all[j]
    end
  end
  for k = 1, #names, SPLIT_SLICE do
    local last = math.min(k + SPLIT_SLICE - 1, #names)
    redis.call('HSET', to, unpack(moved, 2 * k - 1, 2 * last))
    redis.call('HDEL', from, unpack(names, k, last))
  end
  setCount(id, n + 1)
  redis.call('HSET', shardsKey, id, n + 1)
end
-- The directory's entries, estimated from the next shards to split: each holds about 1/base of
-- them (none was split in this round). No count per directory is kept, and counting its shards
-- costs what a split must not.
local function estimate(id)
  local n, base = shardCount(id)
  local first = n - base
  local last = math.min(first + SAMPLE - 1, base - 1)
  local sum = 0
  for i = first, last do sum = sum + redis.call('HLEN', stem .. id .. ':' .. i) end
  return sum * base / (last - first + 1)
end
local function grow(id, extra)
  -- At most the splits the coming entries call for, and two: a sample that happens to run full
  -- cannot have one call split a large share of a large directory.
  local budget = math.floor(extra / LOW) + 2
  while budget > 0 do
    local n = shardCount(id)
    if n == 1 then
      if redis.call('HLEN', stem .. id .. ':0') + extra <= MAX_FIELDS then return end
    elseif estimate(id) + extra < LOW * n then
      return
    end
    splitNext(id)
    budget = budget - 1
  end
end
local function put(id, name, value, onlyIfNew)
  local key, sharded = keyFor(id, name)
  local added
  if onlyIfNew then
    added = redis.call('HSETNX', key, name, value)
  else
    added = redis.call('HSET', key, name, value)
  end
  if added == 1 and sharded then
    -- A shard below LOW cannot tell that its directory is due to split, nor a single one below
    -- MAX_FIELDS: neither asks for an estimate.
    local size = redis.call('HLEN', key)
    if size > MAX_FIELDS or (size >= LOW and shardCount(id) > 1) then grow(id, 0) end
  end
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
 * ARGV[2] = about how many entries to read at most, ARGV[3] and ARGV[4] where to start in the
 * first directory (a shard, and an HSCAN cursor of its long names; 0 and '0' from the start),
 * ARGV[5..] directory ids. Returns { per directory begun, a few strings of its names and values
 * joined by `/`; then -1, or the shard and cursor to go on from in the last one }. No name holds
 * a `/` (a file name cannot, an S3 key is split on it), and no packed value does. (A NUL would
 * not do: escaped S3 key elements begin with one.) A string per 1,000 entries: a rescan reads
 * every directory, and decoding a reply of 400,000 bulk strings was about a sixth of its main
 * thread. A large directory is read over several calls, since Redis serves no one else during
 * one: a directory of a million entries in one call held it for 2.1 s. A split between two calls
 * moves entries to a higher shard only, so reading shards in order misses none (some twice).
 */
export const CHILDREN = new LuaScript(`${PRELUDE}
local PIECE, PAGE = 2 * 1000, 1000 -- names and values of 1,000 entries
local budget, shard, cursor = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local out = {}
for at = 5, #ARGV do
  local id, pieces = ARGV[at], {}
  local function add(all)
    for from = 1, #all, PIECE do
      pieces[#pieces + 1] = table.concat(all, '/', from, math.min(from + PIECE - 1, #all))
    end
    budget = budget - #all / 2
  end
  local n = shardCount(id)
  while shard < n and budget > 0 do
    add(redis.call('HGETALL', stem .. id .. ':' .. shard))
    shard = shard + 1
  end
  local complete = false
  if shard >= n and budget > 0 then
    repeat
      local page = redis.call('HSCAN', stem .. id .. ':L', cursor, 'COUNT', PAGE)
      cursor = page[1]
      add(page[2])
    until cursor == '0' or budget <= 0
    complete = cursor == '0'
  end
  out[#out + 1] = pieces
  if not complete then return { out, shard, cursor } end
  shard, cursor = 0, '0'
end
return { out, -1, '' }
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
 * The entries are distinct children of one directory. ARGV[2] = placeholder value, ARGV[3] = the
 * directory's id, ARGV[4] = the lock key of its children without their names, ARGV[5] = n, then
 * the names, values and expected values of n entries, each joined by `/` (which neither holds),
 * then m and m (name, value, expected, lock key) quadruples: the entries whose lock key is not
 * ARGV[4] and the name, or whose name is not text. `expected` is the packed value the caller
 * read ('' for none). Then the directory's chain of PUT_CHAINS. Returns the positions (from 1)
 * of the entries not written: usually none, where a reply of a number per entry cost a
 * twenty-fifth of the script. Each shard's entries are read by one HMGET and written by one
 * HSET: a call from Lua into Redis costs about half a microsecond before it does any work, and a
 * first pass made three per entry. A first pass sends three strings per directory: sending each
 * entry's id, lock key, name, value and expected value as arguments of their own made the
 * client's encoding of them most of what a first pass allocated.
 */
export const RECORD_UNLOCKED = new LuaScript(`${PRELUDE}${GROW}${PUT_CHAINS}
local SLICE = 1000 -- arguments per unpack, well below Lua's limit
local placeholder, id, lockStem, composed = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local function split(joined)
  local parts, from = {}, 1
  for i = 1, composed - 1 do
    local slash = string.find(joined, '/', from, true)
    parts[i] = string.sub(joined, from, slash - 1)
    from = slash + 1
  end
  if composed > 0 then parts[composed] = string.sub(joined, from) end
  return parts
end
local names, values, was = split(ARGV[6]), split(ARGV[7]), split(ARGV[8])
local locks = {}
for i = 1, composed do locks[i] = lockStem .. names[i] end
local explicit = tonumber(ARGV[9])
for j = 1, explicit do
  local at, i = 6 + 4 * j, composed + j
  names[i], values[i], was[i], locks[i] = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
end
local n = composed + explicit
local added, refused = 0, {}
-- Usually no worker holds any of them: one call tells.
local anyLocked = false
for from = 1, n, SLICE do
  if redis.call('EXISTS', unpack(locks, from, math.min(from + SLICE - 1, n))) > 0 then
    anyLocked = true
    break
  end
end
-- The unlocked entries by shard; room is made for the new ones before any is placed.
local unlocked, fresh = {}, 0
for i = 1, n do
  if not anyLocked or redis.call('EXISTS', locks[i]) == 0 then
    unlocked[#unlocked + 1] = i
    if was[i] == '' and #names[i] <= LONG_NAME then fresh = fresh + 1 end
  else
    refused[#refused + 1] = i
  end
end
if fresh > 0 then grow(id, fresh) end
local shards, keys = {}, {}
for _, i in ipairs(unlocked) do
  local key = keyFor(id, names[i])
  local shard = shards[key]
  if shard == nil then
    shard = {}
    shards[key] = shard
    keys[#keys + 1] = key
  end
  shard[#shard + 1] = i
end
local function hmget(key, asked)
  local got = {}
  for from = 1, #asked, SLICE do
    local part = redis.call('HMGET', key, unpack(asked, from, math.min(from + SLICE - 1, #asked)))
    for _, value in ipairs(part) do got[#got + 1] = value end
  end
  return got
end
local written = {}
for _, key in ipairs(keys) do
  local shard, current, fields = shards[key], {}, {}
  -- Every shard a first pass fills is empty: reading it anyway was a twelfth of this script.
  if redis.call('HLEN', key) > 0 then
    local asked = {}
    for j, i in ipairs(shard) do asked[j] = names[i] end
    current = hmget(key, asked)
  end
  for j, i in ipairs(shard) do
    if (current[j] or '') == was[i] then
      fields[#fields + 1] = names[i]
      fields[#fields + 1] = values[i]
      written[id] = true
    else
      refused[#refused + 1] = i
    end
  end
  for from = 1, #fields, SLICE do
    local last = math.min(from + SLICE - 1, #fields)
    added = added + redis.call('HSET', key, unpack(fields, from, last))
  end
end
added = added + putChains(10 + 4 * explicit, written, placeholder)
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
