-- wrk script: REPORT calendar-query on one calendar, a time-range on VEVENTs
-- with the calendar data of every match (RFC 4791 §7.8), optionally expanded
-- into instances (§9.6.5). Every answer must be 207.
-- Arguments: COLLECTION_PATH START END [expand]   (times as 20250301T000000Z)
local common = require "common"
setup, response, done = common.setup, common.response, common.done

local req

function init(args)
  local path, s, e, mode = args[1], args[2], args[3], args[4]
  local data = '<C:calendar-data/>'
  if mode == "expand" then
    data = string.format('<C:calendar-data><C:expand start="%s" end="%s"/></C:calendar-data>', s, e)
  end
  local body = '<?xml version="1.0" encoding="utf-8"?>\n' ..
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">' ..
    '<D:prop><D:getetag/>' .. data .. '</D:prop>' ..
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">' ..
    string.format('<C:time-range start="%s" end="%s"/>', s, e) ..
    '</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>'
  req = wrk.format("REPORT", path, common.headers({
    ["Depth"] = "1", ["Content-Type"] = "application/xml; charset=utf-8"}), body)
end

function request() return req end
