-- wrk script for tools/rpc-bench.sh: POSTs the JSON-RPC body in $RPC_BODY.
wrk.method = "POST"
wrk.body = os.getenv("RPC_BODY")
wrk.headers["Content-Type"] = "application/json"

local errors = 0
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"error"', 1, true) then
    errors = errors + 1
    if errors == 1 then io.stderr:write("first bad answer: " .. status .. " " .. string.sub(body, 1, 300) .. "\n") end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
