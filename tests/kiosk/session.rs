//! Who is at the kiosk: the idle wipe and the language the next customer gets.

use crate::harness::*;

#[test]
fn a_kiosk_left_alone_forgets_the_customer() {
    use customerclient::i18n::I18n;
    use customerclient::payment::{CardForm, PayStage, PaymentFlow};
    use customerclient_api::orders::PaymentMethod;
    use customerclient_api::settings::Language;

    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    config.idle_timeout = Some(Duration::from_secs(2));
    let mut app = app_with_catalog(config);
    let id = app.world().resource::<Catalog>().products[2].id;
    send(&mut app, ShopAction::SetLanguage(Language::Ru));
    checkout_with(&mut app, id, 2);
    app.world_mut().resource_mut::<CheckoutForm>().payment = PaymentMethod::CardInApp;
    send(&mut app, ShopAction::PlaceOrder);
    run_until(&mut app, "the card form", Duration::from_secs(30), |w| {
        w.resource::<PaymentFlow>().stage == PayStage::CardEntry
    });
    {
        let mut form = app.world_mut().resource_mut::<CardForm>();
        for d in "4242424242424242123".chars() {
            form.type_digit(d);
        }
    }
    // Someone else's cart in a new order, then nobody touches the screen.
    send(
        &mut app,
        ShopAction::AddToCart {
            product_id: id,
            quantity: 1,
        },
    );
    let token = app
        .world()
        .resource::<CustomerSession>()
        .token
        .clone()
        .expect("a guest session");
    let base = app
        .world()
        .resource::<customerclient::bridge::Bridge>()
        .base_url()
        .unwrap()
        .to_owned();
    assert_eq!(app.world().resource::<I18n>().language, Language::Ru);

    run_until(
        &mut app,
        "the attract screen",
        Duration::from_secs(20),
        |w| screen(w) == Screen::Attract,
    );
    let session = app.world().resource::<CustomerSession>();
    assert!(session.token.is_none(), "token forgotten");
    assert!(app.world().resource::<Cart>().is_empty(), "cart forgotten");
    let form = app.world().resource::<CheckoutForm>();
    assert!(session.last_order.is_none() && form.address.is_empty() && form.phone.is_empty());
    let card = app.world().resource::<CardForm>();
    assert!(
        card.number.is_empty() && card.expiry.is_empty() && card.cvc.is_empty(),
        "card fields wiped"
    );
    assert_eq!(
        app.world().resource::<I18n>().language,
        Language::En,
        "back to the default language"
    );
    assert_eq!(
        app.world().resource::<CustomerSession>().settings.language,
        Language::En,
        "and the settings say so too"
    );
    // The backend no longer takes the forgotten customer's token.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let me = format!("{base}{}", customerclient_api::auth::ME_PATH);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let status = rt
            .block_on(http.get(&me).bearer_auth(&token).send())
            .unwrap()
            .status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the old token still works after the wipe ({status})"
        );
        app.update();
    }
}

#[test]
fn the_interface_language_has_one_source_and_the_next_customer_gets_the_kiosks() {
    use customerclient::account::AccountAction;
    use customerclient::i18n::I18n;
    use customerclient_api::settings::Language;

    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    config.language = Some(Language::Ru);
    let mut app = app(config);
    let shown = |app: &App| {
        (
            app.world().resource::<I18n>().language,
            app.world().resource::<CustomerSession>().settings.language,
        )
    };
    app.update();
    assert_eq!(
        shown(&app),
        (Language::Ru, Language::Ru),
        "greeted in the kiosk's language"
    );
    send(&mut app, ShopAction::Start);
    send(&mut app, ShopAction::SetLanguage(Language::En));
    app.update();
    assert_eq!(
        shown(&app),
        (Language::En, Language::En),
        "header button and settings agree"
    );
    // Large text from the settings screen saves the settings as shown: the language stays.
    let mut s = app.world().resource::<CustomerSession>().settings.clone();
    s.accessibility.large_text = true;
    app.world_mut()
        .write_message(AccountAction::SaveSettings(s));
    app.update();
    app.update();
    assert_eq!(
        shown(&app),
        (Language::En, Language::En),
        "large text kept the language"
    );
    app.world_mut().write_message(AccountAction::SignOut);
    app.update();
    assert_eq!(
        shown(&app).0,
        Language::En,
        "signing out keeps the customer's language"
    );
    send(&mut app, ShopAction::StartOver);
    run_until(
        &mut app,
        "the attract screen",
        Duration::from_secs(5),
        |w| screen(w) == Screen::Attract,
    );
    app.update();
    assert_eq!(
        shown(&app),
        (Language::Ru, Language::Ru),
        "the next customer is greeted in Russian"
    );
    assert!(
        !app.world()
            .resource::<CustomerSession>()
            .settings
            .accessibility
            .large_text
    );
}
