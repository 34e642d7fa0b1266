//! Catalog (customer backend): categories and products.

use crate::endpoint::Endpoint as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Money;
use crate::settings::Language;

pub const CATEGORIES_PATH: &str = crate::endpoint::GetCategories::ROUTE;
pub const CATALOG_NEWS_PATH: &str = crate::endpoint::GetCatalogNews::ROUTE;

/// What every kiosk hears on the catalog's stream (`GET /catalog/events`): when it connects
/// and whenever the catalog changes, its version and the products sold out now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CatalogNews {
    /// Grows with every change of the catalog (an import, a dish sold out or back).
    pub version: u64,
    /// Grows with every change of the menu itself (an import): a kiosk that loaded an older
    /// one loads it again.
    #[serde(default)]
    pub menu_version: u64,
    /// Listed products not available now; every other listed product is.
    pub sold_out: Vec<i64>,
}

/// The operator marks a dish sold out (`false`) or available again (`true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AvailabilityChange {
    pub available: bool,
}

/// A menu item's availability as it now stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MenuItemState {
    pub sku: String,
    pub available: bool,
}
pub const PRODUCTS_PATH: &str = crate::endpoint::GetProducts::ROUTE;

pub fn product_path(id: i64) -> String {
    crate::endpoint::GetProduct::path(&[&id])
}

/// Most products one page may hold; larger requests are clamped.
pub const MAX_PAGE_SIZE: u32 = 200;
pub const DEFAULT_PAGE_SIZE: u32 = 24;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Category {
    pub id: i64,
    /// Stable URL-friendly name, e.g. `rice-bowls`.
    pub slug: String,
    pub name: String,
    pub description: String,
    pub image_id: Option<Uuid>,
    /// Its name in the other languages the menu gives (`name` is the default language's).
    #[serde(default)]
    pub texts: Vec<LocalText>,
}

/// A name (and a product's description) in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LocalText {
    pub language: Language,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

fn local(texts: &[LocalText], language: Language) -> Option<&LocalText> {
    texts
        .iter()
        .find(|t| t.language == language && !t.name.is_empty())
}

impl Category {
    /// Its name in `language` when the menu gives one.
    pub fn name_in(&self, language: Language) -> Option<&str> {
        local(&self.texts, language).map(|t| t.name.as_str())
    }
}

impl Product {
    /// Its name in `language`, or the default one.
    pub fn name_in(&self, language: Language) -> &str {
        local(&self.texts, language).map_or(&self.name, |t| &t.name)
    }

    /// Its description in `language`, or the default one.
    pub fn description_in(&self, language: Language) -> &str {
        local(&self.texts, language)
            .filter(|t| !t.description.is_empty())
            .map_or(&self.description, |t| &t.description)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    pub id: i64,
    pub category_id: i64,
    pub name: String,
    pub description: String,
    pub price: Money,
    /// First one is the card image.
    pub image_ids: Vec<Uuid>,
    pub video_id: Option<Uuid>,
    pub available: bool,
    /// Its name and description in the other languages the menu gives.
    #[serde(default)]
    pub texts: Vec<LocalText>,
}

/// Query string of `GET /products`. `category` takes a slug or a numeric id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// 1-based.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductPage {
    pub items: Vec<Product>,
    pub page: u32,
    pub per_page: u32,
    /// Products matching the query over all pages.
    pub total: u64,
}

impl ProductPage {
    pub fn has_more(&self) -> bool {
        u64::from(self.page) * u64::from(self.per_page) < self.total
    }
}

/// "Customers also bought": products most often ordered together with this one.
pub fn also_bought_path(id: i64) -> String {
    crate::endpoint::GetAlsoBought::path(&[&id])
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recommendations {
    pub products: Vec<Product>,
}
