-- wrk script: loads the generated events by individual PUTs, the way a
-- client's first upload would: each object to COLLECTION_PATH/<file> with
-- If-None-Match: *, objects [FIRST, FIRST+COUNT) of the index shared out
-- among the threads (object k to thread k % THREADS). Every answer must be 201.
--
-- wrk runs for a fixed time, not a fixed number of requests, so each thread,
-- once all its answers are in (or, the peer being too slow to load this way,
-- once BUDGET_S seconds have passed, or its projected total passes BUDGET_S
-- after at least 15 s and 50 answers), writes
-- MARKER_DIR/thread-<tid> with `done aborted sent answered bad t_first t_last`
-- (wall-clock seconds, from clock_gettime) and stops; run_caldav_bench.sh
-- waits for the markers, then ends wrk with SIGINT.
-- Arguments: COLLECTION_PATH INDEX_TSV ICS_DIR MARKER_DIR THREADS FIRST COUNT BUDGET_S
local common = require "common"
setup, done = common.setup, common.done
expected_status = 201

local ffi = require "ffi"
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(0, ts)  -- CLOCK_REALTIME
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local path, marker_dir, budget
local items = {}  -- {href, body}
local next_item, answered, t_first, t_last = 1, 0, nil, nil
local finished = false
local tid
local verified = false

function init(args)
  path, marker_dir = args[1], args[4]
  local index, ics_dir = args[2], args[3]
  local threads, first, count = tonumber(args[5]), tonumber(args[6]), tonumber(args[7])
  budget = tonumber(args[8])
  tid = wrk.thread:get("tid")
  local k = 0
  local f = assert(io.open(index, "r"))
  f:read("*l")  -- header
  for line in f:lines() do
    if k >= first and k < first + count and k % threads == tid then
      local file = string.match(line, "^[^\t]*\t([^\t]*)")
      local g = assert(io.open(ics_dir .. "/" .. file, "rb"))
      table.insert(items, {file, g:read("*a")})
      g:close()
    end
    k = k + 1
  end
  f:close()
end

local function finish(aborted)
  if finished then return end
  finished = true
  local m = assert(io.open(marker_dir .. "/thread-" .. tid, "w"))
  m:write(string.format("done %d %d %d %d %.6f %.6f\n", aborted and 1 or 0, next_item - 1,
    answered, bad, t_first or now(), t_last or now()))
  if first_bad ~= "" then m:write("first_bad " .. string.gsub(first_bad, "[\r\n]", " ") .. "\n") end
  m:close()
  wrk.thread:stop()
end

local function put(it)
  return wrk.format("PUT", path .. it[1], common.headers({
    ["Content-Type"] = "text/calendar; charset=utf-8", ["If-None-Match"] = "*"}), it[2])
end

function request()
  if tid == 0 and not verified then
    -- wrk 4.1 calls request() of thread 0 once at start-up, from the main
    -- thread, only to check that it parses (script_verify_request): that
    -- request is never sent, so it must not use up an object.
    verified = true
    if #items == 0 then return wrk.format("OPTIONS", path) end
    return put(items[1])
  end
  if finished or next_item > #items then
    if #items == 0 then finish(false) end
    return ""  -- nothing left for this connection: it idles until the thread stops
  end
  if t_first == nil then t_first = now() end
  local it = items[next_item]
  next_item = next_item + 1
  return put(it)
end

function response(status, headers, body)
  common.check(status, body)
  answered = answered + 1
  t_last = now()
  if answered == #items then
    finish(false)
  elseif t_last - t_first > budget or (answered >= 50 and t_last - t_first >= 15 and
                                        (t_last - t_first) * #items / answered > budget) then
    finish(true)
  end
end
