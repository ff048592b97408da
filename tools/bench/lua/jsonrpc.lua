-- wrk script: POSTs one JSON-RPC request per call, each with an id no other request of the run uses (MCP forbids
-- reusing an id in a session while it is in flight, and our server refuses duplicates).
-- Arguments (after `--`): method (`ping` | `tools/call` | `initialize`), session id ('' for none), protocol version ('' for none).
-- Prints one line `WRKJSON {...}` with the counts and latency percentiles for the harness to parse.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local counter = 0
local base = 0
-- Globals, so that done() can read them from each thread with thread:get().
bad = 0
sample = ""
local method = "ping"
local template

function init(args)
  method = args[1] or "ping"
  local session = args[2] or ""
  local version = args[3] or ""
  base = (tid or 1) * 100000000
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json, text/event-stream"
  if session ~= "" then wrk.headers["Mcp-Session-Id"] = session end
  if version ~= "" then wrk.headers["Mcp-Protocol-Version"] = version end
  if method == "tools/call" then
    template = '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
  elseif method == "initialize" then
    template = '{"jsonrpc":"2.0","id":%d,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}'
  else
    template = '{"jsonrpc":"2.0","id":%d,"method":"' .. method .. '"}'
  end
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format(template, base + counter))
end

-- A response counts as bad unless it is a 200 carrying a JSON-RPC result that is not a tool error.
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"result"', 1, true) or string.find(body, '"isError":true', 1, true) then
    bad = bad + 1
    if sample == "" then sample = status .. " " .. string.sub(body, 1, 200) end
  end
end

local function quote(s)
  return '"' .. string.gsub(string.gsub(s, '\\', '\\\\'), '"', '\\"') .. '"'
end

function done(summary, latency, requests)
  local totalBad = 0
  local firstSample = ""
  for _, thread in ipairs(threads) do
    totalBad = totalBad + (thread:get("bad") or 0)
    local s = thread:get("sample") or ""
    if firstSample == "" then firstSample = s end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"bad":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,"bad_sample":%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, totalBad, e.connect, e.read, e.write, e.status, e.timeout, quote(firstSample)))
end
