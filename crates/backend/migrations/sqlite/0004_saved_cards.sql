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
