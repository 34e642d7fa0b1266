-- The menu's own version, beside the catalog's: an import (or the demo's seeding) moves both,
-- a dish sold out or back only the catalog's. Kiosks load the menu again when it moves.
ALTER TABLE catalog_state ADD COLUMN menu_version BIGINT NOT NULL DEFAULT 0;
