//! `menu.json`: `{"currency", "categories": [{"slug", "name": {"en", "ru"}}], "products":
//! [{"sku", "category", "name": {…}, "description": {…}, "price_minor", "tags", "available",
//! "picture", "video"}]}`. Problems name the line each category or product begins on.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{Problem, RawCategory, RawMenu, RawProduct, shown};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonMenu {
    currency: Option<String>,
    categories: Vec<JsonCategory>,
    products: Vec<JsonProduct>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonCategory {
    slug: String,
    name: BTreeMap<String, String>,
}

/// Loosely typed, so a wrong value is reported by its field rather than as a parse error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonProduct {
    sku: String,
    category: String,
    name: BTreeMap<String, String>,
    #[serde(default)]
    description: BTreeMap<String, String>,
    price_minor: Value,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    available: Option<Value>,
    #[serde(default)]
    picture: Option<String>,
    #[serde(default)]
    video: Option<String>,
}

/// The 1-based lines where each occurrence of the key `"key":` begins, in order.
fn key_lines(text: &str, key: &str) -> Vec<usize> {
    let needle = format!("\"{key}\"");
    let mut lines = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle) {
        let at = from + at;
        let after = text[at + needle.len()..].trim_start();
        if after.starts_with(':') {
            lines.push(text[..at].matches('\n').count() + 1);
        }
        from = at + needle.len();
    }
    lines
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(super) fn read(path: &Path) -> Result<RawMenu, Vec<Problem>> {
    let file = shown(path);
    let whole = |message: String, line: Option<usize>| {
        vec![Problem {
            file: file.clone(),
            line,
            field: None,
            message,
        }]
    };
    let bytes = std::fs::read(path).map_err(|e| whole(e.to_string(), None))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
            return Err(whole(
                "not UTF-8 text (save the file as UTF-8)".into(),
                Some(line),
            ));
        }
    };
    let menu: JsonMenu = serde_json::from_str(&text)
        .map_err(|e| whole(format!("{e} (column {})", e.column()), Some(e.line())))?;
    // Each product has one "sku" and each category one "slug": the n-th of them is where the
    // n-th entry is written (not when the counts disagree, e.g. the words inside a text).
    let skus = key_lines(&text, "sku");
    let slugs = key_lines(&text, "slug");
    let line_of = |lines: &[usize], n: usize, count: usize| {
        (lines.len() == count)
            .then(|| lines.get(n).copied())
            .flatten()
    };
    let categories = menu
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| RawCategory {
            line: line_of(&slugs, i, menu.categories.len()),
            slug: c.slug.clone(),
            names: c.name.clone(),
        })
        .collect();
    let products = menu
        .products
        .iter()
        .enumerate()
        .map(|(i, p)| RawProduct {
            line: line_of(&skus, i, menu.products.len()),
            sku: p.sku.clone(),
            category: p.category.clone(),
            names: p.name.clone(),
            descriptions: p.description.clone(),
            price_minor: as_text(&p.price_minor),
            tags: p.tags.clone(),
            available: p.available.as_ref().map(as_text).unwrap_or_default(),
            picture: p.picture.clone().unwrap_or_default(),
            video: p.video.clone().unwrap_or_default(),
        })
        .collect();
    Ok(RawMenu {
        category_file: file.clone(),
        product_file: file,
        currency: menu.currency,
        categories,
        products,
        folder: path.parent().unwrap_or(Path::new(".")).to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_on_their_lines() {
        let text = "{\n \"sku\": \"A\",\n \"name\": \"the sku\",\n \"sku\" : \"B\"}";
        assert_eq!(key_lines(text, "sku"), vec![2, 4]);
    }
}
