-- wrk script: sync-collection REPORT (RFC 6578) asking, again and again, for
-- the changes since one token (taken before the benchmark made 10 changes).
-- Depth 0 as §3.2 requires. Every answer must be 207.
-- Arguments: COLLECTION_PATH TOKEN
local common = require "common"
setup, response, done = common.setup, common.response, common.done

local req

local function xml_escape(s)
  return (string.gsub(s, '[&<>"]', {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
                                      ['"'] = "&quot;"}))
end

function init(args)
  local body = '<?xml version="1.0" encoding="utf-8"?>\n' ..
    '<D:sync-collection xmlns:D="DAV:"><D:sync-token>' .. xml_escape(args[2]) ..
    '</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>' ..
    '</D:sync-collection>'
  req = wrk.format("REPORT", args[1], common.headers({
    ["Depth"] = "0", ["Content-Type"] = "application/xml; charset=utf-8"}), body)
end

function request() return req end
