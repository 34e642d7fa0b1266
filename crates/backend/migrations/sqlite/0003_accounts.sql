-- Accounts verified by an e-mailed code, sign-in throttling, the mail outbox, settings.

-- Accounts made before verification existed (guests, early sign-ups) count as verified.
ALTER TABLE accounts ADD COLUMN verified BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE verification_codes (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- 'sign_up' or 'password_reset'
    purpose    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   INTEGER NOT NULL,
    consumed   BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX verification_codes_account ON verification_codes(account_id, purpose, created_at);

-- One row per failed sign-in; subject is 'account:<id>' or 'kiosk:<id>'.
CREATE TABLE sign_in_failures (
    subject TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_subject ON sign_in_failures(subject, at);

-- Written in the same transaction as what the mail is about; a worker sends it afterwards.
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL,
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
