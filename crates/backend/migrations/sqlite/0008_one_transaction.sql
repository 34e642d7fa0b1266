-- Correctness in the database: at most one payment attempt in flight and at most one paid
-- attempt per order (partial unique indexes, valid on SQLite and PostgreSQL), refunds owed,
-- and throttles that count atomically in one row per subject.

-- Databases written before these guards may hold duplicates; keep the newest attempt in
-- flight and the first paid one, and mark the rest so the indexes can be built.
UPDATE payments SET state = 'failed', failure_code = 'superseded',
    failure = 'Replaced by a newer payment attempt'
WHERE state = 'awaiting_payment' AND EXISTS (
    SELECT 1 FROM payments q WHERE q.order_id = payments.order_id AND q.state = 'awaiting_payment'
      AND (q.created_at > payments.created_at OR (q.created_at = payments.created_at AND q.id > payments.id)));
ALTER TABLE payments ADD COLUMN refund_pending BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE payments SET state = 'refunded', failure_code = 'duplicate_charge', refund_pending = TRUE,
    failure = 'Charged twice; this charge is refunded'
WHERE state = 'paid' AND EXISTS (
    SELECT 1 FROM payments q WHERE q.order_id = payments.order_id AND q.state = 'paid'
      AND (q.created_at < payments.created_at OR (q.created_at = payments.created_at AND q.id < payments.id)));

CREATE UNIQUE INDEX payments_one_in_flight ON payments(order_id) WHERE state = 'awaiting_payment';
CREATE UNIQUE INDEX payments_one_paid ON payments(order_id) WHERE state = 'paid';
CREATE INDEX payments_pending ON payments(state, created_at);
CREATE UNIQUE INDEX payments_bank_transaction ON payments(bank_transaction_id);

-- One row per throttled subject ('sign-in:account:<id>', 'sign-in:peer:<ip>', ...): the
-- failures counted in the current window and the earliest time the next attempt is allowed.
-- Every check is one guarded UPDATE, so concurrent attempts cannot slip past the count.
CREATE TABLE throttles (
    subject    TEXT PRIMARY KEY,
    failures   BIGINT NOT NULL,
    next_at    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
DROP TABLE sign_in_failures;

-- Logins compared by a folded key (NFKC, lower case, confusable skeleton), so 'Demo',
-- fullwidth 'ｄｅｍｏ' and 'dеmo' with a Cyrillic 'е' cannot sit beside 'demo'.
ALTER TABLE accounts ADD COLUMN login_key TEXT;
CREATE UNIQUE INDEX accounts_login_key ON accounts(login_key);
