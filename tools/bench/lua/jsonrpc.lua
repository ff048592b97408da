-- wrk script: POSTs one JSON-RPC request per call, each with an id no other request of the run uses (MCP forbids
-- reusing an id in a session while it is in flight, and our server refuses duplicates).
-- Arguments (after `--`): method (`ping` | `tools/call` (the echo tool) | `sql_query` (tools/call of sql_query with the
-- sql peers' query) | `initialize`), session id ('' for none), protocol version ('' for none), era (`modern`: every
-- request carries the 2026-07-28 `_meta` envelope and the Mcp-Method and Mcp-Name headers; else 2025-11-25), run
-- number (one run's ids never repeat an earlier run's: a slow call of the run before may still be in flight).
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
local expect = nil
local SQL = "SELECT n, n * 2 AS twice FROM generate_series(1, 10) n"
local ENVELOPE = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",' ..
  '"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1"}}'

function init(args)
  method = args[1] or "ping"
  local session = args[2] or ""
  local version = args[3] or ""
  base = (tonumber(args[5]) or 0) * 10000000000 + (tid or 1) * 100000000
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json, text/event-stream"
  local modern = args[4] == "modern"
  if session ~= "" then wrk.headers["Mcp-Session-Id"] = session end
  if version ~= "" then wrk.headers["Mcp-Protocol-Version"] = version end
  local params = nil
  local rpc = method
  if method == "tools/call" then
    params = '"name":"echo","arguments":{"message":"hello"}'
    wrk.headers["Mcp-Name"] = "echo"
  elseif method == "sql_query" then
    rpc = "tools/call"
    params = '"name":"sql_query","arguments":{"sql":"' .. SQL .. '"}'
    wrk.headers["Mcp-Name"] = "sql_query"
    expect = "| 10 | 20 |"
  elseif method == "initialize" then
    params = '"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}'
  end
  if modern then
    wrk.headers["Mcp-Method"] = rpc
    params = params and (params .. "," .. ENVELOPE) or ENVELOPE
  else
    wrk.headers["Mcp-Name"] = nil
  end
  template = '{"jsonrpc":"2.0","id":%d,"method":"' .. rpc .. '"' .. (params and (',"params":{' .. params .. '}') or '') .. '}'
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format(template, base + counter))
end

-- A response counts as bad unless it is a 200 carrying a JSON-RPC result that is not a tool error.
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"result"', 1, true) or string.find(body, '"isError":true', 1, true)
    or (expect and not string.find(body, expect, 1, true)) then
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
