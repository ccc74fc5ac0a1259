#!/usr/bin/env dagsh
-- dagsh's speed (docs/BENCHMARKS.md): FILES creates with ns.batch into a
-- fresh directory, then STATS single ns.stat calls in a loop.
-- Usage: dagsh tools/dagsh/bench/speed.lua [FILES [STATS]]
local files = tonumber(arg[1] or "100000")
local stats = tonumber(arg[2] or "1000")
local dir = string.format("/dagsh-speed-%d", math.floor(time.wall() * 1000))
ns.mkdir(dir)

local t0 = time.now()
local ops = {}
for i = 1, files do ops[i] = { op = "create", path = dir .. "/f" .. i } end
local t1 = time.now()
local rs = ns.batch(ops)
local t2 = time.now()
for i = 1, #rs do assert(not rs[i].code, tostring(rs[i])) end
print(string.format("ns.batch: %d creates in %.3f s: %.0f creates/s (building the ops table: %.3f s more)",
  files, t2 - t1, files / (t2 - t1), t1 - t0))

local path = dir .. "/f1"
local t3 = time.now()
for _ = 1, stats do ns.stat(path) end
local t4 = time.now()
print(string.format("ns.stat: %d single stats of %s in %.3f s: %.0f us each",
  stats, path, t4 - t3, (t4 - t3) * 1e6 / stats))
print("dir " .. dir)
