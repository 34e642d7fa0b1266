#![allow(dead_code)] // each test binary uses some of the helpers
//! Helpers shared by the backend's integration tests.

pub mod smtp;

use std::time::{Duration, Instant};

/// Polls `check` until it yields, failing with `what` after `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The 6-digit code in a message's subject ("…: 123456").
pub fn code_in(message: &str) -> Option<String> {
    let line = message
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("subject:"))?;
    let digits: String = line
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (digits.len() == 6).then(|| digits.chars().rev().collect())
}

/// Codes of the `.eml` messages in `dir` that mention `needle`, oldest first.
pub fn outbox_codes(dir: &std::path::Path, needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, String)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            let modified = e.metadata().ok()?.modified().ok()?;
            text.contains(needle)
                .then(|| code_in(&text).map(|c| (modified, c)))?
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, c)| c).collect()
}
