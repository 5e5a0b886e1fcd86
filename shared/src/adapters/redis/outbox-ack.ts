/**
 * KEYS: outbox (list of event JSON), index (set of outbox owners). ARGV: the owner's id (a dialogue's, a
 * player's), ...eventIds. Pops head events while their id is listed: an id already acked (by another
 * publisher) or not at the head is ignored, never removed from the middle; an emptied outbox leaves the
 * index. Decodes only the events it pops. Shared by every Redis store that keeps an outbox.
 */
export const ACK_OUTBOX_LUA = `
local acked = {}
for i = 2, #ARGV do acked[ARGV[i]] = true end
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then break end
  local id = cjson.decode(head)['id']
  if not acked[id] then break end
  acked[id] = nil
  redis.call('LPOP', KEYS[1])
end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return 0
`;
