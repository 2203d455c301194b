-- wrk: GET the same 50 newest tickets, each request with a cursor no other request uses (above
-- every ticket number, so the page is the same), so that no request is answered from the
-- server's list cache: every one is read from the database and written out (after threads.lua).
function request()
  counter = counter + 1
  local cursor = 1000000000000 + thread_no * 100000000 + counter
  return wrk.format("GET", wrk.path .. "&cursor=" .. cursor)
end
