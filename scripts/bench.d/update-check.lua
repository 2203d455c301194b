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

-- A device the release is not offered to gets 204: both are answers.
function response(status, headers, body)
  if status ~= 200 and status ~= 204 then
    io.write("unexpected status " .. status .. "\n")
  end
end
