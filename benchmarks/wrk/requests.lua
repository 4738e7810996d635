-- GET requests drawn at random from a file of "path<TAB>header name<TAB>header value" lines.
-- Arguments: the request file, the maximum number of requests per thread (then the thread stops).
-- Prints one JSON line of latency percentiles (microseconds), requests and non-2xx answers.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  lines = {}
  for line in io.lines(args[1]) do
    local path, name, value = line:match("^([^\t]+)\t([^\t]*)\t(.*)$")
    table.insert(lines, {path = path, name = name, value = value})
  end
  limit = tonumber(args[2]) or 1000000
  count = 0
  failed = 0
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local entry = lines[math.random(#lines)]
  local headers = {}
  if entry.name ~= "" then headers[entry.name] = entry.value end
  return wrk.format("GET", entry.path, headers)
end

function response(status, headers, body)
  count = count + 1
  if status < 200 or status > 299 then failed = failed + 1 end
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
