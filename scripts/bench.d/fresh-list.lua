-- wrk: GET the same 50 newest tickets, each request with a cursor no other request uses (above
-- every ticket number, so the page is the same), so that no request is answered from the
-- server's list cache: every one is read from the database and written out.
local counter = 0
local thread_no = 0
local threads = {}

function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_no = tonumber(thread_no) or 0
end

function request()
  counter = counter + 1
  local cursor = 1000000000000 + thread_no * 100000000 + counter
  return wrk.format("GET", wrk.path .. "&cursor=" .. cursor)
end
