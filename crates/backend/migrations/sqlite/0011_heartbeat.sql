-- Kiosks' heartbeats (every 30 s): when the last came, the screen it reported, the errors it
-- reported since the one before, and how many errors it has reported in all.
ALTER TABLE kiosks ADD COLUMN heartbeat_at INTEGER;
ALTER TABLE kiosks ADD COLUMN screen TEXT;
ALTER TABLE kiosks ADD COLUMN last_errors TEXT NOT NULL DEFAULT '';
ALTER TABLE kiosks ADD COLUMN errors_total INTEGER NOT NULL DEFAULT 0;

-- The kiosk an order was placed at (its X-Kiosk-Id, a label), for the operator's takings per kiosk.
ALTER TABLE orders ADD COLUMN kiosk_id TEXT;
