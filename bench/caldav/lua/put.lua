-- wrk script: PUT of new events, each to a new href with If-None-Match: *
-- (RFC 4791 §5.3.2), bodies synthesized here: a third zoned in Europe/Berlin
-- with its VTIMEZONE, a third in UTC, a third all-day, spread over 2026 (so
-- they stay out of the window the REPORTs ask for). Every answer must be 201.
-- Arguments: COLLECTION_PATH RUN_ID   (RUN_ID keeps hrefs unique across runs)
local common = require "common"
setup, done = common.setup, common.done
expected_status = 201

local path, run, tid
local n = 0

local VTZ = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\n" ..
  "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19810329T020000\r\n" ..
  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n" ..
  "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19961027T030000\r\n" ..
  "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
local TOPICS = {"Budget review", "Weekly sync: Finance", "Volunteer onboarding",
  "Partner meeting", "Abstimmung Öffentlichkeitsarbeit", "Site visit", "Town hall",
  "1:1 Anna / Jonas"}
local DAYS = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

function init(args)
  path, run = args[1], args[2]
  tid = wrk.thread:get("tid")
end

local function date_of(k)
  local doy = k % 365
  local m = 1
  while doy >= DAYS[m] do doy = doy - DAYS[m]; m = m + 1 end
  return string.format("2026%02d%02d", m, doy + 1)
end

function request()
  n = n + 1
  local uid = string.format("put-%s-%d-%d", run, tid, n)
  local day = date_of(n * 7 + tid * 3)
  local hour = 8 + n % 10
  local kind = n % 3
  local head, times
  if kind == 0 then
    head = VTZ
    times = string.format("DTSTART;TZID=Europe/Berlin:%sT%02d0000\r\n" ..
      "DTEND;TZID=Europe/Berlin:%sT%02d3000\r\n", day, hour, day, hour)
  elseif kind == 1 then
    head = ""
    times = string.format("DTSTART:%sT%02d1500Z\r\nDTEND:%sT%02d4500Z\r\n", day, hour, day, hour)
  else
    head = ""
    times = string.format("DTSTART;VALUE=DATE:%s\r\nDURATION:P1D\r\nTRANSP:TRANSPARENT\r\n", day)
  end
  local body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac//CalDAV benchmark PUT//EN\r\n" ..
    head .. "BEGIN:VEVENT\r\nUID:" .. uid .. "\r\nDTSTAMP:20251201T090000Z\r\n" .. times ..
    "SUMMARY:" .. TOPICS[n % #TOPICS + 1] .. "\r\n" ..
    "LOCATION:Room 2.14\\, Main building\r\n" ..
    "DESCRIPTION:Created by the CalDAV benchmark.\\nPlease read the minutes before th\r\n" ..
    " e meeting\\; bring your figures.\r\n" ..
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
  return wrk.format("PUT", path .. uid .. ".ics", common.headers({
    ["Content-Type"] = "text/calendar; charset=utf-8", ["If-None-Match"] = "*"}), body)
end

function response(status, headers, body)
  common.check(status, body)
end
