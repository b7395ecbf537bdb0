-- wrk script: GET requests, each answer must be 200.
-- Arguments: PATH_TEMPLATE [FIRST_ID LAST_ID]
--   With ids, "{id}" in the template becomes a random id in [FIRST_ID,
--   LAST_ID] per request (fixed seed, so runs compare); without, the path
--   is requested as it is.
local common = require "common"
setup, done, response = common.setup, common.done, common.response

local template, first, last

function init(args)
  template, first, last = args[1], tonumber(args[2]), tonumber(args[3])
  math.randomseed(42 + wrk.thread:get("tid"))
end

function request()
  local path = template
  if first then path = string.gsub(template, "{id}", tostring(math.random(first, last))) end
  return wrk.format("GET", path)
end
