#!/usr/bin/env dagsh
-- Walks a tree and reports, per directory, how many files and directories
-- it holds directly, largest first, then the totals.
-- Usage: dagsh examples/tree_report.lua [PATH [TOP]]
local root = arg[1] or "/"
local top = tonumber(arg[2] or "20")

local per_dir = {} -- path -> {files = n, dirs = n}
local function count(dir, kind)
  local c = per_dir[dir]
  if not c then
    c = { files = 0, dirs = 0 }
    per_dir[dir] = c
  end
  if kind == "dir" then c.dirs = c.dirs + 1 else c.files = c.files + 1 end
end

per_dir[root] = { files = 0, dirs = 0 }
local files, dirs = 0, 0
for e in ns.walk(root) do
  local parent = e.path:match("^(.*)/[^/]*$")
  if parent == "" then parent = "/" end
  count(parent, e.kind)
  if e.kind == "dir" then
    dirs = dirs + 1
    per_dir[e.path] = per_dir[e.path] or { files = 0, dirs = 0 }
  else
    files = files + 1
  end
end

local rows = {}
for path, c in pairs(per_dir) do rows[#rows + 1] = { path = path, c = c } end
table.sort(rows, function(a, b)
  local na, nb = a.c.files + a.c.dirs, b.c.files + b.c.dirs
  if na ~= nb then return na > nb end
  return a.path < b.path
end)
print(string.format("%8s %8s  %s", "files", "dirs", "directory"))
for i = 1, math.min(top, #rows) do
  local r = rows[i]
  print(string.format("%8d %8d  %s", r.c.files, r.c.dirs, r.path))
end
print(string.format("total: %d files, %d directories below %s", files, dirs, root))
