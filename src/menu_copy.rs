//! The kiosk's copy of its last menu: the categories, dishes and store profile the backend
//! last served (and, kept by the bridge as they are fetched, the pictures shown), on disk (`--menu-copy-dir`, one file per backend) and replaced whole —
//! written beside and renamed over — whenever the backend serves a different one. At start
//! the kiosk shows this copy at once; the backend's own menu replaces it as soon as it has
//! come (`catalog.rs`). Started while the backend does not answer, the kiosk goes on showing
//! the copy, says it is offline, and lets customers browse and fill a cart. It holds the menu
//! only: nothing of any customer is ever in it.

use std::path::PathBuf;

use bevy::prelude::*;
use customerclient_api::catalog::{Category, Product};
use customerclient_api::profile::StoreProfile;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::config::KioskConfig;
use crate::schedule::KioskSet;
use crate::store_profile::Store;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<MenuCopy>()
        .add_systems(Startup, read_copy)
        .add_systems(
            Update,
            (
                show_copy_while_unreachable
                    .in_set(KioskSet::Receive)
                    .after(crate::catalog::load_catalog),
                save_copy.in_set(KioskSet::Timers),
            ),
        );
}

/// The file's layout; a copy in another is ignored (and replaced at the next load).
const FORMAT: u32 = 1;

/// What is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedMenu {
    pub format: u32,
    /// When the backend served it, Unix ms.
    pub saved_at: i64,
    pub profile: StoreProfile,
    pub categories: Vec<Category>,
    pub products: Vec<Product>,
}

/// The copy read at start (if any), and what was last written.
#[derive(Resource, Debug, Default)]
pub struct MenuCopy {
    pub saved: Option<SavedMenu>,
    /// The file this kiosk's backend's copy lives in; `None`: no copy is kept.
    pub path: Option<PathBuf>,
    /// Where the pictures of the copy are kept (by the bridge, as it fetches them).
    pub pictures: Option<PathBuf>,
    written: Option<u64>,
}

fn read_copy(config: Res<KioskConfig>, mut copy: ResMut<MenuCopy>) {
    let Some((path, pictures)) = config.menu_copy_paths() else {
        return;
    };
    copy.pictures = Some(pictures);
    copy.saved = match std::fs::read(&path) {
        Ok(bytes) => match serde_json::from_slice::<SavedMenu>(&bytes) {
            Ok(saved) if saved.format == FORMAT => Some(saved),
            Ok(_) => None,
            Err(e) => {
                warn!("the saved menu {} is unreadable: {e}", path.display());
                None
            }
        },
        Err(_) => None,
    };
    copy.path = Some(path);
}

/// Nothing is shown yet (the backend is starting, loading, or does not answer): the saved
/// menu, with its profile, at once — a start is as quick as reading a file.
fn show_copy_while_unreachable(
    mut catalog: ResMut<Catalog>,
    copy: Res<MenuCopy>,
    mut store: ResMut<Store>,
    time: Res<Time>,
) {
    let Some(saved) = &copy.saved else {
        return;
    };
    if catalog.is_ready() || catalog.from_copy || !catalog.products.is_empty() {
        return;
    }
    info!(
        "showing the menu saved at {} ({} dishes) until the backend's comes",
        saved.saved_at,
        saved.products.len()
    );
    catalog.show_copy(
        saved.categories.clone(),
        saved.products.clone(),
        saved.profile.delivery.clone(),
        time.elapsed_secs_f64(),
    );
    if store.profile.is_none() {
        store.profile = Some(saved.profile.clone());
    }
}

/// Keeps the backend's menu when it is loaded and differs from the copy: written on a thread
/// of its own (no frame waits on the disk) beside the copy, then renamed over it, so a crash
/// leaves the old copy or the new one, never half of one.
fn save_copy(catalog: Res<Catalog>, store: Res<Store>, mut copy: ResMut<MenuCopy>) {
    if !catalog.is_changed() || !catalog.is_ready() || catalog.from_copy {
        return;
    }
    let (Some(path), Some(profile)) = (copy.path.clone(), store.profile.clone()) else {
        return;
    };
    if catalog.products.is_empty() {
        return;
    }
    // What is on the menu, without when: the same menu loaded again is not written again.
    let fingerprint = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        serde_json::to_vec(&(&profile, &catalog.categories, &catalog.products))
            .unwrap_or_default()
            .hash(&mut h);
        h.finish()
    };
    if copy.written == Some(fingerprint) {
        return;
    }
    let saved = SavedMenu {
        format: FORMAT,
        saved_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
        profile,
        categories: catalog.categories.clone(),
        products: catalog.products.clone(),
    };
    let Ok(bytes) = serde_json::to_vec(&saved) else {
        return;
    };
    copy.written = Some(fingerprint);
    let pictures = copy.pictures.clone();
    let shown: std::collections::HashSet<String> = saved
        .products
        .iter()
        .flat_map(|p| p.image_ids.iter().map(|id| id.to_string()))
        .collect();
    std::thread::spawn(move || {
        if let Err(e) = crate::bridge::write_whole(&path, &bytes) {
            warn!(
                "keeping a copy of the menu in {} failed: {e}",
                path.display()
            );
        }
        // Pictures of dishes no longer on the menu go.
        if let Some(dir) = pictures
            && let Ok(entries) = std::fs::read_dir(&dir)
        {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !shown.contains(&name) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    });
}
