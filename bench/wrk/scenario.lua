-- One benchmark scenario for wrk, set by environment variables:
--   BENCH_METHOD  GET or POST
--   BENCH_PATH    the path; `@@` is replaced by a random item of BENCH_LIST (URL-encoded)
--   BENCH_BODY    the POST body; `@@` is replaced by a random item (JSON-escaped)
--   BENCH_LIST    a file of items, one a line (slugs, tags, words); optional
--   BENCH_KEYS    a file of content keys: `@KEY@` in BENCH_PATH is replaced by one drawn at
--                 random for each request (a key's own limit is a million a minute); optional
--   BENCH_SAMPLE  a file to write one good response body to (for the limit server); optional
--   BENCH_WARM    set for a warm-up: the first requests walk BENCH_LIST in order, each item
--                 once, before drawing at random, so that a cached run starts with every item
--                 asked for (a cache's steady state), however slow the uncached answers are
-- Every response is checked before it counts: a status other than 200, or a body holding
-- "errors", is an error. Prints one JSON line of figures when done.

local method = os.getenv("BENCH_METHOD") or "GET"
local path_template = os.getenv("BENCH_PATH") or "/"
local body_template = os.getenv("BENCH_BODY")
local list_file = os.getenv("BENCH_LIST")

local function lines(file)
  local found = {}
  if file and file ~= "" then
    for line in io.lines(file) do
      if line ~= "" then found[#found + 1] = line end
    end
  end
  return found
end

local items = lines(list_file)
local warm = (os.getenv("BENCH_WARM") or "") ~= ""
local walked = 0
local keys = lines(os.getenv("BENCH_KEYS"))

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
  errors, bytes, responses, hits = 0, 0, 0, 0
  sample = nil
  wrk.headers["Accept"] = "application/json"
  if method == "POST" then wrk.headers["Content-Type"] = "application/json" end
end

function request()
  local item = nil
  if #items > 0 then
    if warm and walked < #items then
      walked = walked + 1
      item = items[walked]
    else
      item = items[math.random(#items)]
    end
  end
  local path = path_template
  local body = nil
  if item then path = path:gsub("@@", function() return urlencode(item) end) end
  if #keys > 0 then path = path:gsub("@KEY@", keys[math.random(#keys)]) end
  if method == "POST" and body_template then
    body = body_template
    if item then body = body:gsub("@@", function() return jsonescape(item) end) end
  end
  return wrk.format(method, path, nil, body)
end

function response(status, headers, body)
  responses = responses + 1
  bytes = bytes + #body
  local cache = headers["x-cache"] or headers["X-Cache"]
  if cache == "HIT" then hits = hits + 1 end
  -- `rrors":[` rather than `"errors"`: a quote starts a false match at every JSON string,
  -- and scanning for it made the load generator, not the server, the bottleneck.
  if status ~= 200 or body:find('rrors":[', 1, true) then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("bad response " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  elseif sample == nil then
    sample = body
  end
end

function done(summary, latency, requests)
  local errs, byts, resps, hits = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    errs = errs + t:get("errors")
    byts = byts + t:get("bytes")
    resps = resps + t:get("responses")
    hits = hits + t:get("hits")
  end
  local sample_file = os.getenv("BENCH_SAMPLE")
  if sample_file and sample_file ~= "" then
    local sample = threads[1]:get("sample")
    if sample then
      local f = assert(io.open(sample_file, "wb"))
      f:write(sample)
      f:close()
    end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"errors":%d,"socket_errors":%d,"body_bytes":%.0f,"cache_hit_ratio":%.4f}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000,
    errs + summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    resps > 0 and byts / resps or 0,
    resps > 0 and hits / resps or 0))
end
