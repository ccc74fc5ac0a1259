-- dagsh's library against a running node: every function, every error code
-- it can give, and the shape of its answers beside dagctl's --json.
-- Usage: dagsh dagsh_lib_test.lua DAGCTL   (DAGSHARD_NODE names the node)
local dagctl = assert(arg[1], "usage: dagsh_lib_test.lua DAGCTL")
local checks, failures = 0, 0

local function check(cond, what)
  checks = checks + 1
  if not cond then
    failures = failures + 1
    io.stderr:write("FAIL: " .. what .. "\n" .. debug.traceback() .. "\n")
  end
end

-- f(...) must raise an error table with this code (and path, if given).
local function raises(code, path, f, ...)
  local ok, e = pcall(f, ...)
  check(not ok and dagsh.is_error(e) and e.code == code and
        (path == nil or e.path == path),
        "wanted " .. code .. ", got " .. (ok and "success" or tostring(e)))
  return e
end

local function run(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  p:close()
  return (out:gsub("\n$", ""))
end

local function keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return table.concat(out, ",")
end

-- ns: the calls and their answers ------------------------------------------
local d = ns.mkdir("/lib")
check(d.kind == "dir" and d.path == "/lib" and d.ino > 0, "mkdir answers the dir")
check(d.mode == 493, "mkdir's default mode is 0755")
local f = ns.create("/lib/a.txt", 384)
check(f.kind == "file" and f.mode == 384, "create with a mode")
local s = ns.stat("/lib/a.txt")
check(s.ino == f.ino and s.size == 0 and s.version >= 1, "stat finds the file")
local j = json.decode(run(dagctl .. " --json stat /lib/a.txt"))
check(keys(j) == keys(s), "stat's fields are dagctl's: " .. keys(j) .. " / " .. keys(s))
check(j.ino == s.ino, "dagctl and dagsh see the same entry")
ns.mkdir("/lib/sub")
local names = {}
for e in ns.ls("/lib") do names[e.name] = e.kind end
check(names["a.txt"] == "file" and names["sub"] == "dir", "ls yields entry tables")
local first = ns.ls("/lib")()
local lj = json.decode(run(dagctl .. " --json ls /lib")).entries[1]
check(keys(first) == keys(lj), "ls's fields are dagctl's")
check(#ns.list("/lib") == 2, "list gathers the listing")
check(ns.rm("/lib/a.txt").ino == f.ino, "rm answers what it removed")
check(ns.rmdir("/lib/sub").kind == "dir", "rmdir removes an empty directory")
check(ns.stat("/").kind == "dir", "stat of the root")

-- ns: every error code ------------------------------------------------------
ns.create("/lib/file")
raises("EEXIST", "/lib/file", ns.create, "/lib/file")
raises("EEXIST", "/lib", ns.mkdir, "/lib")
raises("ENOENT", "/lib/none", ns.stat, "/lib/none")
raises("ENOENT", "/none/x", ns.create, "/none/x")
raises("ENOENT", "/lib/none", ns.rm, "/lib/none")
raises("ENOTDIR", "/lib/file/x", ns.create, "/lib/file/x")
raises("ENOTDIR", "/lib/file", ns.ls, "/lib/file")
raises("ENOTDIR", "/lib/file", ns.rmdir, "/lib/file")
raises("EISDIR", "/lib", ns.rm, "/lib")
raises("ENOTEMPTY", "/lib", ns.rmdir, "/lib")
raises("EINVAL", "relative", ns.stat, "relative")
raises("EINVAL", "/a//b", ns.mkdir, "/a//b")
raises("ENAMETOOLONG", nil, ns.create, "/" .. string.rep("n", 256))
raises("EBUSY", "/", ns.rmdir, "/")
local e = raises("ENOENT", "/lib/none", ns.stat, "/lib/none")
check(tostring(e) == run(dagctl .. " stat /lib/none"), "an error prints as dagctl's: " .. tostring(e))
check(e.message == "ENOENT: /lib/none", "the message names code and path")
local ok, bad = pcall(ns.stat, {})
check(not ok and type(bad) == "string" and bad:find("string expected"), "a wrong argument type is a plain Lua error")

-- the non-raising forms
local v, err = ns.try.stat("/lib/none")
check(v == nil and err.code == "ENOENT", "try gives nil, err")
check(ns.try.stat("/lib/file").kind == "file", "try passes results on")
local ok2 = pcall(ns.try.stat, {})
check(not ok2, "try still raises for a wrong argument")

-- paging and the walk --------------------------------------------------------
local ops = {}
for i = 1, 2500 do ops[i] = { op = "create", path = "/lib/p" .. i } end
ns.mkdir("/lib/pages")
for i = 1, 2500 do ops[i].path = "/lib/pages/f" .. i end
local rs = ns.batch(ops)
local created = 0
for _, r in ipairs(rs) do if not r.code then created = created + 1 end end
check(created == 2500, "a batch of 2500 creates")
local seen, count = {}, 0
for e in ns.ls("/lib/pages") do
  if not seen[e.name] then count = count + 1 end
  seen[e.name] = true
end
check(count == 2500, "ls pages through 2500 entries, got " .. count)
ns.mkdir("/tree"); ns.mkdir("/tree/a"); ns.mkdir("/tree/a/b"); ns.create("/tree/a/b/f")
ns.create("/tree/g")
local order, pos = {}, {}
for e in ns.walk("/tree") do order[#order + 1] = e.path; pos[e.path] = #order end
check(#order == 4, "walk yields every entry below: " .. table.concat(order, " "))
check(pos["/tree/a"] < pos["/tree/a/b"] and pos["/tree/a/b"] < pos["/tree/a/b/f"],
  "walk is depth first, a directory before its entries")
raises("ENOENT", "/none", ns.walk, "/none")

-- batch: answers in order, errors not raised, bad input changes nothing -------
local br = ns.batch{
  { op = "mkdir", path = "/b" }, { op = "create", path = "/b/x" },
  { op = "create", path = "/b/x" }, { op = "stat", path = "/b/x" },
  { op = "rm", path = "/b/x" }, { op = "stat", path = "/b/x" },
  { op = "create", path = "/b/file" }, { op = "create", path = "/b/file/y" },
  { op = "rmdir", path = "/b" }, { op = "rm", path = "/b/file" },
  { op = "rmdir", path = "/b" }, { op = "stat", path = "nope" },
}
local want = { "ok", "ok", "EEXIST", "ok", "ok", "ENOENT", "ok", "ENOTDIR",
  "ENOTEMPTY", "ok", "ok", "EINVAL" }
for i, w in ipairs(want) do
  check((br[i].code or "ok") == w, "batch answer " .. i .. ": " .. tostring(br[i].code) .. ", wanted " .. w)
end
check(br[4].ino == br[2].ino and br[4].path == "/b/x", "batch results are entries")
check(dagsh.is_error(br[3]) and tostring(br[3]) == "EEXIST: /b/x", "batch errors are error tables")
local okb, eb = pcall(ns.batch, { { op = "create", path = "/nb" }, { op = "chmod", path = "/x" } })
check(not okb and tostring(eb):find("ops%[2%]"), "a malformed op is refused: " .. tostring(eb))
raises("ENOENT", "/nb", ns.stat, "/nb")
check(#ns.batch({}) == 0, "an empty batch")

-- a batch longer than the client's window of batches in flight (8 of 1,024
-- requests), with failures mixed in: every op answered, in order
ns.mkdir("/lib/win")
local wops, wwant = {}, {}
local function wop(op, path, w) wops[#wops + 1] = { op = op, path = path }; wwant[#wwant + 1] = w end
for i = 1, 12000 do
  wop("create", "/lib/win/f" .. i, "ok")
  if i % 1000 == 0 then
    wop("create", "/lib/win/f" .. (i - 900), "EEXIST")
    wop("rm", "/lib/win/none" .. i, "ENOENT")
    wop("stat", "/lib/win/f" .. (i - 1), "ok")
    wop("create", "/lib/win/nodir" .. i .. "/x", "ENOENT")
    wop("rm", "/lib/win/f" .. (i - 2), "ok")
    wop("stat", "/lib/win/f" .. (i - 2), "ENOENT")
  end
end
local wr = ns.batch(wops)
check(#wr == #wops, "a long batch answers every op: " .. #wr .. " of " .. #wops)
local wrong = {}
for i, w in ipairs(wwant) do
  local r = wr[i]
  if (r.code or "ok") ~= w or r.path ~= wops[i].path then wrong[#wrong + 1] = i end
end
check(#wrong == 0, "a long batch answers in order; wrong at " .. table.concat(wrong, " ", 1, math.min(#wrong, 10)))
check(wr[1].kind == "file" and dagsh.is_error(wr[1002]), "long batch results are entries and error tables")
local one, inbatch = ns.stat("/lib/win/f1"), ns.batch{ { op = "stat", path = "/lib/win/f1" } }[1]
local same = true
for k, v in pairs(one) do same = same and inbatch[k] == v end
for k in pairs(inbatch) do same = same and one[k] ~= nil end
check(same, "a batch's entry has the fields and values of ns.stat's")
check(collectgarbage("isrunning"), "the collector runs after a batch")
collectgarbage("stop")
ns.batch{ { op = "stat", path = "/lib/win/f1" } }
check(not collectgarbage("isrunning"), "a batch leaves a stopped collector stopped")
collectgarbage("restart")

-- cluster ----------------------------------------------------------------------
local nodes = cluster.nodes()
check(#nodes == 1 and nodes[1].self and nodes[1].reachable, "one node, this one")
local shards = cluster.shards()
check(#shards == 4 and shards[1].shard ~= nil and shards[1].dag_nodes ~= nil, "four shards with counters")
local sj = json.decode(run(dagctl .. " --json shards")).shards[1]
check(keys(sj) == keys(shards[1]), "shards' fields are dagctl's")
local pl = cluster.placement("/tree/g")
check(pl.path == "/tree/g" and pl.node == "local" and pl.shard >= 0, "placement")
check(keys(pl) == keys(json.decode(run(dagctl .. " --json placement /tree/g"))), "placement's fields are dagctl's")
raises("ENOENT", "/none/x", cluster.placement, "/none/x")
raises("EINVAL", "/tree", cluster.move, "/tree", "0:1", 1)
raises("EINVAL", "/tree", cluster.move, "/tree", "1:1", -1)
raises("ENOTDIR", nil, cluster.move, "/tree/g", "1:1", 1)
raises("ENOENT", nil, cluster.move, "/none", "1:1", 1)
local mv = cluster.move("/tree", "1:1", (pl.shard + 1) % 4)
check(mv.migration >= 1 and mv.epoch >= 1, "move answers its migration")
local found = false
for _, m in ipairs(cluster.migrations()) do
  if m.id == mv.migration then found = m.state == "committed" and m.lo == "0x8000000000000000" end
end
check(found, "migrations lists the move")
check(ns.stat("/tree/a/b/f").kind == "file", "entries stay reachable after the move")
local rt = cluster.router()
check(rt.routed > 0 and rt.cache_hits ~= nil, "router counters")
local raft = cluster.raft()
check(#raft == 1 and raft[1].role == "leader" and raft[1].commit >= 1, "raft: one leader")

-- config ------------------------------------------------------------------------
local c1 = config.set("lib.key", "one")
check(c1.key == "lib.key" and c1.value == "one" and c1.version == 1, "set")
check(config.set("lib.key", "two", 1).version == 2, "set at the expected version")
local ce = raises("ECONFLICT", "lib.key", config.set, "lib.key", "three", 1)
check(ce.version == 2 and tostring(ce) == "ECONFLICT: lib.key is at version 2, not 1", "a conflict says the version: " .. tostring(ce))
raises("ECONFLICT", "lib.key", config.set, "lib.key", "x", 0)
check(config.get("lib.key").value == "two", "a refused set changed nothing")
raises("ENOENT", "lib.none", config.get, "lib.none")
raises("EINVAL", "bad key!", config.set, "bad key!", "v")
local listed = false
for _, x in ipairs(config.list()) do listed = listed or (x.key == "lib.key" and x.version == 2) end
check(listed, "list has the key")
check(keys(config.get("lib.key")) == keys(json.decode(run(dagctl .. " --json config get lib.key"))), "config's fields are dagctl's")

-- psm ---------------------------------------------------------------------------
local st = psm.status()
check(st.node ~= nil and st.periods ~= nil and st.failed == 0, "psm.status has the planner's state")
check(keys(st) == keys(json.decode(run(dagctl .. " --json psm status"))), "psm.status's fields are dagctl's")
check(type(psm.decisions()) == "table" and #psm.decisions(0, "/tree") == 0, "no decisions while the policy is off")
raises("ENOENT", "/missing", psm.decisions, 0, "/missing")
check(type(psm.plan()) == "table", "a dry run answers a list")
local fc = psm.forecast("/tree")
check(fc.path == "/tree" and type(fc.history) == "table", "psm.forecast has the history")
raises("ENOENT", "/missing", psm.forecast, "/missing")
check(psm.policy() == nil, "psm.policy is unset at first")
check(psm.policy("static") == "static" and psm.policy() == "static", "psm.policy sets the policy")
raises("EINVAL", "psm.policy", psm.policy, "sometimes")
check(psm.policy() == "static", "a refused policy changes nothing")
psm.policy("off")

-- json ----------------------------------------------------------------------------
local doc = json.decode('{"a":[1,2,{"b":null}],"c":"x","d":1.5,"e":true}')
check(doc.a[2] == 2 and doc.a[3].b == json.null and doc.c == "x" and doc.d == 1.5 and doc.e == true, "decode")
check(math.type(doc.a[1]) == "integer", "integers stay integers")
check(json.decode(json.encode(doc)).a[3].b == json.null, "null round-trips")
check(json.encode({ 1, 2, 3 }) == "[1,2,3]" and json.encode({ k = "v" }) == '{"k":"v"}', "encode")
check(json.encode(ns.stat("/tree")):find('"kind":"dir"', 1, true), "an answer encodes as dagctl prints it")
raises("EINVAL", nil, json.decode, "{not json")
check(not pcall(json.encode, { f = print }), "a function has no JSON form")
local cyc = {}; cyc.self = cyc
check(not pcall(json.encode, cyc), "a cycle has no JSON form")
check(not pcall(json.encode, { 1, 2, x = 3 }), "mixed keys have no JSON form")

-- time ----------------------------------------------------------------------------
local t0 = time.now()
time.sleep(0.05)
check(time.now() - t0 >= 0.05, "sleep waits, the monotonic clock advances")
check(time.wall() > 1.7e9, "the wall clock")
check(not pcall(time.sleep, -1), "a negative sleep is refused")

-- help ------------------------------------------------------------------------------
local printed = {}
local real_print = print
print = function(...) printed[#printed + 1] = table.concat({ ... }, " ") end
help(ns.create); help(); help(ns); help(ns.try.stat)
print = real_print
local text = table.concat(printed, "\n")
check(text:find("ns.create(path [, mode])", 1, true), "help(ns.create)")
check(text:find("cluster", 1, true) and text:find("psm", 1, true), "help() lists the libraries")
check(text:find("ns.try.stat(path)", 1, true), "help of a non-raising form")

print(string.format("%d checks, %d failed", checks, failures))
os.exit(failures == 0 and 0 or 1)
