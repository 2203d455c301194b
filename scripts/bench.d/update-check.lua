-- wrk: the update feed as a fleet asks it: each request a device's own secret, taken in turn
-- from the file named by SECRETS (one a line), on version 0.1.0 of Linux x86_64 (after
-- threads.lua).
local secrets = {}

local first_init = init
function init(args)
  first_init(args)
  for line in io.lines(os.getenv("SECRETS")) do
    table.insert(secrets, line)
  end
end

function request()
  counter = counter + 1
  local secret = secrets[((thread_no * 7919 + counter) % #secrets) + 1]
  return wrk.format("GET", wrk.path, { ["Authorization"] = "Bearer " .. secret })
end

-- A device the release is offered to gets 200, the others 204: both are answers, counted.
offered = 0
current = 0
function response(status, headers, body)
  if status == 200 then
    offered = offered + 1
  elseif status == 204 then
    current = current + 1
  else
    io.write("unexpected status " .. status .. "\n")
  end
end

-- Said by report.lua's done(): how the answers split.
function extra_report()
  local o, c = 0, 0
  for _, thread in ipairs(threads) do
    o = o + tonumber(thread:get("offered"))
    c = c + tonumber(thread:get("current"))
  end
  io.write(string.format("offered (200) %d  nothing newer (204) %d\n", o, c))
end
