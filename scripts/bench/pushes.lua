-- wrk script of the webhook load benchmark: sends the pre-signed, pre-encrypted pushes of the
-- file given after `--`, each once, in order (see scripts/bench-webhook.sh).
local requests = {}
local i = 0
local wrapped = false

init = function(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    requests[#requests + 1] = wrk.format("POST", line:sub(1, tab - 1),
      { ["Content-Type"] = "text/xml" }, line:sub(tab + 1))
  end
end

request = function()
  i = i + 1
  if i > #requests then
    i = 1
    if not wrapped then
      wrapped = true
      io.stderr:write("pushes.lua: ran out of unique pushes; later ones repeat\n")
    end
  end
  return requests[i]
end
