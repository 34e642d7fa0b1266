//! Following a placed order to the door on the map.

use crate::harness::*;
use customerclient::phone_link::PhoneLink;

/// Distance from `p` to the segment `a`–`b`, and where along it (0..1) `p` projects.
fn on_segment(p: Point, a: Point, b: Point) -> (f64, f64) {
    let len2 = (b.x - a.x).powi(2) + (b.y - a.y).powi(2);
    let t = (((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / len2).clamp(0.0, 1.0);
    (a.lerp(b, t).dist(p), t)
}

#[test]
fn a_placed_order_is_tracked_to_the_door_with_a_gliding_courier() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    // 120× real time: the kitchen takes a few seconds, the walk about ten.
    config.simulator_speed = Some(120.0);
    let mut app = app_with_catalog(config);
    let id = app.world().resource::<Catalog>().products[1].id;
    send(&mut app, ShopAction::Start);
    checkout_with(&mut app, id, 1);
    app.world_mut().resource_mut::<CheckoutForm>().delivery = DeliveryMethod::OnFoot;
    send(&mut app, ShopAction::PlaceOrder);
    run_until(&mut app, "the confirmation", Duration::from_secs(30), |w| {
        screen(w) == Screen::Confirmation
    });
    let order = app
        .world()
        .resource::<CustomerSession>()
        .last_order
        .clone()
        .unwrap();
    // The link that takes the order home on the customer's phone, made for this order.
    run_until(&mut app, "the phone link", Duration::from_secs(10), |w| {
        w.resource::<PhoneLink>().link.is_some()
    });
    let link = {
        let phone = app.world().resource::<PhoneLink>();
        assert_eq!(phone.order, Some(order.id));
        phone.link.clone().unwrap()
    };
    let base = app
        .world()
        .resource::<Bridge>()
        .base_url()
        .unwrap()
        .to_owned();
    assert_eq!(link.url, format!("{base}/t/{}", link.token));
    app.world_mut().write_message(TrackAction::Follow(order.id));
    run_until(&mut app, "the route", Duration::from_secs(20), |w| {
        screen(w) == Screen::Tracking && w.resource::<TrackingState>().tracking.is_some()
    });
    {
        let state = app.world().resource::<TrackingState>();
        let t = state.tracking.as_ref().unwrap();
        assert_eq!(t.order_id, order.id);
        assert!(t.eta.is_some(), "an ETA before the courier leaves");
        assert!(state.map.is_some(), "the district map for drawing");
    }

    // Watch frame by frame: whenever a new fix arrives after the first, the marker must pass
    // through points strictly between where it was drawn and the new fix.
    let mut glides_seen = 0;
    let mut glide: Option<(Point, Point, u32)> = None;
    let mut last_fixes = 0;
    let mut progress = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        app.update();
        let now = app.world().resource::<Time>().elapsed_secs_f64();
        let state = app.world().resource::<TrackingState>();
        let t = state.tracking.as_ref().unwrap();
        if state.fixes > last_fixes {
            let fix = t.courier.unwrap();
            progress.push(fix.progress_m);
            // The glide starts where the marker was drawn when this fix arrived.
            let from = state.marker.position(now).unwrap();
            if state.fixes >= 2 && from.dist(fix.point) > 1.0 {
                glide = Some((from, fix.point, state.fixes));
            } else {
                glide = None;
            }
            last_fixes = state.fixes;
        } else if let Some((from, to, n)) = glide
            && state.fixes == n
        {
            let p = state.marker.position(now).unwrap();
            let (off, along) = on_segment(p, from, to);
            if along > 0.05 && along < 0.95 {
                assert!(off < 1e-6, "the marker left the line between fixes");
                glides_seen += 1;
                glide = None;
            }
        }
        if t.status == OrderStatus::Delivered {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not delivered; status {:?}",
            t.status
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let state = app.world().resource::<TrackingState>();
    assert!(state.fixes >= 4, "only {} positions arrived", state.fixes);
    assert!(glides_seen >= 2, "the marker jumped instead of gliding");
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    // Delivered: the status came by push, and the ETA is gone after the fresh read.
    run_until(&mut app, "the final read", Duration::from_secs(20), |w| {
        let t = w.resource::<TrackingState>().tracking.clone().unwrap();
        t.eta.is_none() && t.history.iter().any(|h| h.status == OrderStatus::Delivered)
    });
    // The visit ends: the next customer never sees this order's link.
    send(&mut app, ShopAction::StartOver);
    run_until(
        &mut app,
        "the attract screen",
        Duration::from_secs(5),
        |w| screen(w) == Screen::Attract,
    );
    assert!(app.world().resource::<PhoneLink>().link.is_none());
}
