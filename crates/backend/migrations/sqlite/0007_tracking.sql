-- One delivery per order: the planned route, the prediction model's inputs and output, the
-- courier's last fix, and (once delivered) the real duration, which trains the next model.
CREATE TABLE deliveries (
    order_id          TEXT PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
    route             TEXT NOT NULL,
    distance_m        DOUBLE PRECISION NOT NULL,
    items             BIGINT NOT NULL,
    hour              INTEGER NOT NULL,
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
    stars    INTEGER NOT NULL,
    comment  TEXT NOT NULL,
    at       BIGINT NOT NULL
);

CREATE INDEX orders_status ON orders(status);
CREATE INDEX order_lines_product ON order_lines(product_id);
CREATE INDEX orders_number ON orders(number);
