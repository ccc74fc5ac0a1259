#!/usr/bin/env dagsh
-- A small load generator: every second for SECONDS seconds it creates
-- BATCH files in DIR with one ns.batch, looks up as many names already
-- made, and prints the rates it got.
-- Usage: dagsh examples/load_generator.lua [DIR [SECONDS [BATCH]]]
local dir = arg[1] or "/load"
local seconds = tonumber(arg[2] or "5")
local batch = tonumber(arg[3] or "5000")

if not ns.try.stat(dir) then ns.mkdir(dir) end
local made, errors = 0, 0
local start = time.now()
print(string.format("%6s %12s %12s %8s", "second", "creates/s", "lookups/s", "errors"))
for second = 1, seconds do
  local t0 = time.now()
  local ops = {}
  for i = 1, batch do
    ops[i] = { op = "create", path = string.format("%s/s%d-%d", dir, second, i) }
  end
  local rs = ns.batch(ops)
  for _, r in ipairs(rs) do if r.code then errors = errors + 1 else made = made + 1 end end
  local t1 = time.now()
  for i = 1, batch do ops[i].op = "stat" end
  for _, r in ipairs(ns.batch(ops)) do if r.code then errors = errors + 1 end end
  local t2 = time.now()
  print(string.format("%6d %12.0f %12.0f %8d", second, batch / (t1 - t0), batch / (t2 - t1), errors))
  local left = second - (time.now() - start)
  if left > 0 then time.sleep(left) end
end
print(string.format("done: %d files made, %d errors", made, errors))
