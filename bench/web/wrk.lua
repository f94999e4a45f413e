-- wrk script for bench/web/run.sh.
-- GET (default) or, with WRK_CREATE=1, a person-creation form POST with the session's CSRF
-- token from WRK_CSRF and a unique name per request. Prints one machine-readable line at the end.
-- Every response is checked: a GET must answer 200, a creation 303 to the new person
-- (`/persons/<id>`); anything else (e.g. a redirect to /sign-in) is counted in `unexpected`,
-- since wrk itself counts every 3xx as a success.

local create = os.getenv("WRK_CREATE") == "1"
local csrf = os.getenv("WRK_CSRF") or ""
local threads = {}
local counter = 0
unexpected = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
end

function request()
  if not create then
    return wrk.format(nil)
  end
  counter = counter + 1
  local body = "csrf=" .. csrf
    .. "&role=presumed_victim"
    .. "&given_names=Bench"
    .. "&family_names=Load+" .. tostring(tid or 0) .. "x" .. tostring(counter)
    .. "&birth=1990"
    .. "&phones=%2B40+7" .. string.format("%03d%05d", tid or 0, counter % 100000)
    .. "&notes=Created+by+bench%2Fweb%2Frun.sh"
  -- wrk.format replaces wrk.headers (the -H headers: Cookie) when given a table: copy them.
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", nil, h, body)
end

function response(status, headers, body)
  if create then
    local loc = headers["location"] or headers["Location"] or ""
    if status ~= 303 or not string.find(loc, "^/persons/%x") then
      unexpected = unexpected + 1
    end
  elseif status ~= 200 then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("unexpected") or 0) end
  io.write(string.format(
    "WRKRESULT rps=%.1f n=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx3xx=%d sockerr=%d unexpected=%d\n",
    summary.requests / s, summary.requests,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, bad))
end
