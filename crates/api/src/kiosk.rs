//! Who is calling: every kiosk sends its stable id (and, if set, its store's label and its
//! build) on every request, so operators and logs can tell kiosks apart. A label only: the
//! backend never trusts it for anything, and a client may send any value or none.

use crate::endpoint::Endpoint as _;

/// The kiosk's stable id, e.g. `kiosk-3f2a…`.
pub const KIOSK_ID_HEADER: &str = "X-Kiosk-Id";
/// The store the kiosk stands in, as its operator named it.
pub const KIOSK_STORE_HEADER: &str = "X-Kiosk-Store";
/// The kiosk's build, e.g. `0.1.0`.
pub const KIOSK_VERSION_HEADER: &str = "X-Kiosk-Version";

/// `GET`: the kiosks the backend has heard from, most recently seen first (staff only).
pub const KIOSKS_PATH: &str = crate::endpoint::GetKiosks::ROUTE;

/// Longest id, store label or version kept.
pub const MAX_LABEL: usize = 64;

/// Whether `id` can be a kiosk id: 1–64 ASCII letters, digits, `-`, `_` or `.`.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LABEL
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A store label or version as kept: trimmed, control characters dropped, at most 64
/// characters; `None` when nothing is left.
pub fn clean_label(label: &str) -> Option<String> {
    let visible: String = label.chars().filter(|c| !c.is_control()).collect();
    let cleaned: String = visible.trim().chars().take(MAX_LABEL).collect();
    let cleaned = cleaned.trim_end();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

/// How often a kiosk sends its heartbeat.
pub const HEARTBEAT_SECONDS: u64 = 30;
/// A kiosk is offline once this many heartbeats in a row are missing.
pub const MISSED_FOR_OFFLINE: u64 = 3;
/// Errors one heartbeat carries at most, and characters of each.
pub const MAX_ERRORS: usize = 20;
pub const MAX_ERROR_CHARS: usize = 200;

/// A kiosk's heartbeat (`POST /kiosk/heartbeat`, with its `X-Kiosk-Id`): its screen and
/// the errors it met since the last one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Heartbeat {
    /// e.g. `1920x1080`.
    pub screen: String,
    #[schema(max_items = 20)]
    pub errors: Vec<String>,
}

/// One kiosk as the backend last saw it (times are Unix ms).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct KioskSeen {
    pub id: String,
    pub store: Option<String>,
    pub version: Option<String>,
    pub first_seen: i64,
    pub last_seen: i64,
    /// When its last heartbeat came (`None`: it never sent one).
    pub heartbeat_at: Option<i64>,
    pub screen: Option<String>,
    /// The errors its last heartbeat reported.
    pub last_errors: Vec<String>,
    pub errors_total: i64,
}

impl KioskSeen {
    /// Online while its heartbeats come: offline after [`MISSED_FOR_OFFLINE`] missed.
    pub fn online_at(&self, now_ms: i64) -> bool {
        let limit = (HEARTBEAT_SECONDS * MISSED_FOR_OFFLINE * 1000) as i64;
        self.heartbeat_at.is_some_and(|at| now_ms - at < limit)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct KioskList {
    pub kiosks: Vec<KioskSeen>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_ascii_labels() {
        assert!(valid_id("kiosk-3f2a.store_7"));
        assert!(!valid_id(""));
        assert!(!valid_id("kiosk 1"));
        assert!(!valid_id("kiosk\n1"));
        assert!(!valid_id(&"k".repeat(65)));
        assert!(valid_id(&"k".repeat(64)));
    }

    #[test]
    fn labels_lose_control_characters_and_length() {
        assert_eq!(clean_label("  Arbat 12 \u{7}").as_deref(), Some("Arbat 12"));
        assert_eq!(clean_label(" \t "), None);
        assert_eq!(clean_label(&"ы".repeat(100)).unwrap().chars().count(), 64);
    }
}
