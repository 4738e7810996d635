-- P3: POST walk-in registrations. A share of them are returning customers (a known phone of the site),
-- the rest new numbers in the 171 range, which the data set never uses.
-- Arguments: the path, the token, a file of known phones (one a line), the share of returning walk-ins,
-- the maximum number of requests per thread.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
  table.insert(threads, thread)
end

function init(args)
  path, token = args[1], args[2]
  known = {}
  for line in io.lines(args[3]) do table.insert(known, line) end
  returning = tonumber(args[4]) or 0.3
  limit = tonumber(args[5]) or 1000000
  count, failed, sent = 0, 0, 0
  math.randomseed(os.time() + thread_number * 7919)
  run_tag = (os.time() % 100000)
end

function request()
  sent = sent + 1
  local phone
  if math.random() < returning then
    phone = known[math.random(#known)]
  else
    phone = string.format("171%02d%01d%05d", run_tag % 100, thread_number % 10, sent % 100000)
  end
  local body = string.format(
    '{"kind": "visit", "contact_at": "%s", "name": "王先生", "gender": "male", "phones": ["%s"], ' ..
    '"needs": {"layout": "3室2厅", "budget": "3000000"}, "level": "B", "source": "walk_in", "informed": true}',
    os.date("!%Y-%m-%dT%H:%M:%SZ"), phone)
  return wrk.format("POST", path, {["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  count = count + 1
  if status ~= 201 then
    failed = failed + 1
    if failed <= 3 then io.stderr:write("status " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  end
  if count >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local failed_total = 0
  for _, thread in ipairs(threads) do failed_total = failed_total + (thread:get("failed") or 0) end
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %d, "p95": %d, "p99": %d, "max": %d, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, failed_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
