-- Shared by the CalDAV benchmark's wrk scripts (loaded with require "common";
-- run_caldav_bench.sh puts this folder on LUA_PATH).
--
-- Every answer's status is checked against the one the request must get
-- (207 for REPORT and PROPFIND, 201 for a PUT that creates): wrk itself only
-- counts statuses above 399, so a 3xx or a 200 would pass unseen. done()
-- prints one line `CALDAV_RESULT {json}` with wrk's figures and the count of
-- unexpected answers, which run_caldav_bench.sh records and checks.
local M = {}

-- Per thread (each wrk thread has its own Lua state): read by done() through
-- thread:get().
bad = 0
first_bad = ""
expected_status = 207

local threads = {}

function M.setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

-- wrk.headers (the -H options: Authorization) plus `extra`.
function M.headers(extra)
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

function M.check(status, body)
  if status ~= expected_status then
    bad = bad + 1
    if first_bad == "" then
      first_bad = tostring(status) .. " " .. string.sub(body or "", 1, 400)
    end
  end
end

function M.response(status, headers, body)
  M.check(status, body)
end

local function json_string(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end
M.json_string = json_string

function M.done(summary, latency, requests)
  local total_bad, first = 0, ""
  for _, t in ipairs(threads) do
    total_bad = total_bad + (t:get("bad") or 0)
    local fb = t:get("first_bad") or ""
    if first == "" then first = fb end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    'CALDAV_RESULT {"requests":%d,"duration_s":%.3f,"rps":%.2f,"bytes":%d,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,' ..
    '"bad":%d,"first_bad":%s,"errors":{"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d}}\n',
    summary.requests, secs, summary.requests / secs, summary.bytes,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    total_bad, json_string(first), e.connect, e.read, e.write, e.status, e.timeout))
end

return M
