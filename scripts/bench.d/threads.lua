-- wrk: numbers each thread (thread_no, from 1) and counts its requests (counter), so the scripts
-- concatenated after this one can make every request unique.
counter = 0
thread_no = 0
local threads = {}

function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_no = tonumber(thread_no) or 0
  math.randomseed(os.time() + thread_no)
end
