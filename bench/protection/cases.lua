-- wrk script for bench/protection/run.sh: GET of a path picked at random, per request, from
-- the file WRK_PATHS (one path a line: case views the signed-in caseworker may open).
-- The response check and the WRKRESULT line are bench/web/wrk.lua's (loaded from WRK_BASE_LUA).

dofile(os.getenv("WRK_BASE_LUA"))

local paths = {}

function init(args)
  for line in io.lines(os.getenv("WRK_PATHS")) do
    if line ~= "" then table.insert(paths, line) end
  end
  math.randomseed(os.time() + (tid or 0) * 7919)
end

function request()
  return wrk.format(nil, paths[math.random(#paths)])
end
