# English texts of the kiosk. Keys must match ru.ftl (a test checks).

store-name = Fresh Kitchen
language-other = Русский

attract-tagline = Breakfasts, bowls, burgers and cakes — cooked now, delivered to your door.
attract-touch = Touch to start
attract-connecting = Connecting to the kitchen…
attract-loading = Loading the menu…
attract-dishes = { $count } dishes on the menu today
attract-unavailable = The menu is not available right now — we keep trying.
attract-track = Track an order

header-start-over = Start over
header-cart-empty = Cart is empty
header-cart = Cart · { $count } · { $total }
header-sign-in = Sign in
header-settings = Settings

category-all = All
category-breakfast = Breakfast
category-rice-bowls = Rice bowls
category-salads = Salads
category-chicken = Chicken
category-beef = Beef
category-burgers = Burgers
category-cakes = Cakes
category-juices = Juices

gallery-hint = Tap a dish to see it, or + to add it
gallery-add = + Add
gallery-sold-out = { $name } (sold out)
gallery-failed = We can't reach the kitchen ({ $message }). Trying again in { $seconds } s.
gallery-failed-final = We can't reach the kitchen ({ $message }).
gallery-empty = Nothing here right now.

product-gone = This dish is no longer on the menu.
product-sold-out = Sold out today
product-add = Add to cart
product-back = Back to the menu

cart-title = Your cart
cart-empty = Your cart is empty.
cart-empty-hint = Add a dish from the menu to start an order.
cart-each = { $price } each
cart-remove = Remove
cart-summary = Order summary
cart-items = { $count } items
cart-subtotal = Subtotal
cart-delivery-note = Delivery is chosen at checkout.
cart-checkout = Checkout
cart-continue = Continue shopping

checkout-title = Checkout
checkout-where = Where should we deliver?
checkout-city = City
checkout-address = Street, house, flat
checkout-address-placeholder = Tap to type the address
checkout-phone = Phone for the courier
checkout-phone-placeholder = Tap to type your phone
checkout-delivery = Delivery
checkout-payment = Payment
checkout-dishes = Dishes ({ $count })
checkout-total = Total
checkout-back = Back to cart
checkout-place = Place order
checkout-placing = Placing order…
checkout-unreachable = We could not reach the store. Your cart is kept — tap Place order to try again.

error-city-choose = Choose a city
error-city-unserved = We do not deliver there yet
error-address = Enter the street, house and flat
error-address-long = Keep the address under 200 characters
error-phone = Enter a phone number, 7 to 15 digits
error-cart-empty = Your cart is empty

delivery-on-foot = On foot
delivery-scooter = E-scooter
delivery-car = Car
delivery-detail = { $price } · ~{ $minutes } min

pay-cash = Cash on delivery
pay-cash-detail = Pay the courier in cash
pay-terminal = Card terminal on delivery
pay-terminal-detail = Courier brings a terminal
pay-qr = QR code in bank app
pay-qr-detail = Scan with your bank app
pay-card = Card here (with CVC)
pay-card-detail = Pay here by card
pay-another-way = Pay another way

payment-title = Payment
qr-scan = Scan with your bank app
qr-order = Order #{ $number }
qr-valid = Code valid for { $minutes }:{ $seconds }
qr-expired = This code has expired
qr-preparing = Preparing your code…
qr-waiting = Open your bank app, scan the code and confirm. This screen moves on by itself.
qr-expired-hint = Nothing was charged. Get a new code or pay another way.
qr-new-code = Get a new code
qr-demo = Demo: pay this code at { $url }/bank (bank simulator)

card-title = Pay { $total } by card
card-never-stored = { $brand } · the card number is never stored
card-number = Card number
card-expiry = Expiry MM/YY
card-cvc = Security code
card-pay = Pay { $total }
card-paying = Paying…
card-retry = { $reason }. Nothing was charged twice — please try again.

choice-title = How would you like to pay?
choice-order = Order #{ $number } · { $total }
choice-wait = One moment…

confirm-thanks = Thank you! Your order is placed.
confirm-number = Order number
confirm-items = { $count } items: { $names }
confirm-paid-card = Paid { $total } by { $brand } •••• { $last4 }. Thank you!
confirm-paid-qr = Paid { $total } in your bank app. Thank you!
confirm-cash = Please have exactly { $total } in cash ready for the courier.
confirm-terminal = The courier brings a card terminal: { $total } to pay.
confirm-total = Total { $total }
confirm-new-order = Start a new order
confirm-none = No order yet

idle-title = Still there?
idle-body = To keep your details private, we clear this order in { $seconds } s.
idle-continue = I'm still here
idle-start-over = Start over

key-space = Space
key-done = Done
key-next = Next
key-symbols = ?123
key-letters = ABC
key-layout = EN → RU

account-sign-in-title = Sign in
account-sign-up-title = Create an account
account-login = Login
account-login-or-email = Login or e-mail
account-email = E-mail
account-phone = Phone
account-password = Password
account-password-again = Password again
account-sign-in = Sign in
account-create = Create account
account-no-account = New here? Create an account
account-have-account = Already have an account? Sign in
account-forgot = Forgot password?
account-guest = Continue as a guest
account-verify-title = Enter the code we sent to { $email }
account-verify = Confirm
account-resend = Send a new code
account-code = 6-digit code
account-reset-title = Reset your password
account-reset-send = E-mail me a code
account-new-password = New password
account-reset = Set new password
account-passwords-differ = The passwords are not the same
account-password-short = At least 8 characters
account-required = Required
account-email-invalid = Enter an e-mail like name@example.com
account-welcome = Signed in as { $name }
account-sign-out = Sign out
account-working = One moment…
account-reset-done = Password changed. Sign in with the new one.
account-code-sent = We sent a new code.

settings-title = Settings
settings-language = Language
settings-notifications = Notifications
settings-notif-order = Order status
settings-notif-payments = Payments
settings-notif-promotions = Offers
settings-contact = Preferred contact
settings-contact-email = E-mail
settings-contact-phone = Phone
settings-contact-messenger = Messenger
settings-payment = Preferred payment
settings-none = None
settings-addresses = Delivery addresses
settings-address-add = Add address
settings-address-label = Label (Home, Work…)
settings-address-default = Default
settings-address-delete = Delete
settings-address-edit = Edit
settings-address-make-default = Make default
settings-cards = Saved cards
settings-no-cards = No saved cards yet. Tick “Save this card” when paying by card.
settings-cards-note = Only the bank's token is kept, never the card number.
card-save = Save this card for next time
card-pay-saved = Pay with { $card }
settings-password = Change password
settings-current-password = Current password
settings-accessibility = Accessibility
settings-large-text = Large text
settings-high-contrast = High contrast
settings-reach-mode = Everything within reach (lower half)
settings-save = Save
settings-saved = Saved
settings-close = Close
settings-guest-note = You are a guest: settings last until you start over.
