-- wrk: print the numbers BENCHMARKS.md records, and fail on any non-2xx answer.
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("requests/s %.0f  p50 %.2f ms  p99 %.2f ms  errors %d  non-2xx %d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
  if extra_report then
    extra_report()
  end
end
