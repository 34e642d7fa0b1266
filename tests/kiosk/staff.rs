//! Staff mode and the heartbeat, headless with the app's clock driven by the test: five taps on
//! the store's name within three seconds open the keypad (four, or five spread out, do not); a
//! wrong PIN is refused and the keypad then waits, longer each time; the right PIN opens the
//! panel; a minute alone closes it. The kiosk's heartbeat reaches the backend's kiosk list.

use bevy::time::TimeUpdateStrategy;
use customerclient::heartbeat::Heartbeat;
use customerclient::staff::{StaffAction, StaffMode, StaffStage, hash_pin};

use crate::harness::*;

fn staff(app: &App) -> &StaffMode {
    app.world().resource::<StaffMode>()
}

/// One frame `step` of app time later, with `action` sent in it.
fn act(app: &mut App, action: Option<StaffAction>) {
    if let Some(a) = action {
        app.world_mut().write_message(a);
    }
    app.update();
}

fn type_pin(app: &mut App, pin: &str) {
    for d in pin.chars() {
        act(app, Some(StaffAction::Key(d)));
    }
    act(app, Some(StaffAction::Enter));
    run_until(app, "the PIN checked", Duration::from_secs(10), |w| {
        !w.resource::<StaffMode>().checking
    });
}

#[test]
fn five_quick_taps_and_the_right_pin_open_the_staff_panel_and_a_minute_alone_closes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    config.staff_pin_hash = Some(hash_pin("1357").unwrap());
    let mut app = app_with_catalog(config);
    // From here each frame is 0.5 s of app time, whatever the wall clock does.
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
        500,
    )));
    app.world_mut()
        .resource_mut::<Time<Virtual>>()
        .set_max_delta(Duration::from_secs(1));

    // Five taps spread over four seconds: nothing.
    for _ in 0..5 {
        act(&mut app, Some(StaffAction::NameTapped));
        act(&mut app, None);
    }
    assert_eq!(staff(&app).stage, StaffStage::Closed);
    for _ in 0..6 {
        act(&mut app, None);
    }
    // Four quick taps: nothing; the fifth within three seconds opens the keypad.
    for _ in 0..4 {
        act(&mut app, Some(StaffAction::NameTapped));
    }
    assert_eq!(staff(&app).stage, StaffStage::Closed);
    act(&mut app, Some(StaffAction::NameTapped));
    assert_eq!(staff(&app).stage, StaffStage::Pin);

    // A wrong PIN is refused, and the keypad takes nothing for a second.
    type_pin(&mut app, "1111");
    assert_eq!(staff(&app).stage, StaffStage::Pin);
    assert_eq!(staff(&app).wrong, 1);
    act(&mut app, Some(StaffAction::Key('1')));
    assert_eq!(staff(&app).pin, "", "locked after a wrong PIN");
    act(&mut app, None);
    act(&mut app, None);
    // A second wrong one: two seconds this time.
    type_pin(&mut app, "2222");
    assert_eq!(staff(&app).wrong, 2);
    let now = app.world().resource::<Time>().elapsed_secs_f64();
    assert!(
        (staff(&app).lockout_left(now) - 2.0).abs() < 0.6,
        "{}",
        staff(&app).lockout_left(now)
    );
    for _ in 0..5 {
        act(&mut app, None);
    }
    // Closing and opening again does not lift the wait.
    act(&mut app, Some(StaffAction::Close));
    assert_eq!(staff(&app).wrong, 2, "the count survives closing");

    for _ in 0..5 {
        act(&mut app, Some(StaffAction::NameTapped));
    }
    type_pin(&mut app, "1357");
    assert_eq!(staff(&app).stage, StaffStage::Panel);
    assert_eq!(staff(&app).wrong, 0);

    // The panel's facts: the heartbeat went through.
    assert!(app.world().resource::<Heartbeat>().last_ok_at.is_some());

    // A minute alone closes it (counted from the last touch).
    send(&mut app, ShopAction::Touched);
    for _ in 0..119 {
        act(&mut app, None);
    }
    assert_eq!(staff(&app).stage, StaffStage::Panel, "not before a minute");
    for _ in 0..3 {
        act(&mut app, None);
    }
    assert_eq!(staff(&app).stage, StaffStage::Closed);
}

#[test]
fn a_kiosk_without_a_staff_pin_opens_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(embedded(&dir));
    for _ in 0..5 {
        act(&mut app, Some(StaffAction::NameTapped));
    }
    assert_eq!(staff(&app).stage, StaffStage::Closed);
}

#[test]
fn the_heartbeat_reaches_the_backends_kiosk_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    config.identity = customerclient::config::KioskIdentity::named("kiosk-heartbeat-test".into());
    let mut app = app_with_catalog(config);
    run_until(
        &mut app,
        "a heartbeat taken",
        Duration::from_secs(10),
        |w| w.resource::<Heartbeat>().last_ok_at.is_some(),
    );
    let base = app
        .world()
        .resource::<Bridge>()
        .base_url()
        .unwrap()
        .to_owned();
    let list: customerclient_api::kiosk::KioskList =
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            reqwest::Client::new()
                .get(format!("{base}/api/v1/staff/kiosks"))
                .header(
                    "X-Courier-Token",
                    customerclient_backend::DEMO_COURIER_TOKEN,
                )
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
    let me = list
        .kiosks
        .iter()
        .find(|k| k.id == "kiosk-heartbeat-test")
        .expect("listed");
    assert_eq!(me.screen.as_deref(), Some("headless"));
    assert!(me.online_at(customerclient_api::clock::now_ms()));
}
