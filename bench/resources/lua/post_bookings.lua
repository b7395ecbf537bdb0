-- wrk script: POST /api/v1/bookings on slots from the seeder's slot file
-- (lines "resource_id start end", unix seconds; free, within bookable hours).
-- Arguments: FILE FIRST LAST THREADS MODE
--   free: thread t books lines FIRST+t, FIRST+t+THREADS, ... (< LAST): no
--         two requests want the same slot, every answer must be 201;
--   race: every thread books every line FIRST..LAST-1 in order, so each slot
--         is wanted by all threads at about the same moment: per slot one
--         201, the others 409.
-- Past the end of its slots a thread starts again from its first (those
-- answers are 409s) and counts `exhausted`.
local common = require "common"
setup, done, response = common.setup, common.done, common.response

local rid, sstart, send = {}, {}, {}
local i = 0
exhausted = 0

-- wrk.format takes the headers given instead of wrk.headers (the -H
-- options: Authorization), so they are merged here once.
local headers = {}

function init(args)
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  local file, first, last, nthreads, mode = args[1], tonumber(args[2]), tonumber(args[3]),
    tonumber(args[4]), args[5]
  local tid = wrk.thread:get("tid")
  if mode == "race" then ok = {[201] = true, [409] = true} else ok = {[201] = true} end
  local n = 0
  for line in io.lines(file) do
    if n >= last then break end
    if n >= first and (mode == "race" or (n - first) % nthreads == tid) then
      local a, b, c = string.match(line, "^(%d+) (%d+) (%d+)$")
      table.insert(rid, a)
      table.insert(sstart, os.date("!%Y-%m-%dT%H:%M:%SZ", tonumber(b)))
      table.insert(send, os.date("!%Y-%m-%dT%H:%M:%SZ", tonumber(c)))
    end
    n = n + 1
  end
end

function request()
  i = i + 1
  if i > #rid then
    i = 1
    exhausted = exhausted + 1
  end
  local body = '{"resource_id":' .. rid[i] .. ',"start":"' .. sstart[i] .. '","end":"' ..
    send[i] .. '","title":"Benchmark booking"}'
  return wrk.format("POST", "/api/v1/bookings", headers, body)
end
