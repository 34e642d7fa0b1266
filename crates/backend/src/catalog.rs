//! Catalog service (customer backend): categories and products, paged, filtered, searched.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use customerclient_api::catalog::{
    Category, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Product, ProductPage, ProductQuery, Recommendations,
};

use crate::AppState;
use crate::error::AppError;
use crate::extract::{ApiPath, ApiQuery};
use crate::store::ProductFilter;

pub fn router() -> crate::routes::Routes {
    use customerclient_api::endpoint as e;
    crate::routes::Routes::new()
        .at(e::GetCategories, categories)
        .at(e::GetProducts, products)
        .at(e::GetProduct, product)
        .at(e::GetAlsoBought, also_bought)
}

async fn categories(State(state): State<AppState>) -> Result<Json<Vec<Category>>, AppError> {
    Ok(Json(
        state
            .store
            .categories()
            .await
            .map_err(anyhow::Error::from)?,
    ))
}

/// Product pages as sent, by query, for the catalog version they were read at. Every kiosk asks
/// for the same few pages over and over, and the catalog changes rarely.
#[derive(Default)]
pub struct PageCache {
    pages: std::sync::Mutex<std::collections::HashMap<PageKey, (u64, Bytes)>>,
}

/// Category as asked for, search text, page size, page.
type PageKey = (Option<String>, Option<String>, u32, u32);

/// Distinct queries kept; beyond that (searches, mostly) the cache starts over.
const CACHED_PAGES: usize = 4096;

impl PageCache {
    fn get(&self, key: &PageKey, version: u64) -> Option<Bytes> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages
            .get(key)
            .filter(|(v, _)| *v == version)
            .map(|(_, body)| body.clone())
    }

    fn put(&self, key: PageKey, version: u64, body: Bytes) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= CACHED_PAGES {
            pages.clear();
        }
        pages.insert(key, (version, body));
    }
}

fn json_body(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn products(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ProductQuery>,
) -> Result<Response, AppError> {
    let page = query.page.unwrap_or(1);
    if page == 0 {
        return Err(AppError::BadRequest {
            code: "invalid_query",
            message: "page starts at 1".into(),
        });
    }
    let per_page = query
        .per_page
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let category = query
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let text = query
        .q
        .as_deref()
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    if text.as_ref().is_some_and(|t| t.len() > 100) {
        return Err(AppError::BadRequest {
            code: "invalid_query",
            message: "search text is limited to 100 characters".into(),
        });
    }
    // Read before the query: a change while it runs then only makes the entry stale.
    let version = state
        .store
        .catalog_version()
        .await
        .map_err(anyhow::Error::from)?;
    let key = (category.map(str::to_owned), text.clone(), per_page, page);
    if let Some(body) = state.catalog_pages.get(&key, version) {
        return Ok(json_body(body));
    }
    let category_id = match category {
        Some(c) => Some(
            state
                .store
                .category_id(c)
                .await
                .map_err(anyhow::Error::from)?
                .ok_or(AppError::NotFound("category"))?,
        ),
        None => None,
    };
    let filter = ProductFilter {
        category_id,
        text: text.as_deref(),
        limit: per_page,
        offset: u64::from(page - 1) * u64::from(per_page),
    };
    let (items, total) = state
        .store
        .products(&filter)
        .await
        .map_err(anyhow::Error::from)?;
    let body = Bytes::from(
        serde_json::to_vec(&ProductPage {
            items,
            page,
            per_page,
            total,
        })
        .map_err(anyhow::Error::from)?,
    );
    state.catalog_pages.put(key, version, body.clone());
    Ok(json_body(body))
}

async fn product(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Product>, AppError> {
    state
        .store
        .product(id)
        .await
        .map_err(anyhow::Error::from)?
        .map(Json)
        .ok_or(AppError::NotFound("product"))
}

/// How many recommendations one product shows.
const RECOMMENDATIONS: i64 = 4;

/// "Customers also bought": the products most often in the same orders as this one.
async fn also_bought(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Recommendations>, AppError> {
    if state
        .store
        .product(id)
        .await
        .map_err(anyhow::Error::from)?
        .is_none()
    {
        return Err(AppError::NotFound("product"));
    }
    let ids = state
        .store
        .also_bought(id, RECOMMENDATIONS)
        .await
        .map_err(anyhow::Error::from)?;
    let mut products = Vec::with_capacity(ids.len());
    for pid in ids {
        if let Some(p) = state
            .store
            .product(pid)
            .await
            .map_err(anyhow::Error::from)?
        {
            products.push(p);
        }
    }
    Ok(Json(Recommendations { products }))
}
