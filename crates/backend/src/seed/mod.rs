//! Seeds the demo catalog (categories, dishes and their pictures) into an empty database.

pub mod art;
pub mod history;
pub mod menu;
pub mod video;

use customerclient_api::Money;
use customerclient_api::catalog::Category;
use uuid::Uuid;

use crate::store::{NewProduct, Store, StoreError};

/// Writes the demo menu, the demo customer and a year of order history if the catalog is
/// empty; a catalog with products is left alone.
pub async fn seed_demo_catalog(
    store: &Store,
    map: &customerclient_api::city::CityMap,
    profile: &customerclient_api::profile::StoreProfile,
    videos: bool,
    catalog_size: Option<usize>,
) -> Result<(), StoreError> {
    if store.product_count().await? > 0 {
        return Ok(());
    }
    let started = std::time::Instant::now();
    // Drawing is CPU work; do it on a blocking thread, all at once.
    let pictures = tokio::task::spawn_blocking(draw_all)
        .await
        .map_err(|e| StoreError::Db(sqlx::Error::Protocol(e.to_string())))?;
    let clips = if videos {
        tokio::task::spawn_blocking(make_clips)
            .await
            .map_err(|e| StoreError::Db(sqlx::Error::Protocol(e.to_string())))?
    } else {
        Vec::new()
    };
    let mut clips = clips.into_iter();
    let mut pictures = pictures.into_iter();
    let mut product_id = 0;
    // (category, dish, picture) of every dish, for growing a benchmark catalog from them.
    let mut seeded: Vec<(i64, &menu::DemoDish, Uuid)> = Vec::new();
    for (ci, cat) in menu::MENU.iter().enumerate() {
        let mut cover = None;
        let mut dish_images = Vec::new();
        for _ in cat.dishes {
            let png = pictures.next().unwrap_or_default();
            let id = Uuid::new_v4();
            store.insert_file(id, "image/png", &png).await?;
            cover.get_or_insert(id);
            dish_images.push(id);
        }
        let category = Category {
            id: ci as i64 + 1,
            slug: cat.slug.into(),
            name: cat.name.into(),
            description: cat.description.into(),
            image_id: cover,
            texts: Vec::new(),
        };
        store.insert_category(&category, ci as i64).await?;
        for (di, (d, image)) in cat.dishes.iter().zip(dish_images).enumerate() {
            product_id += 1;
            seeded.push((category.id, d, image));
            let video_id = match video::has_video(di)
                .then(|| clips.next())
                .flatten()
                .flatten()
            {
                Some(clip) => {
                    let id = Uuid::new_v4();
                    store.insert_file(id, "video/mp4", &clip).await?;
                    Some(id)
                }
                None => None,
            };
            store
                .insert_product(&NewProduct {
                    id: product_id,
                    category_id: category.id,
                    name: d.name,
                    description: d.description,
                    price: &Money::new(d.price, &*profile.currency),
                    image_id: Some(image),
                    video_id,
                    available: d.available,
                    position: di as i64,
                })
                .await?;
        }
    }
    if let Some(size) = catalog_size.filter(|s| *s > seeded.len()) {
        grow_catalog(store, &seeded, size, &profile.currency).await?;
    }
    history::seed_history(store, map, profile, customerclient_api::clock::now_ms()).await?;
    tracing::info!(
        products = product_id,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo catalog seeded"
    );
    Ok(())
}

/// Adds numbered variants of the demo dishes (sharing their pictures) until the catalog has
/// `size` products: the large catalogs of the benchmarks.
async fn grow_catalog(
    store: &Store,
    seeded: &[(i64, &menu::DemoDish, Uuid)],
    size: usize,
    currency: &str,
) -> Result<(), StoreError> {
    let start = store.product_max_id().await? + 1;
    let extra = size - seeded.len();
    let names: Vec<String> = (0..extra)
        .map(|k| {
            let (_, d, _) = seeded[k % seeded.len()];
            format!("{} No. {}", d.name, k / seeded.len() + 2)
        })
        .collect();
    let prices: Vec<Money> = (0..extra)
        .map(|k| {
            Money::new(
                seeded[k % seeded.len()].1.price + (k % 7) as i64 * 1000,
                currency,
            )
        })
        .collect();
    let products: Vec<NewProduct> = (0..extra)
        .map(|k| {
            let (category_id, d, image) = seeded[k % seeded.len()];
            NewProduct {
                id: start + k as i64,
                category_id,
                name: &names[k],
                description: d.description,
                price: &prices[k],
                image_id: Some(image),
                video_id: None,
                available: true,
                position: 1000 + k as i64,
            }
        })
        .collect();
    for chunk in products.chunks(2000) {
        store.insert_products(chunk).await?;
    }
    Ok(())
}

/// The clips of the dishes that have one, in menu order; drawn once per process like the
/// pictures (a `None` is a picture that failed to become a clip: that dish has no video).
fn make_clips() -> Vec<Option<Vec<u8>>> {
    static CLIPS: std::sync::OnceLock<Vec<Option<Vec<u8>>>> = std::sync::OnceLock::new();
    CLIPS
        .get_or_init(|| {
            let pictures = draw_all();
            let mut i = 0;
            let mut sources = Vec::new();
            for cat in menu::MENU {
                for di in 0..cat.dishes.len() {
                    if video::has_video(di) {
                        sources.push(&pictures[i]);
                    }
                    i += 1;
                }
            }
            // Encoding is the slow part of seeding: spread it over the cores.
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
            let chunk = sources.len().div_ceil(threads).max(1);
            std::thread::scope(|s| {
                let handles: Vec<_> = sources
                    .chunks(chunk)
                    .map(|part| {
                        s.spawn(move || {
                            part.iter().map(|p| video::dish_clip(p)).collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_default())
                    .collect()
            })
        })
        .clone()
}

/// Every dish picture in menu order. Drawn once per process and reused (tests open many stores).
fn draw_all() -> Vec<Vec<u8>> {
    static PICTURES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    PICTURES
        .get_or_init(|| {
            let mut out = Vec::new();
            for cat in menu::MENU {
                for (i, d) in cat.dishes.iter().enumerate() {
                    out.push(art::dish_png(cat.slug, i, d.accent, out.len() as u64 + 7));
                }
            }
            out
        })
        .clone()
}
