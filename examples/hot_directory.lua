#!/usr/bin/env dagsh
-- Makes a directory hot (many creates, then repeated lookups) and shows
-- where its entries live: the shards' counters before and after, the
-- placement of a sample of names, and what the Predictive Sharding Manager
-- decided about it, with the planner's reasons.
-- Usage: dagsh examples/hot_directory.lua [DIR [FILES [ROUNDS]]]
local dir = arg[1] or "/hot"
local files = tonumber(arg[2] or "20000")
local rounds = tonumber(arg[3] or "3")

local function ops_by_shard()
  local out = {}
  for _, s in ipairs(cluster.shards()) do out[s.shard] = s.ops end
  return out
end

local before = ops_by_shard()
if not ns.try.stat(dir) then ns.mkdir(dir) end
local creates = {}
for i = 1, files do creates[i] = { op = "create", path = dir .. "/f" .. i } end
local t0 = time.now()
local made = 0
for _, r in ipairs(ns.batch(creates)) do if not r.code then made = made + 1 end end
print(string.format("created %d files in %s in %.2f s", made, dir, time.now() - t0))

local lookups = {}
for i = 1, files do lookups[i] = { op = "stat", path = dir .. "/f" .. i } end
for _ = 1, rounds do ns.batch(lookups) end
print(string.format("looked every one up %d times", rounds))

local after = ops_by_shard()
print("operations per shard during the run:")
for shard, ops in pairs(after) do
  print(string.format("  shard %d: %d", shard, ops - (before[shard] or 0)))
end

local where = {}
for i = 1, files, math.max(1, files // 16) do
  local p = cluster.placement(dir .. "/f" .. i)
  where[p.shard] = (where[p.shard] or 0) + 1
end
print("placement of a sample of its names (shard: names):")
for shard, n in pairs(where) do print(string.format("  shard %d: %d", shard, n)) end

local decisions, err = psm.try.decisions(0, dir)
if not decisions then
  print("PSM: " .. err.message)
elseif #decisions == 0 then
  print("PSM decisions: none (policy " .. (psm.status().policy or "?") .. ")")
else
  print("PSM decisions:")
  for _, d in ipairs(decisions) do
    print(string.format("  slot %d: %s, shard %d -> %d: %s", d.at, d.kind,
                        d.from, d.to, d.reason.note))
  end
end
