-- wrk script: each request reads a random calendar's random month of 2024-2026
-- (GET /api/v1/events?calendar=ID&from=..&to=..). Argument: the number of
-- calendars (ids 1..N). The seed is fixed so runs compare.
local calendars = 1000
function init(args)
  if args[1] then calendars = tonumber(args[1]) end
  math.randomseed(42)
end
function request()
  local id = math.random(1, calendars)
  local year = math.random(2024, 2026)
  local month = math.random(1, 12)
  local ny, nm = year, month + 1
  if nm == 13 then ny, nm = year + 1, 1 end
  local path = string.format(
    "/api/v1/events?calendar=%d&from=%04d-%02d-01T00:00:00Z&to=%04d-%02d-01T00:00:00Z",
    id, year, month, ny, nm)
  return wrk.format("GET", path)
end
