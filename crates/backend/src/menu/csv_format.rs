//! `products.csv` with `categories.csv` beside it (UTF-8, comma-separated, a header line
//! naming the columns in any order). Categories: `slug,name_en,name_ru`, shown in file order.
//! Products: `sku,category,name_en,name_ru,description_en,description_ru,price_minor,tags,
//! available,picture,video`; `tags` separated by `|`. A file-wide `currency` comes from the
//! command line or the catalog.

use std::collections::BTreeMap;
use std::path::Path;

use super::{LANGUAGES, Problem, RawCategory, RawMenu, RawProduct, shown};

/// Columns a file must have; the rest are optional.
const CATEGORY_COLUMNS: [&str; 2] = ["slug", "name_en"];
const PRODUCT_COLUMNS: [&str; 4] = ["sku", "category", "name_en", "price_minor"];
const PRODUCT_OPTIONAL: [&str; 7] = [
    "name_ru",
    "description_en",
    "description_ru",
    "tags",
    "available",
    "picture",
    "video",
];

/// A CSV file's header and rows (with their line numbers), or what is wrong with it.
struct Table {
    columns: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    fn get(&self, row: &[String], column: &str) -> String {
        self.columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| row.get(i))
            .cloned()
            .unwrap_or_default()
    }

    fn texts(&self, row: &[String], prefix: &str) -> BTreeMap<String, String> {
        LANGUAGES
            .iter()
            .map(|l| ((*l).to_owned(), self.get(row, &format!("{prefix}_{l}"))))
            .collect()
    }
}

fn read_table(
    path: &Path,
    required: &[&str],
    optional: &[&str],
    problems: &mut Vec<Problem>,
) -> Option<Table> {
    let file = shown(path);
    let whole = |line: Option<usize>, field: Option<String>, message: String| Problem {
        file: file.clone(),
        line,
        field,
        message,
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(whole(None, None, e.to_string()));
            return None;
        }
    };
    if let Err(e) = std::str::from_utf8(&bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        problems.push(whole(
            Some(line),
            None,
            "not UTF-8 text (save the file as UTF-8)".into(),
        ));
        return None;
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes));
    let columns: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            problems.push(whole(Some(1), None, e.to_string()));
            return None;
        }
    };
    let mut ok = true;
    for c in required {
        if !columns.iter().any(|have| have == c) {
            problems.push(whole(
                Some(1),
                Some((*c).to_owned()),
                "missing column".into(),
            ));
            ok = false;
        }
    }
    for c in &columns {
        if !required.contains(&c.as_str()) && !optional.contains(&c.as_str()) {
            problems.push(whole(
                Some(1),
                Some(c.clone()),
                format!(
                    "unknown column (the columns are {})",
                    required
                        .iter()
                        .chain(optional)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            ok = false;
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line() as usize);
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                rows.push((line, r.iter().map(str::to_owned).collect()));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                problems.push(whole(line, None, e.to_string()));
                ok = false;
            }
        }
    }
    ok.then_some(Table { columns, rows })
}

pub(super) fn read(path: &Path) -> Result<RawMenu, Vec<Problem>> {
    let folder = path.parent().unwrap_or(Path::new(".")).to_owned();
    let categories_path = folder.join("categories.csv");
    let mut problems = Vec::new();
    let categories = read_table(
        &categories_path,
        &CATEGORY_COLUMNS,
        &["name_ru"],
        &mut problems,
    );
    let products = read_table(path, &PRODUCT_COLUMNS, &PRODUCT_OPTIONAL, &mut problems);
    let (Some(categories), Some(products)) = (categories, products) else {
        return Err(problems);
    };
    Ok(RawMenu {
        category_file: shown(&categories_path),
        product_file: shown(path),
        currency: None,
        categories: categories
            .rows
            .iter()
            .map(|(line, row)| RawCategory {
                line: Some(*line),
                slug: categories.get(row, "slug"),
                names: categories.texts(row, "name"),
            })
            .collect(),
        products: products
            .rows
            .iter()
            .map(|(line, row)| RawProduct {
                line: Some(*line),
                sku: products.get(row, "sku"),
                category: products.get(row, "category"),
                names: products.texts(row, "name"),
                descriptions: products.texts(row, "description"),
                price_minor: products.get(row, "price_minor"),
                tags: products
                    .get(row, "tags")
                    .split('|')
                    .map(str::to_owned)
                    .collect(),
                available: products.get(row, "available"),
                picture: products.get(row, "picture"),
                video: products.get(row, "video"),
            })
            .collect(),
        folder,
    })
}
