-- The whole schema on PostgreSQL, as the SQLite migrations 0001-0008 leave it. The same
-- columns and constraints as on SQLite: text ids, BIGINT integers (times are Unix
-- milliseconds, money minor units with an ISO 4217 code), BOOLEAN flags, BYTEA file bytes.

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    login         TEXT UNIQUE,
    email         TEXT UNIQUE,
    phone         TEXT,
    password_hash TEXT,
    guest         BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    verified      BOOLEAN NOT NULL DEFAULT TRUE,
    -- NFKC, lower case, confusable skeleton: look-alike logins are one login.
    login_key     TEXT
);
CREATE UNIQUE INDEX accounts_folded_login ON accounts(login_key);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE files (
    id           TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    bytes        BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE categories (
    id          BIGINT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    image_id    TEXT REFERENCES files(id),
    position    BIGINT NOT NULL
);

CREATE TABLE products (
    id          BIGINT PRIMARY KEY,
    category_id BIGINT NOT NULL REFERENCES categories(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    price_minor BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    image_id    TEXT REFERENCES files(id),
    video_id    TEXT REFERENCES files(id),
    available   BOOLEAN NOT NULL,
    position    BIGINT NOT NULL,
    -- Lower-cased name and description, folded in Rust so search is Unicode-aware on any database.
    search_text TEXT NOT NULL
);
CREATE INDEX products_category ON products(category_id, position);

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    number          BIGINT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    status          TEXT NOT NULL,
    city            TEXT NOT NULL,
    address         TEXT NOT NULL,
    phone           TEXT NOT NULL,
    delivery_method TEXT NOT NULL,
    payment_method  TEXT NOT NULL,
    currency        TEXT NOT NULL,
    products_minor  BIGINT NOT NULL,
    delivery_minor  BIGINT NOT NULL,
    total_minor     BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    payment_state   TEXT NOT NULL DEFAULT 'due_on_delivery',
    card_brand      TEXT,
    card_last4      TEXT
);
CREATE INDEX orders_account ON orders(account_id, created_at);
CREATE INDEX orders_status ON orders(status);
CREATE INDEX orders_number ON orders(number);

CREATE TABLE order_lines (
    order_id         TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_no          BIGINT NOT NULL,
    product_id       BIGINT NOT NULL REFERENCES products(id),
    name             TEXT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    quantity         BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_lines_product ON order_lines(product_id);

CREATE TABLE order_status_history (
    order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    seq      BIGINT NOT NULL,
    status   TEXT NOT NULL,
    at       BIGINT NOT NULL,
    note     TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)
);

-- One row per (account, key): a retried request finds the order it already created.
CREATE TABLE idempotency_keys (
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    order_id     TEXT NOT NULL REFERENCES orders(id),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE TABLE payment_history (
    order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    seq      BIGINT NOT NULL,
    state    TEXT NOT NULL,
    at       BIGINT NOT NULL,
    note     TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)
);

-- Card attempts keep only the gateway's token, the brand and the last four digits.
CREATE TABLE payments (
    id                  TEXT PRIMARY KEY,
    order_id            TEXT NOT NULL REFERENCES orders(id),
    method              TEXT NOT NULL,
    state               TEXT NOT NULL,
    amount_minor        BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    qr_payload          TEXT,
    expires_at          BIGINT,
    card_token          TEXT,
    card_brand          TEXT,
    card_last4          TEXT,
    gateway_charge_id   TEXT,
    bank_transaction_id TEXT,
    failure             TEXT,
    idempotency_key     TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    failure_code        TEXT,
    refund_pending      BOOLEAN NOT NULL DEFAULT FALSE
);
-- A retried card payment with the same key finds its first attempt instead of charging again.
CREATE UNIQUE INDEX payments_idempotency ON payments(order_id, idempotency_key);
CREATE INDEX payments_order ON payments(order_id, created_at);
-- At most one attempt in flight and one paid attempt per order, refused by the database.
CREATE UNIQUE INDEX payments_one_in_flight ON payments(order_id) WHERE state = 'awaiting_payment';
CREATE UNIQUE INDEX payments_one_paid ON payments(order_id) WHERE state = 'paid';
CREATE INDEX payments_pending ON payments(state, created_at);
CREATE UNIQUE INDEX payments_bank_transaction ON payments(bank_transaction_id);

CREATE TABLE verification_codes (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- 'sign_up' or 'password_reset'
    purpose    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   BIGINT NOT NULL,
    consumed   BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX verification_codes_account ON verification_codes(account_id, purpose, created_at);

-- Written in the same transaction as what the mail is about; a worker sends it afterwards.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox(sent_at, next_attempt_at);

CREATE TABLE account_settings (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    settings   TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE addresses (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    city       TEXT NOT NULL,
    address    TEXT NOT NULL,
    is_default BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX addresses_account ON addresses(account_id, created_at);

-- Cards a signed-in customer chose to keep: the gateway's token, the brand and the last four
-- digits. Never the number, never the CVC.
CREATE TABLE saved_cards (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token      TEXT NOT NULL,
    brand      TEXT NOT NULL,
    last4      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, token)
);

-- Push events per account, numbered in one increasing sequence, so a client that reconnects
-- with the last id it saw gets exactly the ones it missed.
CREATE TABLE events (
    id         BIGINT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_account ON events(account_id, id);

-- One delivery per order: the planned route, the prediction model's inputs and output, the
-- courier's last fix, and (once delivered) the real duration, which trains the next model.
CREATE TABLE deliveries (
    order_id          TEXT PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
    route             TEXT NOT NULL,
    distance_m        DOUBLE PRECISION NOT NULL,
    items             BIGINT NOT NULL,
    hour              BIGINT NOT NULL,
    queue             BIGINT NOT NULL,
    predicted_minutes DOUBLE PRECISION NOT NULL,
    actual_minutes    DOUBLE PRECISION,
    courier_x         DOUBLE PRECISION,
    courier_y         DOUBLE PRECISION,
    courier_progress  DOUBLE PRECISION,
    courier_at        BIGINT,
    on_the_way_at     BIGINT
);

CREATE TABLE order_ratings (
    order_id TEXT PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
    stars    BIGINT NOT NULL,
    comment  TEXT NOT NULL,
    at       BIGINT NOT NULL
);

-- One row per throttled subject ('sign-in:account:<id>', 'sign-in:peer:<ip>', ...): the
-- failures counted in the current window and the earliest time the next attempt is allowed.
CREATE TABLE throttles (
    subject    TEXT PRIMARY KEY,
    failures   BIGINT NOT NULL,
    next_at    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
