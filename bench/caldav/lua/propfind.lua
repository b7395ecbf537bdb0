-- wrk script: PROPFIND Depth 1 on one calendar for getetag, getcontenttype
-- and resourcetype (what a client lists before it syncs). Every answer must
-- be 207.
-- Arguments: COLLECTION_PATH
local common = require "common"
setup, response, done = common.setup, common.response, common.done

local req

function init(args)
  local body = '<?xml version="1.0" encoding="utf-8"?>\n' ..
    '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontenttype/>' ..
    '<D:resourcetype/></D:prop></D:propfind>'
  req = wrk.format("PROPFIND", args[1], common.headers({
    ["Depth"] = "1", ["Content-Type"] = "application/xml; charset=utf-8"}), body)
end

function request() return req end
