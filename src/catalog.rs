//! The catalog as the kiosk knows it: categories, products and the store's profile (with its
//! delivery zones) loaded through
//! the bridge (retried with back-off while the backend is away), and product pictures turned
//! into Bevy images on demand.

use std::collections::HashMap;
use std::time::Duration;

use bevy::asset::RenderAssetUsages;
use bevy::image::Image;
use bevy::prelude::*;

use crate::schedule::KioskSet;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use customerclient_api::catalog::{CatalogNews, Category, Product};
use customerclient_api::orders::DeliveryInfo;
use uuid::Uuid;

use customerclient_api::catalog::ProductQuery;
use customerclient_api::endpoint as e;

use crate::bridge::{
    BackendConnected, Bridge, BridgeError, Call, CatalogNewsReceived, ImageReply, Reply, RequestId,
};

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Catalog>()
        .init_resource::<ProductImages>()
        .add_systems(
            Update,
            (
                (load_catalog, follow_sold_out)
                    .chain()
                    .in_set(KioskSet::Receive),
                receive_images.in_set(KioskSet::Receive),
                (retry_catalog, reload_new_menu).in_set(KioskSet::Timers),
            ),
        );
}

/// Products fetched per request while loading the catalog.
pub const PAGE_SIZE: u32 = 200;

#[derive(Debug, Clone, PartialEq)]
pub enum LoadState {
    /// Waiting for the backend to come up.
    Connecting,
    Loading,
    Ready,
    /// Loading failed; tried again at `retry_at` (seconds of app time).
    Failed {
        message: String,
        retry_at: f64,
    },
}

#[derive(Resource, Debug)]
pub struct Catalog {
    pub state: LoadState,
    pub categories: Vec<Category>,
    pub products: Vec<Product>,
    index: HashMap<i64, usize>,
    pub delivery: Option<DeliveryInfo>,
    pending: Vec<RequestId>,
    /// Pages of products received so far, by page number (they may arrive out of order).
    pages: std::collections::BTreeMap<u32, Vec<Product>>,
    failures: u32,
    /// The latest news of what is sold out (applied again to a catalog loaded after it).
    news: Option<CatalogNews>,
    /// The menu's version the loaded catalog is (as the news said when loading began).
    menu_version: Option<u64>,
    /// Categories of a load behind the saved copy, until it completes.
    pages_categories: Option<Vec<Category>>,
    /// The menu shown is the kiosk's saved copy (`menu_copy.rs`): the backend did not answer.
    pub from_copy: bool,
    /// A load is under way behind a menu that stays shown (the saved copy's).
    refreshing: bool,
    /// When the next load behind the saved copy is due (app seconds).
    pub refresh_at: f64,
}

impl Default for Catalog {
    fn default() -> Self {
        Self {
            state: LoadState::Connecting,
            categories: Vec::new(),
            products: Vec::new(),
            index: HashMap::new(),
            delivery: None,
            pending: Vec::new(),
            pages: Default::default(),
            failures: 0,
            news: None,
            menu_version: None,
            pages_categories: None,
            from_copy: false,
            refreshing: false,
            refresh_at: 0.0,
        }
    }
}

impl Catalog {
    pub fn product(&self, id: i64) -> Option<&Product> {
        self.index.get(&id).map(|&i| &self.products[i])
    }

    pub fn is_ready(&self) -> bool {
        self.state == LoadState::Ready
    }

    /// Products of one category (or all), in catalog order.
    pub fn in_category(&self, category: Option<i64>) -> impl Iterator<Item = &Product> {
        self.products
            .iter()
            .filter(move |p| category.is_none_or(|c| p.category_id == c))
    }

    /// Replaces the loaded products (also used by benchmarks and tests with generated catalogs).
    pub fn set_products(&mut self, products: Vec<Product>) {
        self.index = products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        self.products = products;
    }

    /// Whether the backend has a newer menu than the one shown (an import since it loaded).
    pub fn menu_outdated(&self) -> bool {
        match (&self.news, self.menu_version) {
            (Some(news), Some(loaded)) => news.menu_version > loaded,
            _ => false,
        }
    }

    fn start_loading(&mut self, bridge: &Bridge) {
        self.menu_version = self.news.as_ref().map(|n| n.menu_version);
        self.pages.clear();
        // Behind the saved copy the menu stays shown until the backend's has come whole.
        self.refreshing = self.from_copy;
        if !self.refreshing {
            self.state = LoadState::Loading;
            self.categories.clear();
            self.set_products(Vec::new());
        }
        self.pending = vec![
            bridge.send(Call::<e::GetCategories>::empty()),
            bridge.send(Call::<e::GetStoreProfile>::empty()),
            bridge.send(products_page(1)),
        ];
    }
}

fn products_page(page: u32) -> Call<e::GetProducts> {
    Call::empty().query(ProductQuery {
        page: Some(page),
        per_page: Some(PAGE_SIZE),
        ..Default::default()
    })
}

/// Back-off after the n-th failure in a row: 1 s, 2 s, 4 s … up to 30 s.
pub fn retry_delay(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn load_catalog(
    mut connected: MessageReader<BackendConnected>,
    mut categories: MessageReader<Reply<e::GetCategories>>,
    mut profile: MessageReader<Reply<e::GetStoreProfile>>,
    mut beat: ResMut<crate::heartbeat::Heartbeat>,
    mut products: MessageReader<Reply<e::GetProducts>>,
    mut catalog: ResMut<Catalog>,
    bridge: Res<Bridge>,
    time: Res<Time>,
) {
    for BackendConnected(result) in connected.read() {
        match result {
            Ok(_) => catalog.start_loading(&bridge),
            Err(e) => {
                beat.note(time.elapsed_secs_f64(), format!("no backend: {e}"));
                catalog.state = LoadState::Failed {
                    message: e.to_string(),
                    retry_at: f64::INFINITY,
                }
            }
        }
    }
    let now = time.elapsed_secs_f64();
    let mut fresh_categories = None;
    for reply in categories.read() {
        if let Some(c) = catalog.answered(reply.id, &reply.result, now) {
            fresh_categories = Some(c.clone());
        }
    }
    for reply in profile.read() {
        if let Some(p) = catalog.answered(reply.id, &reply.result, now) {
            // The rest of the profile is the store module's (it reads the same reply).
            catalog.delivery = Some(p.delivery.clone());
        }
    }
    if let Some(c) = fresh_categories {
        if catalog.refreshing {
            catalog.pages_categories = Some(c);
        } else {
            catalog.categories = c;
        }
    }
    for reply in products.read() {
        let Some(page) = catalog.answered(reply.id, &reply.result, now) else {
            continue;
        };
        if page.page == 1 && catalog.products.is_empty() {
            // The first screens need only the first page: show it while the rest of a
            // large catalog arrives (the catalog stays `Loading` until then).
            catalog.set_products(page.items.clone());
        }
        catalog.pages.insert(page.page, page.items.clone());
        // The first page tells how many there are: ask for all the others at once, so a
        // large catalog costs one round trip more than a small one, not fifty.
        if page.page == 1 && page.has_more() {
            let last = page.total.div_ceil(page.per_page.max(1) as u64) as u32;
            for n in 2..=last {
                let next = bridge.send(products_page(n));
                catalog.pending.push(next);
            }
        }
    }
    if catalog.pending.is_empty() && (catalog.state == LoadState::Loading || catalog.refreshing) {
        let all: Vec<Product> = std::mem::take(&mut catalog.pages)
            .into_values()
            .flatten()
            .collect();
        if let Some(c) = catalog.pages_categories.take() {
            catalog.categories = c;
        }
        if catalog.from_copy {
            info!("the backend answers again: its menu replaces the saved copy");
        }
        catalog.from_copy = false;
        catalog.refreshing = false;
        catalog.set_products(all);
        catalog.failures = 0;
        catalog.state = LoadState::Ready;
        info!(
            "catalog loaded: {} categories, {} products",
            catalog.categories.len(),
            catalog.products.len()
        );
    }
}

impl Catalog {
    /// Marks what the news says is sold out, and everything else available; true when a
    /// product changed (only then is the catalog written, so screens redraw only then).
    fn apply_news(&mut self) -> bool {
        let Some(news) = &self.news else {
            return false;
        };
        let changed: Vec<usize> = self
            .products
            .iter()
            .enumerate()
            .filter(|(_, p)| p.available == news.sold_out.contains(&p.id))
            .map(|(i, _)| i)
            .collect();
        for &i in &changed {
            let p = &mut self.products[i];
            p.available = !p.available;
        }
        !changed.is_empty()
    }
}

/// What is sold out, as the catalog's stream says (within a second of the operator's
/// switch): the products change in place; a catalog that finishes loading afterwards takes
/// the latest news too.
pub(crate) fn follow_sold_out(
    mut news: MessageReader<CatalogNewsReceived>,
    mut catalog: ResMut<Catalog>,
    bridge: Res<Bridge>,
) {
    let mut arrived = false;
    for CatalogNewsReceived(n) in news.read() {
        let c = catalog.bypass_change_detection();
        // A catalog loaded before any news is the menu the first news names.
        c.menu_version = c.menu_version.or(Some(n.menu_version));
        c.news = Some(n.clone());
        arrived = true;
    }
    if arrived {
        // News comes when the stream (re)connects — a restarted backend may bring a new
        // profile — and when the catalog changes: the profile is asked again, and taken only
        // if it differs (store_profile.rs).
        bridge.send(Call::<e::GetStoreProfile>::empty());
    }
    let loaded = catalog.is_changed() && catalog.is_ready();
    if (arrived || loaded) && catalog.bypass_change_detection().apply_news() {
        catalog.set_changed();
        info!(
            "availability changed: {} sold out",
            catalog.news.as_ref().map_or(0, |n| n.sold_out.len())
        );
    }
}

impl Catalog {
    /// The answer to one of the loading requests, once: `None` for someone else's reply, a
    /// late one, or a failure (which fails the whole load, to be tried again after a while).
    fn answered<'a, T>(
        &mut self,
        id: RequestId,
        result: &'a Result<T, BridgeError>,
        now: f64,
    ) -> Option<&'a T> {
        let pos = self.pending.iter().position(|&p| p == id)?;
        self.pending.swap_remove(pos);
        match result {
            Ok(value) => Some(value),
            Err(e) if self.refreshing => {
                // The saved copy stays shown; another try later.
                self.failures += 1;
                self.refreshing = false;
                self.pending.clear();
                self.pages.clear();
                self.pages_categories = None;
                self.refresh_at = now + retry_delay(self.failures).as_secs_f64();
                debug!("the backend is still away: {e}");
                None
            }
            Err(e) => {
                warn!("catalog request failed: {e}");
                self.failures += 1;
                let delay = retry_delay(self.failures);
                self.pending.clear();
                self.state = LoadState::Failed {
                    message: e.to_string(),
                    retry_at: now + delay.as_secs_f64(),
                };
                None
            }
        }
    }
}

/// A new menu (an import while the kiosk runs) is loaded when nobody is shopping: on the
/// attract screen, never under a customer's finger.
fn reload_new_menu(
    mut catalog: ResMut<Catalog>,
    bridge: Res<Bridge>,
    screen: Res<State<crate::screen::Screen>>,
) {
    if catalog.is_ready()
        && catalog.menu_outdated()
        && *screen.get() == crate::screen::Screen::Attract
        && bridge.is_connected()
    {
        info!("a new menu: loading it");
        catalog.start_loading(&bridge);
    }
}

fn retry_catalog(mut catalog: ResMut<Catalog>, bridge: Res<Bridge>, time: Res<Time>) {
    let now = time.elapsed_secs_f64();
    let due = match catalog.state {
        LoadState::Failed { retry_at, .. } => now >= retry_at,
        // Behind the saved copy: the backend's menu, when it answers again.
        LoadState::Ready => catalog.from_copy && !catalog.refreshing && now >= catalog.refresh_at,
        _ => false,
    };
    if due && bridge.is_connected() {
        catalog.start_loading(&bridge);
    }
}

impl Catalog {
    /// Shows the kiosk's saved copy of its last menu (at start, before the backend has
    /// answered, or when it does not): a load under way goes on behind it, and the backend's
    /// menu replaces the copy when it has come whole — the screen never blank in between.
    pub fn show_copy(
        &mut self,
        categories: Vec<Category>,
        products: Vec<Product>,
        delivery: DeliveryInfo,
        now: f64,
    ) {
        self.categories = categories;
        self.set_products(products);
        self.delivery = Some(delivery);
        self.from_copy = true;
        self.refreshing = self.state == LoadState::Loading;
        if !self.refreshing {
            self.pending.clear();
            self.pages.clear();
            self.refresh_at = now + retry_delay(self.failures.max(1)).as_secs_f64();
        }
        self.state = LoadState::Ready;
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImageSlot {
    Loading(RequestId),
    Ready(Handle<Image>),
    /// Failed at this app time; asked for again after [`IMAGE_RETRY_SECONDS`].
    Failed(f64),
}

/// A picture that failed (backend away, say) is fetched again after this long.
pub const IMAGE_RETRY_SECONDS: f64 = 10.0;

/// Product pictures by file id: requested when a card first needs one, kept afterwards.
#[derive(Resource, Default)]
pub struct ProductImages {
    slots: HashMap<Uuid, ImageSlot>,
    by_request: HashMap<RequestId, Uuid>,
    now: f64,
}

impl ProductImages {
    /// The picture if it is ready; otherwise starts loading it (once) and returns `None`.
    pub fn get_or_request(&mut self, id: Uuid, bridge: &Bridge) -> Option<Handle<Image>> {
        match self.slots.get(&id) {
            Some(ImageSlot::Ready(h)) => Some(h.clone()),
            Some(ImageSlot::Loading(_)) => None,
            Some(ImageSlot::Failed(at)) if self.now - at < IMAGE_RETRY_SECONDS => None,
            _ => {
                if !bridge.is_connected() {
                    return None;
                }
                let req = bridge.fetch_image(id);
                self.slots.insert(id, ImageSlot::Loading(req));
                self.by_request.insert(req, id);
                None
            }
        }
    }

    pub fn get(&self, id: Uuid) -> Option<&ImageSlot> {
        self.slots.get(&id)
    }

    /// Pictures requested and not yet arrived.
    pub fn loading(&self) -> usize {
        self.by_request.len()
    }
}

fn receive_images(
    mut replies: MessageReader<ImageReply>,
    mut images: ResMut<ProductImages>,
    assets: Option<ResMut<Assets<Image>>>,
    time: Res<Time>,
) {
    let now = time.elapsed_secs_f64();
    images.now = now;
    let mut assets = assets;
    for reply in replies.read() {
        let Some(id) = images.by_request.remove(&reply.id) else {
            continue;
        };
        let slot = match (&reply.result, assets.as_mut()) {
            (Ok(image), Some(assets)) => {
                let img = Image::new(
                    Extent3d {
                        width: image.width,
                        height: image.height,
                        depth_or_array_layers: 1,
                    },
                    TextureDimension::D2,
                    image.rgba.clone(),
                    TextureFormat::Rgba8UnormSrgb,
                    RenderAssetUsages::RENDER_WORLD,
                );
                ImageSlot::Ready(assets.add(img))
            }
            (Ok(_), None) => ImageSlot::Failed(now),
            (Err(e), _) => {
                warn!("picture {id} failed: {e}");
                ImageSlot::Failed(now)
            }
        };
        images.slots.insert(id, slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_backs_off_and_caps() {
        assert_eq!(retry_delay(1), Duration::from_secs(1));
        assert_eq!(retry_delay(2), Duration::from_secs(2));
        assert_eq!(retry_delay(4), Duration::from_secs(8));
        assert_eq!(retry_delay(40), Duration::from_secs(30));
    }
}
