-- (The same as SQLite's 0010_menu.sql.) An operator's own menu (`customerclient-backend menu import`). Products are matched by a
-- stable SKU when a menu is imported again; a product or category a new menu leaves out stops
-- being listed but stays, so the orders that sold it keep pointing at it.
ALTER TABLE products ADD COLUMN sku TEXT;
ALTER TABLE products ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;
CREATE UNIQUE INDEX products_sku ON products(sku);
ALTER TABLE categories ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;

-- Names and descriptions in every language the menu gives (the products' and categories' own
-- columns hold the default language's, English).
CREATE TABLE product_texts (
    product_id  BIGINT NOT NULL REFERENCES products(id),
    language    TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (product_id, language)
);
CREATE TABLE category_texts (
    category_id BIGINT NOT NULL REFERENCES categories(id),
    language    TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (category_id, language)
);
