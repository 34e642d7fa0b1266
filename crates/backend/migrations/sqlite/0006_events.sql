-- Push events per account, numbered in one increasing sequence, so a client that reconnects
-- with the last id it saw gets exactly the ones it missed.
CREATE TABLE events (
    id         BIGINT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_account ON events(account_id, id);
