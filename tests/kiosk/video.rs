//! A product's video: streamed, played, paused; bad files fail cleanly.

use crate::harness::*;

#[test]
fn a_product_video_streams_plays_and_pauses_and_bad_files_fail_cleanly() {
    use customerclient::video::{PlayerState, VideoAction, VideoPlayer};
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with_catalog(embedded(&dir));
    let (video, picture) = {
        let catalog = app.world().resource::<Catalog>();
        let p = catalog
            .products
            .iter()
            .find(|p| p.video_id.is_some())
            .expect("the demo has videos");
        (p.video_id.unwrap(), p.image_ids[0])
    };
    let base = app
        .world()
        .resource::<Bridge>()
        .base_url()
        .unwrap()
        .to_owned();
    let size = tokio::runtime::Runtime::new().unwrap().block_on(async {
        reqwest::Client::new()
            .get(format!("{base}/api/v1/files/{video}"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len() as u64
    });

    let player = app.world_mut().spawn(VideoPlayer::new(video, true)).id();
    let get = |app: &App| {
        let p = app.world().get::<VideoPlayer>(player).unwrap();
        (p.state.clone(), p.generation, p.frame.clone())
    };
    run_until(&mut app, "playback", Duration::from_secs(30), |w| {
        w.get::<VideoPlayer>(player)
            .is_some_and(|p| p.is_playing() && p.generation >= 3)
    });
    let first_fetch = app
        .world()
        .get::<VideoPlayer>(player)
        .unwrap()
        .fetched_at_first_frame
        .unwrap();
    println!("first video frame after {first_fetch} of {size} bytes");
    assert!(
        first_fetch * 2 < size,
        "the first frame needed {first_fetch} of {size} bytes"
    );
    // Playing: the picture changes over time.
    let (_, g0, f0) = get(&app);
    let until = Instant::now() + Duration::from_millis(600);
    while Instant::now() < until {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
    let (_, g1, f1) = get(&app);
    assert!(g1 > g0, "no new frames while playing");
    assert_ne!(
        f0.unwrap().rgba,
        f1.unwrap().rgba,
        "the picture did not change"
    );
    // Paused: it stops changing.
    app.world_mut().write_message(VideoAction::Pause(player));
    app.update();
    let (state, g2, f2) = get(&app);
    assert_eq!(state, PlayerState::Paused);
    let until = Instant::now() + Duration::from_millis(600);
    while Instant::now() < until {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
    let (_, g3, f3) = get(&app);
    assert_eq!(g2, g3, "frames kept coming while paused");
    assert_eq!(f2.unwrap().rgba, f3.unwrap().rgba);
    // And plays on.
    app.world_mut().write_message(VideoAction::Play(player));
    run_until(&mut app, "playing again", Duration::from_secs(10), |w| {
        w.get::<VideoPlayer>(player)
            .is_some_and(|p| p.generation > g3)
    });

    // A picture is not a video, and a file that is not there is not either: both fail with a
    // message, nothing crashes.
    let not_video = app.world_mut().spawn(VideoPlayer::new(picture, false)).id();
    let missing = app
        .world_mut()
        .spawn(VideoPlayer::new(uuid::Uuid::new_v4(), false))
        .id();
    run_until(&mut app, "both to fail", Duration::from_secs(20), |w| {
        [not_video, missing].iter().all(|e| {
            matches!(
                w.get::<VideoPlayer>(*e).unwrap().state,
                PlayerState::Failed(_)
            )
        })
    });
    let PlayerState::Failed(why) = &app.world().get::<VideoPlayer>(not_video).unwrap().state else {
        unreachable!()
    };
    assert!(why.contains("MP4"), "{why}");
}
