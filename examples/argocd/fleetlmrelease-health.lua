-- Argo CD health check for fleetlm.io/FleetlmRelease.
-- Honours observedGeneration: status written for an older spec is never reported as healthy.
local hs = {}
if obj.status == nil or obj.status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe the release"
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. obj.metadata.generation
  return hs
end
local conditions = {}
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    conditions[condition.type] = condition
  end
end
if obj.spec ~= nil and obj.spec.paused == true then
  hs.status = "Suspended"
  hs.message = "Paused: no migration starts and the Deployment is not changed"
  return hs
end
if conditions["Stalled"] ~= nil and conditions["Stalled"].status == "True" then
  hs.status = "Degraded"
  hs.message = conditions["Stalled"].reason .. ": " .. (conditions["Stalled"].message or "")
  return hs
end
if conditions["Ready"] ~= nil and conditions["Ready"].status == "True" then
  hs.status = "Healthy"
  hs.message = conditions["Ready"].message or "Ready"
  return hs
end
hs.status = "Progressing"
if conditions["Ready"] ~= nil and conditions["Ready"].message ~= nil then
  hs.message = (obj.status.phase or "") .. ": " .. conditions["Ready"].message
else
  hs.message = obj.status.phase or "Progressing"
end
return hs
