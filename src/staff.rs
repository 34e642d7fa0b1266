//! Staff mode: a hidden gesture (five taps on the store's name within three seconds) opens a
//! PIN keypad; the right PIN (checked against the argon2 hash in the kiosk's configuration,
//! off the frame's thread) opens the staff panel. Wrong tries are slowed down, doubling each
//! time; the keypad and the panel close after a minute alone. Its drawing is
//! `scenes/staff.rs`; the panel's facts come from the heartbeat and the bridge.

use std::collections::VecDeque;
use std::time::Duration;

use bevy::prelude::*;

use crate::config::KioskConfig;
use crate::schedule::KioskSet;
use crate::session::Activity;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<StaffMode>()
        .add_message::<StaffAction>()
        .add_systems(
            Update,
            (
                apply_staff_actions.in_set(KioskSet::Apply),
                (receive_verdict, close_when_alone).in_set(KioskSet::Timers),
            ),
        );
}

/// The PIN of the demo kiosk (the embedded backend) when none is configured.
pub const DEMO_PIN: &str = "2468";
/// Taps on the store's name that open the keypad, and the time they must fall within.
pub const GESTURE_TAPS: usize = 5;
pub const GESTURE_SECONDS: f64 = 3.0;
/// The keypad and the panel close after this long without a touch.
pub const ALONE_SECONDS: f64 = 60.0;
/// Longest wait after wrong tries.
pub const MAX_LOCKOUT_SECONDS: f64 = 300.0;
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StaffStage {
    #[default]
    Closed,
    Pin,
    Panel,
    /// The screen and touch test: a blank screen where every touch leaves a mark.
    ScreenTest,
}

/// What staff (or a test) can do.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum StaffAction {
    /// A tap on the store's name (most are customers'; five quick ones open the keypad).
    NameTapped,
    Key(char),
    Erase,
    Enter,
    Close,
    ScreenTest,
    /// A touch during the screen test, in logical pixels.
    TestTouch(Vec2),
    Restart,
    LeaveFullscreen,
    Quit,
}

#[derive(Resource, Debug, Default)]
pub struct StaffMode {
    pub stage: StaffStage,
    pub pin: String,
    /// Wrong tries in a row.
    pub wrong: u32,
    /// App time before which the keypad takes nothing (after a wrong try).
    pub locked_until: f64,
    /// The PIN is being checked (off the frame's thread).
    pub checking: bool,
    pub test_touches: Vec<Vec2>,
    /// Set for the view: leave fullscreen now.
    pub leave_fullscreen: bool,
    taps: VecDeque<f64>,
    verdict: Option<crossbeam_channel::Receiver<bool>>,
}

impl StaffMode {
    pub fn is_open(&self) -> bool {
        self.stage != StaffStage::Closed
    }

    /// Seconds the keypad still waits after a wrong try.
    pub fn lockout_left(&self, now: f64) -> f64 {
        (self.locked_until - now).max(0.0)
    }

    fn close(&mut self) {
        let keep = (self.wrong, self.locked_until);
        *self = StaffMode::default();
        // The slow-down survives closing the keypad: closing and reopening gains nothing.
        (self.wrong, self.locked_until) = keep;
    }
}

/// The wait after `wrong` wrong tries in a row: 1 s, 2 s, 4 s … up to five minutes.
pub fn lockout_after(wrong: u32) -> f64 {
    2f64.powi(wrong.saturating_sub(1).min(16) as i32)
        .min(MAX_LOCKOUT_SECONDS)
}

/// An argon2id PHC string for `pin`, for `--staff-pin-hash` (made by `--hash-staff-pin`).
pub fn hash_pin(pin: &str) -> Result<String, String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt =
        SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).map_err(|e| e.to_string())?;
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `pin` is the one `hash` was made from.
pub fn pin_matches(pin: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

fn apply_staff_actions(
    mut actions: MessageReader<StaffAction>,
    mut staff: ResMut<StaffMode>,
    config: Res<KioskConfig>,
    time: Res<Time>,
    mut activity: ResMut<Activity>,
    mut exit: MessageWriter<AppExit>,
) {
    let now = time.elapsed_secs_f64();
    for action in actions.read() {
        // Staff at the screen count as someone there (for the minute-alone close too).
        if *action != StaffAction::NameTapped {
            activity.last_touch = now;
        }
        match (staff.stage, action) {
            (StaffStage::Closed, StaffAction::NameTapped) => {
                staff.taps.push_back(now);
                while staff
                    .taps
                    .front()
                    .is_some_and(|t| now - t > GESTURE_SECONDS)
                {
                    staff.taps.pop_front();
                }
                if staff.taps.len() >= GESTURE_TAPS {
                    staff.taps.clear();
                    if config.staff_pin_hash.is_some() {
                        staff.stage = StaffStage::Pin;
                        info!("staff keypad opened");
                    } else {
                        warn!("staff gesture, but this kiosk has no staff PIN (--staff-pin-hash)");
                    }
                }
            }
            (_, StaffAction::NameTapped) => {}
            (StaffStage::Pin, StaffAction::Key(d))
                if d.is_ascii_digit()
                    && staff.lockout_left(now) == 0.0
                    && !staff.checking
                    && staff.pin.len() < *PIN_DIGITS.end() =>
            {
                staff.pin.push(*d);
            }
            (StaffStage::Pin, StaffAction::Erase) => {
                staff.pin.pop();
            }
            (StaffStage::Pin, StaffAction::Enter) => {
                if staff.lockout_left(now) > 0.0
                    || staff.checking
                    || !PIN_DIGITS.contains(&staff.pin.len())
                {
                    continue;
                }
                let Some(hash) = config.staff_pin_hash.clone() else {
                    continue;
                };
                let pin = std::mem::take(&mut staff.pin);
                let (tx, rx) = crossbeam_channel::bounded(1);
                // About 20 ms of argon2 with 19 MiB: never on the frame's thread.
                std::thread::spawn(move || {
                    let _ = tx.send(pin_matches(&pin, &hash));
                });
                staff.checking = true;
                staff.verdict = Some(rx);
            }
            (StaffStage::Panel, StaffAction::ScreenTest) => {
                staff.test_touches.clear();
                staff.stage = StaffStage::ScreenTest;
            }
            (StaffStage::ScreenTest, StaffAction::TestTouch(at))
                if staff.test_touches.len() < 500 =>
            {
                staff.test_touches.push(*at);
            }
            (StaffStage::ScreenTest, StaffAction::Close) => staff.stage = StaffStage::Panel,
            (_, StaffAction::Close) => staff.close(),
            (StaffStage::Panel, StaffAction::LeaveFullscreen) => {
                staff.leave_fullscreen = true;
                info!("staff: leaving fullscreen");
            }
            (StaffStage::Panel, StaffAction::Quit) => {
                info!("staff: quitting the kiosk");
                exit.write(AppExit::Success);
            }
            (StaffStage::Panel, StaffAction::Restart) => {
                info!("staff: restarting the kiosk");
                restart();
                exit.write(AppExit::Success);
            }
            _ => {}
        }
    }
}

/// Starts this program again with the same arguments; this one then exits.
fn restart() {
    let Ok(exe) = std::env::current_exe() else {
        error!("restart: cannot find this program");
        return;
    };
    if let Err(e) = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .spawn()
    {
        error!("restart: {e}");
    }
}

fn receive_verdict(mut staff: ResMut<StaffMode>, time: Res<Time>) {
    let Some(verdict) = staff.verdict.as_ref().and_then(|rx| rx.try_recv().ok()) else {
        return;
    };
    staff.verdict = None;
    staff.checking = false;
    if verdict {
        info!("staff panel opened");
        staff.wrong = 0;
        staff.locked_until = 0.0;
        staff.stage = StaffStage::Panel;
    } else {
        staff.wrong += 1;
        let wait = lockout_after(staff.wrong);
        staff.locked_until = time.elapsed_secs_f64() + wait;
        warn!(wrong = staff.wrong, wait_s = wait, "staff PIN refused");
    }
}

/// A minute with no touch closes the keypad or the panel: a kiosk left in staff mode is
/// never left open to the next customer.
fn close_when_alone(mut staff: ResMut<StaffMode>, activity: Res<Activity>, time: Res<Time>) {
    if staff.is_open() && time.elapsed_secs_f64() - activity.last_touch >= ALONE_SECONDS {
        info!("staff mode closed: a minute alone");
        staff.close();
    }
}

/// How long ago something happened, for the panel: `12 s`, `3 min`.
pub fn ago(d: Duration) -> String {
    let s = d.as_secs();
    if s < 120 {
        format!("{s} s")
    } else {
        format!("{} min", s / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_tries_wait_longer_each_time() {
        assert_eq!(lockout_after(1), 1.0);
        assert_eq!(lockout_after(2), 2.0);
        assert_eq!(lockout_after(5), 16.0);
        assert_eq!(lockout_after(40), MAX_LOCKOUT_SECONDS);
    }

    #[test]
    fn a_pin_matches_only_its_hash() {
        let hash = hash_pin("2468").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(pin_matches("2468", &hash));
        assert!(!pin_matches("2469", &hash));
        assert!(!pin_matches("2468", "not a hash"));
    }
}
