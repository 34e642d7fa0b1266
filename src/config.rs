//! Run-time settings of the kiosk.

use std::time::Duration;

use bevy::prelude::*;
use customerclient_api::settings::Language;

/// Where the backend is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendTarget {
    /// Start the backend inside this process on a loopback port, storing in `database_url`.
    Embedded { database_url: String },
    /// Talk to a separately running backend, e.g. `http://10.0.0.5:8080`.
    Remote { base_url: String },
}

#[derive(Resource, Debug, Clone)]
pub struct KioskConfig {
    pub backend: BackendTarget,
    /// Per-request limit; a slower answer counts as a failure and is retried or reported.
    pub request_timeout: Duration,
    /// With no touch for this long, the kiosk forgets the customer and shows the attract
    /// screen; `None` takes the store profile's ([`crate::store_profile::Store::idle`]).
    pub idle_timeout: Option<Duration>,
    /// The confirmation screen returns to the attract screen after this long.
    pub confirmation_timeout: Duration,
    /// Language a new customer is greeted in; `None` takes the store profile's default.
    pub language: Option<Language>,
    /// The embedded backend's delivery simulator runs this many times faster than real time
    /// (so a demo delivery takes minutes); `None` turns it off.
    pub simulator_speed: Option<f64>,
    /// The embedded backend grows its demo catalog to this many products (benchmarks).
    pub catalog_size: Option<usize>,
    /// The argon2 hash of the staff PIN (`--staff-pin-hash`); without one the staff gesture
    /// opens nothing.
    pub staff_pin_hash: Option<String>,
    /// The embedded backend's store profile (TOML, `--store-profile`); the demo's without.
    pub store_profile: Option<std::path::PathBuf>,
    /// Who this kiosk is, sent on every request (see [`customerclient_api::kiosk`]).
    pub identity: KioskIdentity,
    /// Where the kiosk keeps a copy of its last menu, to show while the backend does not
    /// answer (`menu_copy.rs`); `None` keeps none.
    pub menu_copy_dir: Option<std::path::PathBuf>,
}

/// The name a kiosk gives the backend: a label for operators and logs, not a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskIdentity {
    /// Stable across restarts: `--kiosk-id`, or generated once and kept beside its data.
    pub id: String,
    /// The store it stands in, as the operator names it (`--store`).
    pub store: Option<String>,
    pub version: String,
}

impl KioskIdentity {
    /// `kiosk-<random>` for a kiosk that was given no id: the same on every run of this
    /// machine once `kiosk-id` in `dir` holds it.
    pub fn kept_in(dir: &std::path::Path) -> Self {
        let path = dir.join("kiosk-id");
        let kept = std::fs::read_to_string(&path)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| customerclient_api::kiosk::valid_id(s));
        let id = kept.unwrap_or_else(|| {
            let id = format!("kiosk-{}", uuid::Uuid::new_v4().simple());
            // Written whole then renamed: a crash never leaves half an id to be read back.
            let tmp = dir.join("kiosk-id.tmp");
            let kept = std::fs::create_dir_all(dir)
                .and_then(|_| std::fs::write(&tmp, format!("{id}\n")))
                .and_then(|_| std::fs::rename(&tmp, &path));
            if let Err(e) = kept {
                warn!("cannot keep the kiosk id in {}: {e}", path.display());
            }
            id
        });
        Self::named(id)
    }

    pub fn named(id: String) -> Self {
        Self {
            id,
            store: None,
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

impl KioskConfig {
    pub fn new(backend: BackendTarget) -> Self {
        Self {
            backend,
            request_timeout: Duration::from_secs(10),
            idle_timeout: None,
            confirmation_timeout: Duration::from_secs(45),
            language: None,
            simulator_speed: Some(10.0),
            catalog_size: None,
            store_profile: None,
            staff_pin_hash: None,
            identity: KioskIdentity::named("kiosk-unnamed".into()),
            menu_copy_dir: None,
        }
    }

    /// The embedded backend with its SQLite file in the user's data directory.
    pub fn embedded_default() -> Self {
        let path = customerclient_backend::default_database_path();
        Self::new(BackendTarget::Embedded {
            database_url: customerclient_backend::sqlite_url(&path),
        })
    }
}

impl KioskConfig {
    /// The saved menu's file and its pictures' folder for the backend this kiosk talks to (a
    /// copy of another backend's menu is never shown); `None` when no copy is kept.
    pub fn menu_copy_paths(&self) -> Option<(std::path::PathBuf, std::path::PathBuf)> {
        let dir = self.menu_copy_dir.as_ref()?;
        let name = match &self.backend {
            BackendTarget::Embedded { .. } => "embedded".to_owned(),
            // The name outlives the kiosk's build: a hash that is the same in every release
            // (std's `DefaultHasher` is not promised to be).
            BackendTarget::Remote { base_url } => {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(base_url.trim_end_matches('/').as_bytes());
                digest[..8].iter().map(|b| format!("{b:02x}")).collect()
            }
        };
        Some((
            dir.join(format!("menu-{name}.json")),
            dir.join(format!("pictures-{name}")),
        ))
    }
}
