-- One benchmark scenario for wrk, set by environment variables:
--   BENCH_METHOD  GET or POST
--   BENCH_PATH    the path; `@@` is replaced by a random item of BENCH_LIST (URL-encoded)
--   BENCH_BODY    the POST body; `@@` is replaced by a random item (JSON-escaped)
--   BENCH_LIST    a file of items, one a line (slugs, tags, words); optional
-- Every response is checked before it counts: a status other than 200, or a body holding
-- "errors", is an error. Prints one JSON line of figures when done.

local method = os.getenv("BENCH_METHOD") or "GET"
local path_template = os.getenv("BENCH_PATH") or "/"
local body_template = os.getenv("BENCH_BODY")
local list_file = os.getenv("BENCH_LIST")

local items = {}
if list_file and list_file ~= "" then
  for line in io.lines(list_file) do
    if line ~= "" then items[#items + 1] = line end
  end
end

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function jsonescape(s)
  return (s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end))
end

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(12345 + id)
  errors, bytes, responses = 0, 0, 0
  wrk.headers["Accept"] = "application/json"
  if method == "POST" then wrk.headers["Content-Type"] = "application/json" end
end

function request()
  local item = nil
  if #items > 0 then item = items[math.random(#items)] end
  local path = path_template
  local body = nil
  if item then path = path:gsub("@@", function() return urlencode(item) end) end
  if method == "POST" and body_template then
    body = body_template
    if item then body = body:gsub("@@", function() return jsonescape(item) end) end
  end
  return wrk.format(method, path, nil, body)
end

function response(status, headers, body)
  responses = responses + 1
  bytes = bytes + #body
  if status ~= 200 or body:find('"errors"', 1, true) then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("bad response " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  local errs, byts, resps = 0, 0, 0
  for _, t in ipairs(threads) do
    errs = errs + t:get("errors")
    byts = byts + t:get("bytes")
    resps = resps + t:get("responses")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"errors":%d,"socket_errors":%d,"body_bytes":%.0f}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000,
    errs + summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    resps > 0 and byts / resps or 0))
end
