-- Payments: the order's payment state, its history, and one row per payment attempt.
-- Card attempts keep only the gateway's token, the brand and the last four digits.

ALTER TABLE orders ADD COLUMN payment_state TEXT NOT NULL DEFAULT 'due_on_delivery';
ALTER TABLE orders ADD COLUMN card_brand TEXT;
ALTER TABLE orders ADD COLUMN card_last4 TEXT;

CREATE TABLE payment_history (
    order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    state    TEXT NOT NULL,
    at       BIGINT NOT NULL,
    note     TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)
);

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
    updated_at          BIGINT NOT NULL
);
-- A retried card payment with the same key finds its first attempt instead of charging again.
CREATE UNIQUE INDEX payments_idempotency ON payments(order_id, idempotency_key);
CREATE INDEX payments_order ON payments(order_id, created_at);
