// The part of dagsh written in Lua: the lazy walk, the non-raising forms,
// the pretty-printer of the interactive mode, and help().
#include "tools/dagsh/prelude.hpp"

namespace ds::dagsh {

// Called with (docs, error_metatable, json_null).
const char* const prelude = R"lua(
local docs, error_mt, null = ...
local libraries = { "ns", "cluster", "config", "psm", "json", "time" }

local function doc(f, text) docs[f] = text end

-- ns.walk: depth first, one page of one directory read at a time.
function ns.walk(root)
  local stack = { { path = root, it = ns.ls(root) } }
  return function()
    while #stack > 0 do
      local top = stack[#stack]
      local e = top.it()
      if e == nil then
        stack[#stack] = nil
      else
        e.path = (top.path == "/" and "" or top.path) .. "/" .. e.name
        if e.kind == "dir" then
          stack[#stack + 1] = { path = e.path, it = ns.ls(e.path) }
        end
        return e
      end
    end
  end
end
doc(ns.walk, "ns.walk(path) -> iterator\n" ..
  "Every entry below path, depth first (a directory before its entries),\n" ..
  "read lazily: `for e in ns.walk(\"/\") do print(e.path, e.kind) end`.")

function ns.list(path)
  local out = {}
  for e in ns.ls(path) do out[#out + 1] = e end
  return out
end
doc(ns.list, "ns.list(path) -> list\nThe whole listing of a directory as one list.")

local function is_error(x) return getmetatable(x) == error_mt end
dagsh = { is_error = is_error }
doc(is_error, "dagsh.is_error(x) -> boolean\nWhether x is an error table of dagsh.")

-- The non-raising forms: lib.try.name(...) returns nil, err instead of raising.
local function make_try(f)
  return function(...)
    local r = table.pack(pcall(f, ...))
    if r[1] then return table.unpack(r, 2, r.n) end
    if is_error(r[2]) then return nil, r[2] end
    error(r[2], 0)
  end
end
for _, lib in ipairs(libraries) do
  local t, try = _G[lib], {}
  for name, f in pairs(t) do
    if type(f) == "function" then
      try[name] = make_try(f)
      if docs[f] then
        docs[try[name]] = docs[f]:gsub("^(%w+)%.", "%1.try.", 1) ..
          "\nReturns nil, err instead of raising."
      end
    end
  end
  t.try = try
end

-- Pretty-printing of values typed alone.
local function is_ident(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end
local function key_order(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end
local function pretty(v, indent, seen)
  if type(v) == "string" then return string.format("%q", v) end
  if v == null then return "json.null" end
  if type(v) ~= "table" then return tostring(v) end
  local mt = getmetatable(v)
  if mt and mt.__tostring then return tostring(v) end
  if seen[v] then return "<cycle>" end
  seen[v] = true
  local keys, n = {}, #v
  for k in pairs(v) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, key_order)
  local parts, width = {}, 0
  for i = 1, n do parts[#parts + 1] = pretty(v[i], indent .. "  ", seen) end
  for _, k in ipairs(keys) do
    local ks = is_ident(k) and k or "[" .. pretty(k, indent, seen) .. "]"
    parts[#parts + 1] = ks .. " = " .. pretty(v[k], indent .. "  ", seen)
  end
  seen[v] = nil
  if #parts == 0 then return "{}" end
  local multiline = false
  for _, p in ipairs(parts) do
    width = width + #p + 2
    if p:find("\n") then multiline = true end
  end
  if not multiline and width + #indent <= 78 then
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  local inner = indent .. "  "
  return "{\n" .. inner .. table.concat(parts, ",\n" .. inner) .. "\n" .. indent .. "}"
end
function dagsh.pretty(v) return pretty(v, "", {}) end
doc(dagsh.pretty, "dagsh.pretty(value) -> string\nA value as the interactive mode prints it.")

local function first_line(s) return (s:match("^[^\n]*")) end

function help(x)
  if x == nil then
    print("dagsh: Lua 5.4 over a dagshard cluster. Libraries:")
    for _, lib in ipairs(libraries) do
      local names = {}
      for name, f in pairs(_G[lib]) do
        if type(f) == "function" then names[#names + 1] = name end
      end
      table.sort(names)
      print(string.format("  %-8s %s", lib, table.concat(names, " ")))
    end
    print("Every call raises an error table {code, path, message} on failure;")
    print("lib.try.name(...) returns nil, err instead. help(ns) lists a library,")
    print("help(ns.create) explains a function.")
    return
  end
  if type(x) == "string" and type(_G[x]) == "table" then x = _G[x] end
  if type(x) == "table" then
    local names = {}
    for name, f in pairs(x) do
      if type(f) == "function" and docs[f] then names[#names + 1] = name end
    end
    table.sort(names)
    for _, name in ipairs(names) do print("  " .. first_line(docs[x[name]])) end
    return
  end
  if docs[x] then print(docs[x]) return end
  print("no help for " .. tostring(x))
end
doc(help, "help([f]) -> nothing\nLists the libraries, a library's functions, or explains a function.")
)lua";

} // namespace ds::dagsh
