//! Writes the listed catalog back as a menu in the format it was imported in: a `.json` path
//! gets `menu.json`'s format, anything else a folder with `categories.csv` and `products.csv`;
//! pictures and videos go beside them, named by SKU. A demo product without a SKU is given
//! `P<id>`, which a later import keeps.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::LANGUAGES;
use crate::store::{ListedMenu, Store};

/// What was written, for the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub categories: usize,
    pub products: usize,
    pub files: usize,
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        "video/mp4" => "mp4",
        _ => "jpg",
    }
}

/// Writes the catalog to `path` (see the module's documentation).
pub async fn export(store: &Store, path: &Path) -> anyhow::Result<ExportSummary> {
    let menu: ListedMenu = store.listed_menu().await?;
    let json = path.extension().is_some_and(|e| e == "json");
    let folder = if json {
        path.parent().unwrap_or(Path::new(".")).to_owned()
    } else {
        path.to_owned()
    };
    std::fs::create_dir_all(&folder)?;
    let mut files = 0;
    let mut names = Vec::new();
    for p in &menu.products {
        let mut written = [String::new(), String::new()];
        for (slot, id) in written.iter_mut().zip([p.image_id, p.video_id]) {
            let Some(id) = id else { continue };
            if let Some(f) = store.file(id).await? {
                let name = format!("{}.{}", p.sku, extension(&f.content_type));
                std::fs::write(folder.join(&name), &f.bytes)?;
                files += 1;
                *slot = name;
            }
        }
        let [picture, video] = written;
        names.push((picture, video));
    }
    if json {
        let categories: Vec<Value> = menu
            .categories
            .iter()
            .map(|c| json!({"slug": c.slug, "name": c.names}))
            .collect();
        let products: Vec<Value> = menu
            .products
            .iter()
            .zip(&names)
            .map(|(p, (picture, video))| {
                let mut v = json!({
                    "sku": p.sku, "category": p.category, "name": p.names,
                    "description": p.descriptions, "price_minor": p.price_minor,
                    "tags": p.tags, "available": p.available,
                });
                if !picture.is_empty() {
                    v["picture"] = json!(picture);
                }
                if !video.is_empty() {
                    v["video"] = json!(video);
                }
                v
            })
            .collect();
        let doc =
            json!({"currency": menu.currency, "categories": categories, "products": products});
        std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")?;
    } else {
        let text = |m: &BTreeMap<String, String>, l: &str| m.get(l).cloned().unwrap_or_default();
        let mut w = csv::Writer::from_path(folder.join("categories.csv"))?;
        let mut header = vec!["slug".to_owned()];
        header.extend(LANGUAGES.iter().map(|l| format!("name_{l}")));
        w.write_record(&header)?;
        for c in &menu.categories {
            let mut row = vec![c.slug.clone()];
            row.extend(LANGUAGES.iter().map(|l| text(&c.names, l)));
            w.write_record(&row)?;
        }
        w.flush()?;
        let mut w = csv::Writer::from_path(folder.join("products.csv"))?;
        let mut header = vec!["sku".to_owned(), "category".to_owned()];
        header.extend(LANGUAGES.iter().map(|l| format!("name_{l}")));
        header.extend(LANGUAGES.iter().map(|l| format!("description_{l}")));
        header.extend(["price_minor", "tags", "available", "picture", "video"].map(str::to_owned));
        w.write_record(&header)?;
        for (p, (picture, video)) in menu.products.iter().zip(&names) {
            let mut row = vec![p.sku.clone(), p.category.clone()];
            row.extend(LANGUAGES.iter().map(|l| text(&p.names, l)));
            row.extend(LANGUAGES.iter().map(|l| text(&p.descriptions, l)));
            row.push(p.price_minor.to_string());
            row.push(p.tags.join("|"));
            row.push(p.available.to_string());
            row.push(picture.clone());
            row.push(video.clone());
            w.write_record(&row)?;
        }
        w.flush()?;
    }
    Ok(ExportSummary {
        categories: menu.categories.len(),
        products: menu.products.len(),
        files,
    })
}
