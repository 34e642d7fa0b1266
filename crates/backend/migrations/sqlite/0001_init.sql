-- Portable SQL (SQLite now, PostgreSQL later): no AUTOINCREMENT, no SQLite-only types.
-- Times are Unix milliseconds; money is minor units with an ISO 4217 code.

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    login         TEXT UNIQUE,
    email         TEXT UNIQUE,
    phone         TEXT,
    password_hash TEXT,
    guest         BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL
);

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
    bytes        BLOB NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE categories (
    id          BIGINT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    image_id    TEXT REFERENCES files(id),
    position    INTEGER NOT NULL
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
    position    INTEGER NOT NULL,
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
    created_at      BIGINT NOT NULL
);
CREATE INDEX orders_account ON orders(account_id, created_at);

CREATE TABLE order_lines (
    order_id         TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_no          INTEGER NOT NULL,
    product_id       BIGINT NOT NULL REFERENCES products(id),
    name             TEXT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    quantity         BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE order_status_history (
    order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
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
