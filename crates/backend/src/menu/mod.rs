//! An operator's own menu: read from JSON or CSV with its pictures and videos, checked whole
//! (every problem named by file, line and field), then written in one transaction
//! (`Store::import_menu`) — or nothing at all. `export` writes the catalog back in the same
//! format. The formats are documented in `docs/menu-format.md`.

mod csv_format;
mod export;
mod json_format;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

pub use export::export;

/// The language every name must be given in; other languages are optional.
pub const DEFAULT_LANGUAGE: &str = "en";
/// Languages a menu may give names in.
pub const LANGUAGES: [&str; 2] = ["en", "ru"];
/// Side of the square every picture is re-encoded to (the kiosk crops cards from it).
pub const PICTURE_SIDE: u32 = 512;
/// The most a price may be, in minor units (ten million of the currency's units).
pub const MAX_PRICE_MINOR: i64 = 1_000_000_000;
/// The largest picture or video file read.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// One thing wrong with a menu: where it is, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based; `None` for a problem with the whole file.
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A picture or video ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuFile {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuCategory {
    pub slug: String,
    /// Language → name; always has [`DEFAULT_LANGUAGE`].
    pub names: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuProduct {
    pub sku: String,
    pub category: String,
    pub names: BTreeMap<String, String>,
    pub descriptions: BTreeMap<String, String>,
    pub price_minor: i64,
    pub tags: Vec<String>,
    pub available: bool,
    pub picture: Option<MenuFile>,
    pub video: Option<MenuFile>,
}

/// A menu that passed every check, in the order it is to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    pub currency: String,
    pub categories: Vec<MenuCategory>,
    pub products: Vec<MenuProduct>,
}

/// A category as a file gave it, before checking.
#[derive(Debug, Default)]
pub(crate) struct RawCategory {
    pub line: Option<usize>,
    pub slug: String,
    pub names: BTreeMap<String, String>,
}

/// A product as a file gave it, before checking: every value as text, so a wrong one is named.
#[derive(Debug, Default)]
pub(crate) struct RawProduct {
    pub line: Option<usize>,
    pub sku: String,
    pub category: String,
    pub names: BTreeMap<String, String>,
    pub descriptions: BTreeMap<String, String>,
    pub price_minor: String,
    pub tags: Vec<String>,
    pub available: String,
    pub picture: String,
    pub video: String,
}

/// Everything a file said, with where it said it.
pub(crate) struct RawMenu {
    /// The file the categories came from, and the one the products came from.
    pub category_file: String,
    pub product_file: String,
    pub currency: Option<String>,
    pub categories: Vec<RawCategory>,
    pub products: Vec<RawProduct>,
    /// Pictures and videos are named relative to this folder.
    pub folder: PathBuf,
}

/// Reads and checks the menu at `path`: a `.json` file, a `products.csv` (with
/// `categories.csv` beside it), or a folder holding one of them. `currency` is used where the
/// menu names none. All problems are returned together; nothing is half-read.
pub fn read(path: &Path, currency: &str) -> Result<Menu, Vec<Problem>> {
    let path = if path.is_dir() {
        let json = path.join("menu.json");
        if json.exists() {
            json
        } else {
            path.join("products.csv")
        }
    } else {
        path.to_owned()
    };
    let raw = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => json_format::read(&path)?,
        Some("csv") => csv_format::read(&path)?,
        _ => {
            return Err(vec![Problem {
                file: shown(&path),
                line: None,
                field: None,
                message: "a menu is a .json file, a products.csv, or a folder holding one".into(),
            }]);
        }
    };
    check(raw, currency)
}

/// How a path is named in a problem: as the operator gave it.
pub(crate) fn shown(path: &Path) -> String {
    path.display().to_string()
}

fn problem(file: &str, line: Option<usize>, field: &str, message: impl Into<String>) -> Problem {
    Problem {
        file: file.to_owned(),
        line,
        field: Some(field.to_owned()),
        message: message.into(),
    }
}

fn valid_code(code: &str, max: usize) -> bool {
    !code.is_empty()
        && code.len() <= max
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn check_names(
    names: &BTreeMap<String, String>,
    file: &str,
    line: Option<usize>,
    field: &str,
    required: bool,
    max: usize,
    problems: &mut Vec<Problem>,
) {
    for (language, text) in names {
        if !LANGUAGES.contains(&language.as_str()) {
            problems.push(problem(
                file,
                line,
                &format!("{field}_{language}"),
                format!("unknown language (use {})", LANGUAGES.join(", ")),
            ));
        } else if text.chars().count() > max {
            problems.push(problem(
                file,
                line,
                &format!("{field}_{language}"),
                format!("longer than {max} characters"),
            ));
        } else if text.chars().any(char::is_control) {
            problems.push(problem(
                file,
                line,
                &format!("{field}_{language}"),
                "holds a control character",
            ));
        }
    }
    let default = names
        .get(DEFAULT_LANGUAGE)
        .is_some_and(|n| !n.trim().is_empty());
    if required && !default {
        problems.push(problem(
            file,
            line,
            &format!("{field}_{DEFAULT_LANGUAGE}"),
            "missing (every name is needed in English)",
        ));
    }
}

/// Drops empty texts and trims the rest.
fn tidy(names: BTreeMap<String, String>) -> BTreeMap<String, String> {
    names
        .into_iter()
        .map(|(l, t)| (l, t.trim().to_owned()))
        .filter(|(_, t)| !t.is_empty())
        .collect()
}

fn check(raw: RawMenu, default_currency: &str) -> Result<Menu, Vec<Problem>> {
    let mut problems = Vec::new();
    let currency = raw
        .currency
        .clone()
        .unwrap_or_else(|| default_currency.to_owned());
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        problems.push(problem(
            &raw.product_file,
            None,
            "currency",
            format!("'{currency}' is not an ISO 4217 code such as RUB or USD"),
        ));
    }
    let cfile = raw.category_file.as_str();
    let mut slugs: HashMap<String, Option<usize>> = HashMap::new();
    let mut categories = Vec::new();
    for c in raw.categories {
        let slug = c.slug.trim().to_owned();
        if !valid_code(&slug, 64) {
            problems.push(problem(
                cfile,
                c.line,
                "slug",
                "missing, or not made of letters, digits, '-', '_' and '.' (64 at most)",
            ));
        } else if let Some(first) = slugs.get(&slug) {
            problems.push(problem(cfile, c.line, "slug", duplicate(&slug, *first)));
        } else {
            slugs.insert(slug.clone(), c.line);
        }
        check_names(&c.names, cfile, c.line, "name", true, 80, &mut problems);
        categories.push(MenuCategory {
            slug,
            names: tidy(c.names),
        });
    }
    let pfile = raw.product_file.as_str();
    let mut skus: HashMap<String, Option<usize>> = HashMap::new();
    let mut products = Vec::new();
    for p in raw.products {
        let line = p.line;
        let sku = p.sku.trim().to_owned();
        if !valid_code(&sku, 64) {
            problems.push(problem(
                pfile,
                line,
                "sku",
                "missing, or not made of letters, digits, '-', '_' and '.' (64 at most)",
            ));
        } else if let Some(first) = skus.get(&sku) {
            problems.push(problem(pfile, line, "sku", duplicate(&sku, *first)));
        } else {
            skus.insert(sku.clone(), line);
        }
        let category = p.category.trim().to_owned();
        if !slugs.contains_key(&category) {
            problems.push(problem(
                pfile,
                line,
                "category",
                format!("'{category}' is not one of the menu's categories"),
            ));
        }
        check_names(&p.names, pfile, line, "name", true, 120, &mut problems);
        check_names(
            &p.descriptions,
            pfile,
            line,
            "description",
            false,
            1000,
            &mut problems,
        );
        let price_minor = match p.price_minor.trim().parse::<i64>() {
            Ok(v) if (0..=MAX_PRICE_MINOR).contains(&v) => v,
            Ok(_) => {
                problems.push(problem(
                    pfile,
                    line,
                    "price_minor",
                    format!("must be from 0 to {MAX_PRICE_MINOR} (in minor units: 1250 for 12.50)"),
                ));
                0
            }
            Err(_) => {
                problems.push(problem(
                    pfile,
                    line,
                    "price_minor",
                    format!(
                        "'{}' is not a whole number of minor units (1250 for 12.50)",
                        p.price_minor.trim()
                    ),
                ));
                0
            }
        };
        let available = match p.available.trim().to_ascii_lowercase().as_str() {
            "" | "true" | "yes" | "1" => true,
            "false" | "no" | "0" => false,
            other => {
                problems.push(problem(
                    pfile,
                    line,
                    "available",
                    format!("'{other}' is neither true nor false"),
                ));
                true
            }
        };
        let mut tags: Vec<String> = Vec::new();
        for tag in &p.tags {
            let tag = tag.trim().to_ascii_lowercase();
            if tag.is_empty() {
                continue;
            }
            if !valid_code(&tag, 32) {
                problems.push(problem(
                    pfile,
                    line,
                    "tags",
                    format!("'{tag}' is not a tag (letters, digits and '-', 32 at most)"),
                ));
            } else if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let picture = media(
            &raw.folder,
            &p.picture,
            pfile,
            line,
            "picture",
            &mut problems,
        )
        .and_then(|bytes| match picture(&bytes) {
            Ok(f) => Some(f),
            Err(e) => {
                problems.push(problem(
                    pfile,
                    line,
                    "picture",
                    format!("'{}' cannot be read as a picture: {e}", p.picture.trim()),
                ));
                None
            }
        });
        let video =
            media(&raw.folder, &p.video, pfile, line, "video", &mut problems).and_then(|bytes| {
                match video(&bytes) {
                    Ok(f) => Some(f),
                    Err(e) => {
                        problems.push(problem(
                            pfile,
                            line,
                            "video",
                            format!("'{}' cannot be played: {e}", p.video.trim()),
                        ));
                        None
                    }
                }
            });
        products.push(MenuProduct {
            sku,
            category,
            names: tidy(p.names),
            descriptions: tidy(p.descriptions),
            price_minor,
            tags,
            available,
            picture,
            video,
        });
    }
    if products.is_empty() && problems.is_empty() {
        problems.push(Problem {
            file: raw.product_file.clone(),
            line: None,
            field: None,
            message: "the menu has no products".into(),
        });
    }
    if problems.is_empty() {
        Ok(Menu {
            currency,
            categories,
            products,
        })
    } else {
        Err(problems)
    }
}

fn duplicate(code: &str, first: Option<usize>) -> String {
    match first {
        Some(line) => format!("'{code}' is already used on line {line}"),
        None => format!("'{code}' is used twice"),
    }
}

/// The bytes of a picture or video named in the menu (relative to its folder, never outside
/// it), or `None` when none is named or it is missing (a problem then).
fn media(
    folder: &Path,
    name: &str,
    file: &str,
    line: Option<usize>,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<Vec<u8>> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let relative = Path::new(name);
    if relative.is_absolute()
        || relative
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        problems.push(problem(
            file,
            line,
            field,
            format!("'{name}' must be a file in the menu's folder"),
        ));
        return None;
    }
    let path = folder.join(relative);
    match std::fs::metadata(&path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            problems.push(problem(
                file,
                line,
                field,
                format!("'{name}' is larger than {} MiB", MAX_FILE_BYTES >> 20),
            ));
            None
        }
        Ok(_) => match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                problems.push(problem(file, line, field, format!("'{name}': {e}")));
                None
            }
        },
        Err(_) => {
            problems.push(problem(
                file,
                line,
                field,
                format!("'{name}' is not in {}", folder.display()),
            ));
            None
        }
    }
}

/// Decodes a picture (PNG or JPEG) and re-encodes it as the kiosk's square JPEG, cropped to its
/// centre, so an operator's 12-megapixel photo costs the kiosks no more than a demo picture.
pub fn picture(bytes: &[u8]) -> Result<MenuFile, String> {
    let image = image::load_from_memory(bytes).map_err(|e| e.to_string())?;
    let square = image
        .resize_to_fill(
            PICTURE_SIDE,
            PICTURE_SIDE,
            image::imageops::FilterType::Triangle,
        )
        .to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&square)
        .map_err(|e| e.to_string())?;
    Ok(MenuFile {
        content_type: "image/jpeg",
        bytes: out,
    })
}

/// Checks that a video is an MP4 whose H.264 track decodes, as the kiosk will play it.
pub fn video(bytes: &[u8]) -> Result<MenuFile, String> {
    let mut reader = customerclient_video::decode::VideoReader::open(
        std::io::Cursor::new(bytes),
        bytes.len() as u64,
    )
    .map_err(|e| e.to_string())?;
    match reader.next_frame() {
        Ok(Some(_)) => Ok(MenuFile {
            content_type: "video/mp4",
            bytes: bytes.to_vec(),
        }),
        Ok(None) => Err("it has no frames".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// What an import changed, for the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub categories: usize,
    pub added: usize,
    pub updated: usize,
    /// Products the new menu left out: no longer listed (past orders still name them).
    pub withdrawn: usize,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} categories; {} products added, {} updated, {} withdrawn",
            self.categories, self.added, self.updated, self.withdrawn
        )
    }
}

/// Why an import changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} problem(s) in the menu; nothing was imported", .0.len())]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("reading the menu stopped: {0}")]
    Interrupted(String),
}

/// Reads, checks and imports the menu at `path` into `store`. Prices are in `currency`, or
/// where none is given (and the menu names none) in the catalog's current currency.
pub async fn import(
    store: &crate::store::Store,
    path: &Path,
    currency: Option<&str>,
) -> Result<ImportSummary, ImportError> {
    import_for(store, path, currency, None).await
}

/// [`import`] for a store whose profile sells in `profile_currency`: a menu priced in another
/// is refused (orders would mix currencies), and nothing is imported.
pub async fn import_for(
    store: &crate::store::Store,
    path: &Path,
    currency: Option<&str>,
    profile_currency: Option<&str>,
) -> Result<ImportSummary, ImportError> {
    let currency = match currency {
        Some(c) => c.to_owned(),
        None => match profile_currency {
            Some(c) => c.to_owned(),
            None => store
                .catalog_currency()
                .await?
                .unwrap_or_else(|| "USD".into()),
        },
    };
    let path = path.to_owned();
    let source = path.display().to_string();
    // Files and pictures are read and decoded off the async threads.
    let menu = tokio::task::spawn_blocking(move || read(&path, &currency))
        .await
        .map_err(|e| ImportError::Interrupted(e.to_string()))?
        .map_err(ImportError::Invalid)?;
    if let Some(want) = profile_currency
        && menu.currency != want
    {
        return Err(ImportError::Invalid(vec![Problem {
            file: source,
            line: None,
            field: Some("currency".into()),
            message: format!(
                "the menu is priced in {} but the store profile sells in {want}: price it in \
                 {want}, or change the profile's currency first",
                menu.currency
            ),
        }]));
    }
    tracing::info!(
        categories = menu.categories.len(),
        products = menu.products.len(),
        "menu checked; importing"
    );
    Ok(store.import_menu(&menu).await?)
}
