// The operator's menu: imported in one transaction, listed back for export.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::menu::{DEFAULT_LANGUAGE, ImportSummary, Menu, MenuCategory, MenuFile};
use crate::store::{ListedMenu, ListedProduct};

/// The id of a stored file with these bytes, storing them if no file has them yet (a picture
/// imported again is the same file).
async fn file_in(conn: &mut Conn, file: &MenuFile) -> Result<Uuid, StoreError> {
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(&file.bytes));
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM files WHERE sha256 = $1 AND content_type = $2 LIMIT 1")
            .bind(&sha)
            .bind(file.content_type)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(id) = existing.and_then(|id| Uuid::parse_str(&id).ok()) {
        return Ok(id);
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO files (id, content_type, sha256, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(file.content_type)
    .bind(sha)
    .bind(file.bytes.len() as i64)
    .bind(&file.bytes)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

impl Store {
    /// Makes `menu` the catalog, in one write transaction: categories by slug and products by
    /// SKU are updated in place (so a product keeps its id, and past orders, which hold the
    /// name and price they were sold at, are untouched) or added; whatever the menu leaves out
    /// stops being listed. The catalog's version is bumped in the same transaction.
    pub async fn import_menu(&self, menu: &Menu) -> Result<ImportSummary, StoreError> {
        let mut tx = self.write_tx().await?;
        let mut summary = ImportSummary {
            categories: menu.categories.len(),
            ..ImportSummary::default()
        };
        sqlx::query("UPDATE categories SET listed = FALSE")
            .execute(&mut *tx)
            .await?;
        let mut category_ids: HashMap<&str, i64> = HashMap::new();
        for (position, c) in menu.categories.iter().enumerate() {
            let name = c.names.get(DEFAULT_LANGUAGE).cloned().unwrap_or_default();
            sqlx::query(
                "INSERT INTO categories (id, slug, name, description, image_id, position, listed)
                 VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM categories), $1, $2, '', NULL, $3, TRUE)
                 ON CONFLICT (slug) DO UPDATE SET name = excluded.name,
                     position = excluded.position, listed = TRUE",
            )
            .bind(&c.slug)
            .bind(&name)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar("SELECT id FROM categories WHERE slug = $1")
                .bind(&c.slug)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM category_texts WHERE category_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for (language, text) in &c.names {
                sqlx::query(
                    "INSERT INTO category_texts (category_id, language, name) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(language)
                .bind(text)
                .execute(&mut *tx)
                .await?;
            }
            category_ids.insert(c.slug.as_str(), id);
        }
        let listed_before: HashSet<i64> = sqlx::query_scalar::<_, i64>("SELECT id FROM products WHERE listed")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
        sqlx::query("UPDATE products SET listed = FALSE WHERE listed")
            .execute(&mut *tx)
            .await?;
        for (position, p) in menu.products.iter().enumerate() {
            // `menu::read` checked every product's category against the menu's.
            let Some(&category_id) = category_ids.get(p.category.as_str()) else {
                return Err(StoreError::Duplicate(format!(
                    "category {} of product {}",
                    p.category, p.sku
                )));
            };
            let image = match &p.picture {
                Some(f) => Some(file_in(&mut tx, f).await?.to_string()),
                None => None,
            };
            let video = match &p.video {
                Some(f) => Some(file_in(&mut tx, f).await?.to_string()),
                None => None,
            };
            let name = p.names.get(DEFAULT_LANGUAGE).cloned().unwrap_or_default();
            let description = p
                .descriptions
                .get(DEFAULT_LANGUAGE)
                .cloned()
                .unwrap_or_default();
            // Searchable in every language the menu gives.
            let search = p
                .names
                .values()
                .chain(p.descriptions.values())
                .map(|t| t.to_lowercase())
                .collect::<Vec<_>>()
                .join(" ");
            // A product exported without a SKU (the demo's) was written as P<id>: that product.
            let exported_id: Option<i64> = p.sku.strip_prefix('P').and_then(|n| n.parse().ok());
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM products WHERE sku = $1 OR (sku IS NULL AND id = $2)
                 ORDER BY sku IS NULL LIMIT 1",
            )
            .bind(&p.sku)
            .bind(exported_id)
            .fetch_optional(&mut *tx)
            .await?;
            let id = match existing {
                Some(id) => {
                    summary.updated += 1;
                    id
                }
                None => {
                    summary.added += 1;
                    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM products")
                        .fetch_one(&mut *tx)
                        .await?
                }
            };
            sqlx::query(
                "INSERT INTO products (id, category_id, name, description, price_minor, currency,
                     image_id, video_id, available, position, search_text, sku, tags, listed)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, TRUE)
                 ON CONFLICT (id) DO UPDATE SET category_id = excluded.category_id,
                     name = excluded.name, description = excluded.description,
                     price_minor = excluded.price_minor, currency = excluded.currency,
                     image_id = excluded.image_id, video_id = excluded.video_id,
                     available = excluded.available, position = excluded.position,
                     search_text = excluded.search_text, sku = excluded.sku,
                     tags = excluded.tags, listed = TRUE",
            )
            .bind(id)
            .bind(category_id)
            .bind(&name)
            .bind(&description)
            .bind(p.price_minor)
            .bind(&menu.currency)
            .bind(image)
            .bind(video)
            .bind(p.available)
            .bind(position as i64)
            .bind(search)
            .bind(&p.sku)
            .bind(p.tags.join(" "))
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM product_texts WHERE product_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for (language, text) in &p.names {
                sqlx::query(
                    "INSERT INTO product_texts (product_id, language, name, description) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(language)
                .bind(text)
                .bind(p.descriptions.get(language).cloned().unwrap_or_default())
                .execute(&mut *tx)
                .await?;
            }
        }
        let listed_now: HashSet<i64> = sqlx::query_scalar::<_, i64>("SELECT id FROM products WHERE listed")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
        summary.withdrawn = listed_before.difference(&listed_now).count();
        bump_catalog_in(&mut tx).await?;
        tx.commit().await?;
        self.catalog_changed();
        Ok(summary)
    }

    /// Marks the listed product `sku` sold out (`available` false) or available again: one
    /// statement, with the catalog's version bumped in the same transaction. Returns whether
    /// a listed product has that SKU (a product without one, a demo dish, answers to the
    /// `P<id>` its export gives it).
    pub async fn set_available(&self, sku: &str, available: bool) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let changed = sqlx::query(
            "UPDATE products SET available = $2
             WHERE listed AND (sku = $1 OR (sku IS NULL AND 'P' || CAST(id AS TEXT) = $1))",
        )
            .bind(sku)
            .bind(available)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        bump_availability_in(&mut tx).await?;
        tx.commit().await?;
        self.catalog_changed();
        Ok(true)
    }

    /// The catalog's version and its listed products sold out now, read together (what the
    /// kiosks' catalog stream sends).
    pub async fn sold_out(&self) -> Result<(u64, u64, Vec<i64>), StoreError> {
        let mut tx = self.pool.begin().await?;
        let (version, menu_version): (i64, i64) =
            sqlx::query_as("SELECT version, menu_version FROM catalog_state WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM products WHERE listed AND NOT available ORDER BY id")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok((version as u64, menu_version as u64, ids))
    }

    /// The catalog's version as the database has it now (no cache): the catalog watcher's
    /// poll.
    pub async fn catalog_version_now(&self) -> Result<u64, StoreError> {
        let v: i64 = sqlx::query_scalar("SELECT version FROM catalog_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(v as u64)
    }

    /// The currency the listed catalog is priced in (`None` when nothing is listed).
    pub async fn catalog_currency(&self) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT currency FROM products WHERE listed LIMIT 1")
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The listed catalog as a menu, in the order the kiosk shows it.
    pub async fn listed_menu(&self) -> Result<ListedMenu, StoreError> {
        let mut category_names: HashMap<i64, BTreeMap<String, String>> = HashMap::new();
        for r in sqlx::query("SELECT category_id, language, name FROM category_texts")
            .fetch_all(&self.pool)
            .await?
        {
            category_names
                .entry(r.try_get("category_id")?)
                .or_default()
                .insert(r.try_get("language")?, r.try_get("name")?);
        }
        let mut categories = Vec::new();
        for r in sqlx::query("SELECT id, slug, name FROM categories WHERE listed ORDER BY position, id")
            .fetch_all(&self.pool)
            .await?
        {
            let id: i64 = r.try_get("id")?;
            let mut names = category_names.remove(&id).unwrap_or_default();
            names
                .entry(DEFAULT_LANGUAGE.to_owned())
                .or_insert(r.try_get("name")?);
            categories.push(MenuCategory {
                slug: r.try_get("slug")?,
                names,
            });
        }
        let mut texts: HashMap<i64, Vec<(String, String, String)>> = HashMap::new();
        for r in sqlx::query("SELECT product_id, language, name, description FROM product_texts")
            .fetch_all(&self.pool)
            .await?
        {
            texts.entry(r.try_get("product_id")?).or_default().push((
                r.try_get("language")?,
                r.try_get("name")?,
                r.try_get("description")?,
            ));
        }
        let mut products = Vec::new();
        let mut currency = None;
        for r in sqlx::query(
            "SELECT p.id, p.sku, c.slug, p.name, p.description, p.price_minor, p.currency, p.tags,
                    p.available, p.image_id, p.video_id
             FROM products p JOIN categories c ON c.id = p.category_id
             WHERE p.listed AND c.listed ORDER BY c.position, p.position, p.id",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let id: i64 = r.try_get("id")?;
            let mut names = BTreeMap::new();
            let mut descriptions = BTreeMap::new();
            for (language, name, description) in texts.remove(&id).unwrap_or_default() {
                names.insert(language.clone(), name);
                if !description.is_empty() {
                    descriptions.insert(language, description);
                }
            }
            names
                .entry(DEFAULT_LANGUAGE.to_owned())
                .or_insert(r.try_get("name")?);
            let description: String = r.try_get("description")?;
            if !description.is_empty() {
                descriptions
                    .entry(DEFAULT_LANGUAGE.to_owned())
                    .or_insert(description);
            }
            currency.get_or_insert(r.try_get::<String, _>("currency")?);
            let sku: Option<String> = r.try_get("sku")?;
            let tags: String = r.try_get("tags")?;
            products.push(ListedProduct {
                sku: sku.unwrap_or_else(|| format!("P{id}")),
                category: r.try_get("slug")?,
                names,
                descriptions,
                price_minor: r.try_get("price_minor")?,
                tags: tags.split_whitespace().map(str::to_owned).collect(),
                available: r.try_get("available")?,
                image_id: opt_uuid_col(&r, "image_id")?,
                video_id: opt_uuid_col(&r, "video_id")?,
            });
        }
        Ok(ListedMenu {
            currency: currency.unwrap_or_else(|| "USD".into()),
            categories,
            products,
        })
    }
}
