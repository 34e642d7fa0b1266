-- A fleet of backend instances on one database.

-- Mail is claimed before it is sent: `claimed_by` names the claiming worker, and the claim
-- lasts until `next_attempt_at` (the lease), after which any worker may take the message.
-- `attempts` now counts claims, so a message sent once shows 1.
ALTER TABLE mail_outbox ADD COLUMN claimed_by TEXT;

-- Leases on fleet-wide roles (the periodic jobs' leader) where the engine has no advisory
-- locks: a holder keeps its lease by renewing it before `expires_at`.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Kiosks the backend has heard from: a label for operators and logs, never a credential.
CREATE TABLE kiosks (
    id         TEXT PRIMARY KEY,
    store      TEXT,
    version    TEXT,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
);

-- The catalog's version, bumped in the transaction of every catalog write, so every instance's
-- cache of catalog answers learns of a change made through any other.
CREATE TABLE catalog_state (
    id      INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO catalog_state (id, version) VALUES (1, 0);
