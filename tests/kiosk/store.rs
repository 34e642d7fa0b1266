//! A store of its own: the sample menu imported and the sample Russian profile given to the
//! embedded backend (`--store-profile`). The kiosk greets in Russian, names the store, writes
//! prices as `1 250 ₽` in the gallery, cart and QR amount, charges the chosen zone's delivery,
//! and the QR code carries roubles (643) to the profile's merchant.

use crate::harness::*;
use customerclient::i18n::I18n;
use customerclient::payment::{PayStage, PaymentFlow};
use customerclient::store_profile::Store;
use customerclient_api::emv::MerchantQr;
use customerclient_api::orders::PaymentMethod;
use customerclient_api::settings::Language;

fn sample(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/menu-sample")
        .join(file)
}

#[test]
fn a_russian_store_profile_writes_roubles_everywhere_and_charges_its_zones() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = embedded(&dir);
    let BackendTarget::Embedded { database_url } = &config.backend else {
        unreachable!()
    };
    // The operator's first commands: import the menu, then start the kiosk with the profile.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        customerclient_backend::ensure_database_folder(database_url).unwrap();
        let store = customerclient_backend::Store::connect(database_url)
            .await
            .unwrap();
        customerclient_backend::menu::import(&store, &sample("menu.json"), None)
            .await
            .unwrap();
        store.close().await;
    });
    config.store_profile = Some(sample("store.toml"));
    let mut app = app_with_catalog(config);
    run_until(
        &mut app,
        "the store profile",
        Duration::from_secs(10),
        |w| {
            w.resource::<Store>().profile.is_some() && w.resource::<I18n>().language == Language::Ru
        },
    );

    let i18n = app.world().resource::<I18n>();
    assert_eq!(i18n.store_name(), "Пельменная №1");
    let catalog = app.world().resource::<Catalog>();
    let names: Vec<&str> = catalog.products.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["Borscht", "Pelmeni", "Kompot"],
        "the imported menu, not the demo"
    );
    let pelmeni = catalog.products[1].clone();
    // The gallery card's name and price in the customer's language; the tabs' names too.
    assert_eq!(pelmeni.name_in(Language::Ru), "Пельмени");
    assert_eq!(pelmeni.name_in(Language::En), "Pelmeni");
    assert_eq!(
        pelmeni.description_in(Language::Ru),
        "Сибирские пельмени со сливочным маслом"
    );
    let tabs: Vec<&str> = catalog
        .categories
        .iter()
        .filter_map(|c| c.name_in(Language::Ru))
        .collect();
    assert_eq!(tabs, ["Супы", "Горячее", "Напитки"]);
    assert_eq!(i18n.price(&pelmeni.price), "1 250 ₽");

    send(&mut app, ShopAction::Start);
    checkout_with(&mut app, pelmeni.id, 1);
    let subtotal = app.world().resource::<Cart>().subtotal().unwrap();
    assert_eq!(app.world().resource::<I18n>().price(&subtotal), "1 250 ₽");
    {
        let mut form = app.world_mut().resource_mut::<CheckoutForm>();
        assert_eq!(
            form.city, "Казань",
            "the first zone until another is chosen"
        );
        form.city = "Иннополис".into();
        form.payment = PaymentMethod::QrBankApp;
    }
    send(&mut app, ShopAction::PlaceOrder);
    run_until(&mut app, "the QR code", Duration::from_secs(30), |w| {
        w.resource::<PaymentFlow>().stage == PayStage::ShowingQr
    });
    let flow = app.world().resource::<PaymentFlow>();
    let order = flow.order.clone().unwrap();
    // Innopolis offers only a car, at its own price: the form switched to it.
    assert_eq!(order.delivery_method, DeliveryMethod::Car);
    assert_eq!(order.delivery_price.minor, 59_900);
    assert_eq!(order.total.minor, 125_000 + 59_900);
    assert_eq!(
        app.world().resource::<I18n>().price(&order.total),
        "1 849 ₽"
    );
    let qr = MerchantQr::from_payload(
        flow.payment
            .as_ref()
            .unwrap()
            .qr_payload
            .as_deref()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(qr.currency, "643");
    assert_eq!(qr.amount, "1849.00");
    assert_eq!(qr.merchant_name, "PELMENNAYA 1");
    assert_eq!(qr.mcc, "5812");

    // In English the same amount is written the English way.
    send(&mut app, ShopAction::SetLanguage(Language::En));
    app.update();
    assert_eq!(app.world().resource::<I18n>().price(&order.total), "₽1,849");
}
