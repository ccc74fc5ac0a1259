#!/usr/bin/env dagsh
-- Migrates cluster settings safely beside other writers: each key is read,
-- its new value computed, and written only if nobody changed it meanwhile
-- (config.set with the expected version, dagctl's --if-version). A
-- conflict reads again and retries; a key that is absent is created only
-- if it is still absent (expected version 0).
-- The last step records the schema, so a second run changes nothing.
-- Usage: dagsh examples/settings_migration.lua [PREFIX]
local prefix = arg[1] or "psm."
local schema = config.try.get(prefix .. "schema")
if schema and schema.value == "2" then
  print("already at schema 2 (version " .. schema.version .. ")")
  return
end

-- The migration: old key -> function(old value or nil) -> new value.
-- Here thresholds move from operations per minute to per second, and a
-- new key gets a default.
local steps = {
  [prefix .. "threshold"] = function(v) return tostring((tonumber(v) or 6000) // 60) end,
  [prefix .. "units"] = function(v) return v or "ops/s" end,
}

local function migrate(key, change)
  for attempt = 1, 5 do
    local cur, err = config.try.get(key)
    if not cur and err.code ~= "ENOENT" then error(err) end
    local version = cur and cur.version or 0
    local new = change(cur and cur.value)
    local ok, e = config.try.set(key, new, version)
    if ok then
      print(string.format("%s: %s -> %s (version %d -> %d)", key,
        cur and cur.value or "(absent)", new, version, ok.version))
      return
    end
    if e.code ~= "ECONFLICT" then error(e) end
    print(string.format("%s: changed meanwhile (now version %d), attempt %d again",
      key, e.version, attempt + 1))
  end
  error("gave up on " .. key .. " after 5 conflicts")
end

local keys = {}
for k in pairs(steps) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do migrate(k, steps[k]) end
migrate(prefix .. "schema", function() return "2" end)
