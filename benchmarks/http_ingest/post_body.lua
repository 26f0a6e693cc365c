-- wrk script: POSTs the same JSON-lines body (1,000 records) on every request, over
-- keep-alive connections, and counts the answers that are not 202.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/x-ndjson"

local refused = 0
function response(status, headers, body)
  if status ~= 202 then refused = refused + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("requests %d refused_or_errors %d seconds %.3f p50_ms %.2f p99_ms %.2f\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
