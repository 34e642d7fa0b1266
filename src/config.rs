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
    /// With no touch for this long, the kiosk forgets the customer and shows the attract screen.
    pub idle_timeout: Duration,
    /// The confirmation screen returns to the attract screen after this long.
    pub confirmation_timeout: Duration,
    /// Language a new customer is greeted in.
    pub language: Language,
    /// The embedded backend's delivery simulator runs this many times faster than real time
    /// (so a demo delivery takes minutes); `None` turns it off.
    pub simulator_speed: Option<f64>,
    /// The embedded backend grows its demo catalog to this many products (benchmarks).
    pub catalog_size: Option<usize>,
}

impl KioskConfig {
    pub fn new(backend: BackendTarget) -> Self {
        Self {
            backend,
            request_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(90),
            confirmation_timeout: Duration::from_secs(45),
            language: Language::En,
            simulator_speed: Some(10.0),
            catalog_size: None,
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
