-- Shared by the resources benchmark's wrk scripts (require "common";
-- run_resources_bench.sh puts this folder on LUA_PATH).
--
-- Counts every answer by status in each thread (wrk itself only counts
-- statuses above 399 as one number), and done() prints one line
-- `RESOURCES_RESULT {json}` with wrk's figures and the counts, which
-- run_resources_bench.sh reads. An answer whose status is not in `ok`
-- (default {200}) is "bad"; the first one's status and body are kept.
local M = {}

-- Per thread (each wrk thread has its own Lua state), read by done()
-- through thread:get().
c200, c201, c409, cother, bad = 0, 0, 0, 0, 0
first_bad = ""
ok = {[200] = true}

local threads = {}

function M.setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function M.response(status, headers, body)
  if status == 200 then c200 = c200 + 1
  elseif status == 201 then c201 = c201 + 1
  elseif status == 409 then c409 = c409 + 1
  else cother = cother + 1 end
  if not ok[status] then
    bad = bad + 1
    if first_bad == "" then
      first_bad = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

local function json_string(s)
  s = string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end)
  return '"' .. s .. '"'
end

function M.done(summary, latency, requests)
  local t = {c200 = 0, c201 = 0, c409 = 0, cother = 0, bad = 0, exhausted = 0}
  local first = ""
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
    local fb = th:get("first_bad") or ""
    if first == "" then first = fb end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    'RESOURCES_RESULT {"requests":%d,"duration_s":%.3f,"rps":%.2f,"p50_ms":%.3f,' ..
    '"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"s200":%d,"s201":%d,"s409":%d,"sother":%d,' ..
    '"bad":%d,"exhausted":%d,"first_bad":%s,"socket_errors":%d}\n',
    summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    t.c200, t.c201, t.c409, t.cother, t.bad, t.exhausted, json_string(first),
    e.connect + e.read + e.write + e.timeout))
end

return M
