-- wrk: every request places a new order with its own Idempotency-Key.
local counter = 0
local token = os.getenv("TOKEN")
-- Keys differ between runs too, so no run replays an earlier one's orders.
local run = os.getenv("RUN") or "0"
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

request = function()
  counter = counter + 1
  local body = '{"lines":[{"product_id":3,"quantity":1},{"product_id":12,"quantity":2}],' ..
    '"city":"Moscow","address":"Arbat 1","phone":"+79123456789",' ..
    '"delivery_method":"car","payment_method":"cash_on_delivery"}'
  return wrk.format("POST", "/api/v1/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = "bench-" .. run .. "-" .. thread_id .. "-" .. counter,
  }, body)
end
