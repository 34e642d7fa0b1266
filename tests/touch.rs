//! Taps and drags as a touchscreen sends them, into the kiosk's real egui screens without a
//! window: the on-screen keyboard, the card keypad and the scroll panels, at a normal frame
//! rate and at the frame rates of a loaded kiosk PC. Input goes through the same
//! [`TapPacer`] and input options the kiosk uses.

use std::collections::HashMap;

use bevy_egui::egui;
use customerclient::account::AccountAction;
use customerclient::i18n::I18n;
use customerclient::orders::{OrdersAction, OrdersState};
use customerclient::payment::{CardForm, PaymentFlow};
use customerclient::scenes::orders::order_detail;
use customerclient::scenes::payment::card_form;
use customerclient::scenes::settings::{NewAddress, settings_panels};
use customerclient::session::{CustomerSession, ShopAction};
use customerclient::ui::keyboard::{self, KeyboardState, Layout};
use customerclient::ui::theme;
use customerclient::ui::touch::{KeyRepeat, TapPacer};
use customerclient_api::money::Money;
use customerclient_api::orders::{DeliveryMethod, Order, OrderLine, OrderStatus, StatusChange};
use customerclient_api::payments::PaymentState;

/// One egui context fed like the kiosk's: a clock, a 1920×1080 screen, paced pointer events.
struct Screen {
    ctx: egui::Context,
    pacer: TapPacer,
    /// Pace taps as the kiosk does (off only to show what the pacer is for).
    paced: bool,
    time: f64,
    /// Seconds per frame.
    dt: f64,
    /// Where each label was drawn in the last frame.
    labels: HashMap<String, egui::Pos2>,
}

impl Screen {
    fn new(dt: f64) -> Self {
        let ctx = egui::Context::default();
        theme::egui_style(&ctx);
        customerclient::ui::touch::touch_input_options(&ctx);
        Screen {
            ctx,
            pacer: TapPacer::default(),
            paced: true,
            time: 0.0,
            dt,
            labels: HashMap::new(),
        }
    }

    /// One frame with `events` arriving during it.
    fn frame(&mut self, events: Vec<egui::Event>, draw: &mut dyn FnMut(&mut egui::Ui, f64)) {
        self.time += self.dt;
        let events = if self.paced {
            self.pacer.pass(events)
        } else {
            events
        };
        let input = egui::RawInput {
            time: Some(self.time),
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1920.0, 1080.0),
            )),
            events,
            ..Default::default()
        };
        let now = self.time;
        let mut out = self.ctx.run_ui(input, |ui| draw(ui, now));
        out.textures_delta.clear();
        self.labels.clear();
        for clipped in &out.shapes {
            collect_labels(&clipped.shape, clipped.clip_rect, &mut self.labels);
        }
    }

    /// Frames until every kept event has been handed to egui, and one more.
    fn settle(&mut self, draw: &mut dyn FnMut(&mut egui::Ui, f64)) -> u32 {
        let mut frames = 0;
        while self.pacer.has_pending() {
            self.frame(vec![], draw);
            frames += 1;
            assert!(frames < 1000, "pacer never drained");
        }
        self.frame(vec![], draw);
        frames + 1
    }

    fn shows(&self, label: &str) -> bool {
        self.labels.contains_key(label)
    }

    /// A finger put down at `from`, moved to `to` over `steps` frames, lifted.
    fn drag(
        &mut self,
        from: egui::Pos2,
        to: egui::Pos2,
        steps: u32,
        draw: &mut dyn FnMut(&mut egui::Ui, f64),
    ) {
        self.frame(press(from).to_vec(), draw);
        for i in 1..=steps {
            let p = from.lerp(to, i as f32 / steps as f32);
            self.frame(vec![egui::Event::PointerMoved(p)], draw);
        }
        self.frame(vec![release(to)], draw);
        self.settle(draw);
    }

    fn at(&self, label: &str) -> egui::Pos2 {
        *self
            .labels
            .get(label)
            .unwrap_or_else(|| panic!("no key '{label}' on screen"))
    }
}

/// Labels whose centre is inside what their layer shows (not scrolled out of sight).
fn collect_labels(shape: &egui::Shape, clip: egui::Rect, out: &mut HashMap<String, egui::Pos2>) {
    match shape {
        egui::Shape::Text(t) => {
            let rect = t.galley.rect.translate(t.pos.to_vec2());
            if clip.contains(rect.center()) {
                out.insert(t.galley.text().to_owned(), rect.center());
            }
        }
        egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| collect_labels(s, clip, out)),
        _ => {}
    }
}

fn press(p: egui::Pos2) -> [egui::Event; 2] {
    [
        egui::Event::PointerMoved(p),
        egui::Event::PointerButton {
            pos: p,
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: Default::default(),
        },
    ]
}

fn release(p: egui::Pos2) -> egui::Event {
    egui::Event::PointerButton {
        pos: p,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Default::default(),
    }
}

fn tap(p: egui::Pos2) -> Vec<egui::Event> {
    let mut e = press(p).to_vec();
    e.push(release(p));
    e
}

/// The letter keyboard over an empty screen, typing into `text`.
fn keyboard_screen(text: &mut String) -> impl FnMut(&mut egui::Ui, f64) + '_ {
    let i18n = I18n::default();
    let mut state = KeyboardState::default();
    move |ui, now| {
        keyboard::keyboard(ui, &i18n, Layout::Plain, &mut state, text, 64, now);
    }
}

/// How a word's taps arrive.
#[derive(Clone, Copy, Debug)]
enum Arrival {
    /// All taps within one frame.
    OneFrame,
    /// Each tap pressed in one frame and released in the next, with the next key's press:
    /// fast typing on slow frames.
    Overlapping,
    /// The word's events (move, press, release for each key) cut into frames of this many:
    /// taps straddling frames at every offset.
    Chunks(usize),
}

/// Types `word` on the keyboard with frames `dt` seconds long; returns the text and frames.
fn type_word(word: &str, dt: f64, arrival: Arrival, paced: bool) -> (String, u32) {
    let mut text = String::new();
    let mut screen = Screen::new(dt);
    screen.paced = paced;
    let mut draw = keyboard_screen(&mut text);
    screen.frame(vec![], &mut draw);
    let keys: Vec<egui::Pos2> = word.chars().map(|c| screen.at(&c.to_string())).collect();
    let mut frames = 1;
    match arrival {
        Arrival::OneFrame => {
            screen.frame(keys.iter().flat_map(|p| tap(*p)).collect(), &mut draw);
        }
        Arrival::Overlapping => {
            let mut held: Option<egui::Pos2> = None;
            for p in &keys {
                let mut events: Vec<egui::Event> = held.map(release).into_iter().collect();
                events.extend(press(*p));
                screen.frame(events, &mut draw);
                frames += 1;
                held = Some(*p);
            }
            screen.frame(held.map(release).into_iter().collect(), &mut draw);
        }
        Arrival::Chunks(n) => {
            let events: Vec<_> = keys.iter().flat_map(|p| tap(*p)).collect();
            for chunk in events.chunks(n) {
                screen.frame(chunk.to_vec(), &mut draw);
                frames += 1;
            }
        }
    }
    frames += 1 + screen.settle(&mut draw);
    drop(draw);
    (text, frames)
}

const WORDS: [&str; 6] = [
    "arbat",
    "garden",
    "kremlin",
    "tverskaya",
    "mississippi",
    "password",
];

#[test]
fn every_tap_on_the_keyboard_types_exactly_once_at_any_frame_rate() {
    // 60 frames a second, 2 a second and one frame every 1.6 s (seen on a loaded kiosk PC).
    for dt in [1.0 / 60.0, 0.5, 1.6] {
        for arrival in [
            Arrival::OneFrame,
            Arrival::Overlapping,
            Arrival::Chunks(4),
            Arrival::Chunks(5),
        ] {
            let (mut taps, mut typed, mut frames) = (0, 0, 0);
            let (mut unpaced_chars, mut unpaced_right) = (0, 0);
            for word in WORDS {
                let (text, f) = type_word(word, dt, arrival, true);
                assert_eq!(text, word, "{arrival:?} at {dt:.3} s a frame");
                taps += word.len();
                typed += text.chars().count();
                frames += f;
                // What egui made of the same taps unpaced (the kiosk before), for the record.
                let (raw, _) = type_word(word, dt, arrival, false);
                unpaced_chars += raw.chars().count();
                unpaced_right += usize::from(raw == word);
            }
            eprintln!(
                "typing {arrival:?} at {:.1} frames/s: {taps} taps → {typed} characters, \
                 {} of {} words right, {frames} frames (unpaced egui: {unpaced_chars} \
                 characters, {unpaced_right} words right)",
                1.0 / dt,
                WORDS.len(),
                WORDS.len(),
            );
        }
    }
}

#[test]
fn quick_backspace_taps_each_delete_and_a_held_one_repeats() {
    for dt in [1.0 / 60.0, 0.4] {
        // Five quick ⌫ taps within one frame delete five characters.
        let mut text = String::from("fresh kitchen");
        let mut screen = Screen::new(dt);
        let mut draw = keyboard_screen(&mut text);
        screen.frame(vec![], &mut draw);
        let bs = screen.at("⌫");
        screen.frame((0..5).flat_map(|_| tap(bs)).collect(), &mut draw);
        screen.settle(&mut draw);
        drop(draw);
        assert_eq!(text, "fresh ki", "five taps at {dt:.3} s a frame");

        // Held for 1.5 s: one delete on the press, then repeats after half a second.
        let mut text = String::from("fresh kitchen, tverskaya street");
        let before = text.chars().count();
        let mut screen = Screen::new(dt);
        let mut draw = keyboard_screen(&mut text);
        screen.frame(vec![], &mut draw);
        let bs = screen.at("⌫");
        screen.frame(press(bs).to_vec(), &mut draw);
        let frames = (1.5 / dt).round() as u32;
        for _ in 0..frames {
            screen.frame(vec![], &mut draw);
        }
        screen.frame(vec![release(bs)], &mut draw);
        screen.frame(vec![], &mut draw);
        drop(draw);
        let deleted = before - text.chars().count();
        // 1 + (1.5 - 0.5) / 0.08 ≈ 13 at a full frame rate; slow frames catch up 3 at a time.
        assert!(
            deleted >= 6,
            "held ⌫ deleted {deleted} at {dt:.3} s a frame"
        );
        eprintln!(
            "held ⌫ 1.5 s at {:.1} frames/s: {deleted} deleted",
            1.0 / dt
        );
    }
}

#[test]
fn the_card_keypad_counts_every_tap_and_repeats_a_held_backspace() {
    for dt in [1.0 / 60.0, 1.6] {
        let i18n = I18n::default();
        let flow = PaymentFlow::default();
        let form = std::cell::RefCell::new(CardForm::default());
        let mut repeat = KeyRepeat::default();
        let mut screen = Screen::new(dt);
        let mut draw = |ui: &mut egui::Ui, now: f64| {
            card_form(
                ui,
                &i18n,
                &mut form.borrow_mut(),
                &flow,
                None,
                &mut repeat,
                now,
            );
        };
        screen.frame(vec![], &mut draw);
        let number = "4242424242424242";
        let keys: Vec<_> = number.chars().map(|c| screen.at(&c.to_string())).collect();
        screen.frame(keys.iter().flat_map(|p| tap(*p)).collect(), &mut draw);
        screen.settle(&mut draw);
        let next = screen.at("Next");
        let bs = screen.at("⌫");
        // Expiry typed, CVC reached by itself; Next then does nothing (greyed out).
        let digits: Vec<_> = "1230".chars().map(|c| screen.at(&c.to_string())).collect();
        let mut events: Vec<_> = digits.iter().flat_map(|p| tap(*p)).collect();
        events.extend(tap(next));
        for d in "123".chars() {
            events.extend(tap(screen.at(&d.to_string())));
        }
        screen.frame(events, &mut draw);
        screen.settle(&mut draw);
        assert_eq!(&*form.borrow().cvc, "123");
        // Held ⌫ on the CVC.
        screen.frame(press(bs).to_vec(), &mut draw);
        for _ in 0..(1.0 / dt).round() as u32 {
            screen.frame(vec![], &mut draw);
        }
        screen.frame(vec![release(bs)], &mut draw);
        screen.frame(vec![], &mut draw);
        let form = form.borrow();
        assert_eq!(&*form.number, number, "at {dt:.3} s a frame");
        assert_eq!(&*form.expiry, "1230");
        assert_eq!(&*form.cvc, "", "the held ⌫ emptied the CVC");
    }
}

/// A delivered order long enough that its rating sits below the fold.
fn delivered_order(lines: usize) -> Order {
    let price = Money::new(450, "USD");
    Order {
        id: uuid::Uuid::new_v4(),
        number: 1042,
        status: OrderStatus::Delivered,
        lines: (0..lines)
            .map(|i| OrderLine {
                product_id: i as i64,
                name: format!("Dish number {i}"),
                unit_price: price.clone(),
                quantity: 1,
                line_total: price.clone(),
            })
            .collect(),
        products_total: Money::new(450 * lines as i64, "USD"),
        delivery_price: Money::new(0, "USD"),
        total: Money::new(450 * lines as i64, "USD"),
        city: "Moscow".into(),
        address: "Tverskaya St 7".into(),
        phone: "+79123456789".into(),
        delivery_method: DeliveryMethod::Car,
        payment_method: customerclient_api::orders::PaymentMethod::CashOnDelivery,
        created_at: 1_764_000_000_000,
        history: [OrderStatus::Placed, OrderStatus::Delivered]
            .into_iter()
            .map(|status| StatusChange {
                status,
                at: 1_764_000_000_000,
                note: String::new(),
            })
            .collect(),
        payment_state: PaymentState::DueOnDelivery,
        payment_history: vec![],
        card: None,
        rating: None,
    }
}

#[test]
fn a_drag_scrolls_the_order_detail_to_the_rating_which_then_takes_a_tap() {
    for dt in [1.0 / 60.0, 0.5] {
        let i18n = I18n::default();
        let order = delivered_order(14);
        let mut state = OrdersState::default();
        let actions = std::cell::RefCell::new(Vec::new());
        let mut screen = Screen::new(dt);
        let mut draw = |ui: &mut egui::Ui, _now: f64| {
            customerclient::ui::touch::scroll_panel(ui, "order-detail", 700.0, |ui| {
                if let Some(a) = order_detail(ui, &i18n, &order, &mut state) {
                    actions.borrow_mut().push(a);
                }
            });
        };
        screen.frame(vec![], &mut draw);
        screen.frame(vec![], &mut draw);
        assert!(
            !screen.shows("How was it?"),
            "the rating starts below the fold"
        );
        // Finger drags upwards, starting on a dish line (a label, not the panel's background).
        let from = screen.at("1 × Dish number 8");
        let drag_until =
            |screen: &mut Screen, label: &str, draw: &mut dyn FnMut(&mut egui::Ui, f64)| {
                for _ in 0..5 {
                    if screen.shows(label) {
                        return;
                    }
                    screen.drag(from, from - egui::vec2(0.0, 400.0), 8, draw);
                }
                panic!("dragging never brought '{label}' into view at {dt:.3} s a frame");
            };
        drag_until(&mut screen, "Very tasty", &mut draw);
        // The drags were no taps: no star was given on the way.
        assert_eq!(screen.labels.keys().filter(|l| *l == "★").count(), 0);
        screen.frame(tap(screen.at("☆")), &mut draw);
        screen.settle(&mut draw);
        screen.frame(tap(screen.at("Very tasty")), &mut draw);
        screen.settle(&mut draw);
        drag_until(&mut screen, "Send rating", &mut draw);
        assert!(actions.borrow().is_empty(), "{:?}", actions.borrow());
        screen.frame(tap(screen.at("Send rating")), &mut draw);
        screen.settle(&mut draw);
        let actions = actions.into_inner();
        assert!(
            matches!(&actions[..], [OrdersAction::Rate { stars: 5, comment, .. }] if comment == "Very tasty"),
            "{actions:?} at {dt:.3} s a frame"
        );
    }
}

#[test]
fn a_flick_keeps_the_order_detail_moving_after_the_finger_lifts() {
    let i18n = I18n::default();
    let order = delivered_order(30);
    let mut state = OrdersState::default();
    let mut screen = Screen::new(1.0 / 60.0);
    let offset = std::cell::Cell::new(0.0);
    let mut draw = |ui: &mut egui::Ui, _now: f64| {
        let out = customerclient::ui::touch::scroll_panel(ui, "order-detail", 700.0, |ui| {
            order_detail(ui, &i18n, &order, &mut state);
        });
        offset.set(out.state.offset.y);
    };
    screen.frame(vec![], &mut draw);
    screen.frame(vec![], &mut draw);
    let from = screen.at("1 × Dish number 5");
    screen.frame(press(from).to_vec(), &mut draw);
    for i in 1..=4 {
        let p = from - egui::vec2(0.0, 60.0 * i as f32);
        screen.frame(vec![egui::Event::PointerMoved(p)], &mut draw);
    }
    screen.frame(vec![release(from - egui::vec2(0.0, 240.0))], &mut draw);
    let lifted = offset.get();
    for _ in 0..20 {
        screen.frame(vec![], &mut draw);
    }
    let later = offset.get();
    assert!(lifted >= 150.0, "the drag moved the panel ({lifted})");
    assert!(
        later > lifted + 50.0,
        "the fling went on: {lifted} → {later}"
    );
}

/// A signed-in customer with enough saved addresses and cards to fill the right column.
fn regular_customer() -> CustomerSession {
    let mut session = CustomerSession::default();
    session.token = Some("t".into());
    session.account = Some(customerclient_api::auth::Account {
        id: uuid::Uuid::new_v4(),
        login: Some("anna".into()),
        email: Some("anna@example.com".into()),
        phone: None,
        guest: false,
    });
    session.addresses = (0..3)
        .map(|i| customerclient_api::settings::SavedAddress {
            id: uuid::Uuid::new_v4(),
            label: format!("Place {i}"),
            city: "Moscow".into(),
            address: format!("Tverskaya St {i}"),
            is_default: i == 0,
        })
        .collect();
    session.cards = (0..2)
        .map(|i| customerclient_api::payments::SavedCard {
            id: uuid::Uuid::new_v4(),
            brand: customerclient_api::card::Brand::Visa,
            last4: format!("424{i}"),
        })
        .collect();
    session.settings.accessibility.large_text = true;
    session
}

#[test]
fn settings_at_large_text_scroll_by_drag_down_to_sign_out_and_close() {
    for dt in [1.0 / 60.0, 0.5] {
        let i18n = I18n::default();
        let session = regular_customer();
        let catalog = customerclient::catalog::Catalog::default();
        let flow = customerclient::account::AccountFlow::default();
        let mut new = NewAddress::default();
        let taps = std::cell::RefCell::new(Vec::new());
        let mut screen = Screen::new(dt);
        // Large text: egui zooms by the same factor as the Bevy scenes.
        screen.ctx.set_zoom_factor(theme::LARGE_TEXT_SCALE);
        let mut draw = |ui: &mut egui::Ui, now: f64| {
            let t = settings_panels(ui.ctx(), &i18n, &session, &catalog, &mut new, &flow, now);
            taps.borrow_mut().push(t);
        };
        screen.frame(vec![], &mut draw);
        screen.frame(vec![], &mut draw);
        assert!(
            !screen.shows("Close"),
            "at large text Close starts below the fold"
        );
        // Drag the right column up from its heading; the left from its first heading.
        let right = screen.at("Delivery addresses");
        for _ in 0..6 {
            if screen.shows("Close") {
                break;
            }
            screen.drag(right + egui::vec2(0.0, 300.0), right, 6, &mut draw);
        }
        assert!(
            screen.shows("Close"),
            "Close reached by dragging at {dt:.3} s a frame"
        );
        assert!(screen.shows("Sign out"));
        let left = screen.at("Language");
        for _ in 0..6 {
            if screen.shows("Everything within reach (lower half)") {
                break;
            }
            screen.drag(left + egui::vec2(0.0, 300.0), left, 6, &mut draw);
        }
        let reach = screen.at("☐  Everything within reach (lower half)");
        taps.borrow_mut().clear();
        screen.frame(tap(screen.at("Sign out")), &mut draw);
        screen.settle(&mut draw);
        screen.frame(tap(reach), &mut draw);
        screen.settle(&mut draw);
        screen.frame(tap(screen.at("Close")), &mut draw);
        screen.settle(&mut draw);
        let taps = taps.into_inner();
        let account: Vec<_> = taps.iter().flat_map(|t| &t.account).collect();
        let shop: Vec<_> = taps.iter().flat_map(|t| &t.shop).collect();
        assert!(
            matches!(&account[..], [AccountAction::SignOut, AccountAction::SaveSettings(s)] if s.accessibility.reach_mode),
            "{account:?}"
        );
        assert!(matches!(&shop[..], [ShopAction::ShowGallery]), "{shop:?}");
    }
}

#[test]
fn cancelling_an_order_asks_once_more_and_keep_leaves_it() {
    let i18n = I18n::default();
    let mut order = delivered_order(2);
    order.status = OrderStatus::Placed;
    let state = std::cell::RefCell::new(OrdersState::default());
    let actions = std::cell::RefCell::new(Vec::new());
    let mut screen = Screen::new(1.0 / 60.0);
    let mut draw = |ui: &mut egui::Ui, _now: f64| {
        if let Some(a) = order_detail(ui, &i18n, &order, &mut state.borrow_mut()) {
            actions.borrow_mut().push(a);
        }
    };
    screen.frame(vec![], &mut draw);
    screen.frame(tap(screen.at("Cancel the order")), &mut draw);
    screen.settle(&mut draw);
    assert_eq!(*actions.borrow(), [OrdersAction::AskCancel(Some(order.id))]);
    assert!(
        !screen.shows("Yes, cancel it"),
        "nothing asked before the first tap"
    );
    state.borrow_mut().confirm_cancel = Some(order.id);
    screen.frame(vec![], &mut draw);
    assert!(screen.shows("Keep the order"));
    screen.frame(tap(screen.at("Keep the order")), &mut draw);
    screen.settle(&mut draw);
    screen.frame(tap(screen.at("Yes, cancel it")), &mut draw);
    screen.settle(&mut draw);
    assert_eq!(
        actions.borrow()[1..],
        [
            OrdersAction::AskCancel(None),
            OrdersAction::Cancel(order.id)
        ]
    );
}
