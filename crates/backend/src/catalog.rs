//! Catalog service (customer backend): categories and products, paged, filtered, searched.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use customerclient_api::catalog::{
    self as api, Category, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Product, ProductPage, ProductQuery,
    Recommendations,
};

use crate::AppState;
use crate::error::AppError;
use crate::extract::{ApiPath, ApiQuery};
use crate::store::ProductFilter;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(api::CATEGORIES_PATH, get(categories))
        .route(api::PRODUCTS_PATH, get(products))
        .route(&format!("{}/{{id}}", api::PRODUCTS_PATH), get(product))
        .route(
            &format!("{}/{{id}}/also-bought", api::PRODUCTS_PATH),
            get(also_bought),
        )
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

async fn products(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ProductQuery>,
) -> Result<Json<ProductPage>, AppError> {
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
    let category_id = match query
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
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
    Ok(Json(ProductPage {
        items,
        page,
        per_page,
        total,
    }))
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
