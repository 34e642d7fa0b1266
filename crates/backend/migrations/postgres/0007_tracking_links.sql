-- Links to follow an order on the customer's phone (/t/{token}): only the token's SHA-256 is
-- kept, so the database never holds a working link; the page speaks the link's language.
CREATE TABLE tracking_links (
    token_hash TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders(id),
    language   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX tracking_links_order ON tracking_links(order_id);
