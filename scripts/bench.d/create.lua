-- wrk: POST a new ticket with a unique id per request (thread number + counter in the UUID;
-- after threads.lua).
function request()
  counter = counter + 1
  local id = string.format("%08x-%04x-4%03x-8%03x-%012x",
    math.random(0, 0x7fffffff), thread_no, math.random(0, 0xfff), math.random(0, 0xfff), counter)
  local body = '{"id":"' .. id .. '","title":"Benchmark ticket ' .. counter ..
    '","description":"Created by scripts/bench server."}'
  return wrk.format("POST", nil, nil, body)
end
