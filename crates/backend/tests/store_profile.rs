//! The store profile (`--store`): served to kiosks, and what the backend does by it — orders
//! charged the chosen zone's delivery price, QR codes in the store's currency to its merchant,
//! no orders outside opening hours, no start on a menu priced in another currency, and a
//! broken file refused by the real binary with every problem named.

mod support;

use customerclient_api::ErrorBody;
use customerclient_api::emv::MerchantQr;
use customerclient_api::orders::Order;
use customerclient_api::payments::Payment;
use customerclient_api::profile::StoreProfile;
use customerclient_api::settings::Language;
use customerclient_backend::StoreSetup;
use reqwest::StatusCode;
use serde_json::json;
use support::TestBackend;

/// A store that is not the demo: its own name, colour, merchant and two zones.
fn pelmeni(hours: &str) -> StoreSetup {
    let text = format!(
        r##"
name = "Pelmeni Bar"
brand_colour = "#2a6f97"
currency = "RUB"
languages = ["ru", "en"]

[prices.ru]
pattern = "{{amount}} ₽"
group = " "
decimal = ","

[prices.en]
pattern = "₽{{amount}}"
group = ","

[hours]
utc_offset = "+00:00"
{hours}

[merchant]
name = "PELMENI BAR"
city = "KAZAN"
country = "RU"
mcc = "5812"
account = "PB-77"
gui = "ru.nspk.sbp"

[[zone]]
city = "Kazan"
delivery = [
  {{ method = "on_foot", price = 9900, minutes = 35 }},
  {{ method = "car", price = 24900, minutes = 20 }},
]

[[zone]]
city = "Innopolis"
delivery = [{{ method = "car", price = 59900, minutes = 50 }}]
"##
    );
    customerclient_backend::profile::parse(&text, "pelmeni.toml").unwrap()
}

async fn served_profile(s: &TestBackend) -> StoreProfile {
    let resp = s.http.get(s.url("/api/v1/store")).send().await.unwrap();
    resp.json().await.unwrap()
}

async fn order(
    s: &TestBackend,
    token: &str,
    city: &str,
    method: &str,
    pay: &str,
) -> reqwest::Response {
    s.http
        .post(s.url("/api/v1/orders"))
        .bearer_auth(token)
        .json(&json!({"lines": [{"product_id": 1, "quantity": 1}], "city": city, "address": "Baumana 5",
                      "phone": "+79123456789", "delivery_method": method, "payment_method": pay}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_store_of_its_own_is_served_and_charged_as_its_profile_says() {
    let s = TestBackend::start(|c| c.store = pelmeni("")).await;
    let profile = served_profile(&s).await;
    assert_eq!(profile.name, "Pelmeni Bar");
    assert_eq!(profile.brand_colour, "#2a6f97");
    assert_eq!(profile.default_language(), Language::Ru);
    assert_eq!(
        profile.price_format(Language::Ru).unwrap().write(125_000),
        "1 250 ₽"
    );
    assert_eq!(
        profile.price_format(Language::En).unwrap().write(125_000),
        "₽1,250"
    );
    let cities: Vec<&str> = profile.delivery.cities().collect();
    assert_eq!(cities, ["Kazan", "Innopolis"]);

    // Each zone charges its own price; a method a zone does not offer is refused.
    let token = s.guest().await;
    let resp = order(&s, &token, "Innopolis", "car", "qr_bank_app").await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let far: Order = resp.json().await.unwrap();
    assert_eq!(far.delivery_price.minor, 59_900);
    assert_eq!(far.delivery_price.currency, "RUB");
    assert_eq!(far.total.minor, far.products_total.minor + 59_900);
    let near: Order = order(&s, &token, "Kazan", "car", "cash_on_delivery")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(near.delivery_price.minor, 24_900);
    let refused = order(&s, &token, "Innopolis", "on_foot", "cash_on_delivery").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: ErrorBody = refused.json().await.unwrap();
    assert!(
        body.message.contains("not offered in Innopolis"),
        "{}",
        body.message
    );
    let refused = order(&s, &token, "Moscow", "car", "cash_on_delivery").await;
    let body: ErrorBody = refused.json().await.unwrap();
    assert_eq!(body.message, "we deliver only to Kazan, Innopolis");

    // The QR code is in roubles (ISO 4217 643), payable to the profile's merchant.
    let resp = s
        .http
        .post(s.url(&format!("/api/v1/orders/{}/payments/qr", far.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let payment: Payment = resp.json().await.unwrap();
    let qr = MerchantQr::from_payload(payment.qr_payload.as_deref().unwrap()).unwrap();
    assert_eq!(qr.currency, "643");
    assert_eq!(qr.amount, far.total.decimal());
    assert_eq!(
        (
            &*qr.merchant_name,
            &*qr.merchant_city,
            &*qr.mcc,
            &*qr.merchant_id,
            &*qr.merchant_gui
        ),
        ("PELMENI BAR", "KAZAN", "5812", "PB-77", "ru.nspk.sbp")
    );
}

#[tokio::test]
async fn no_orders_outside_opening_hours() {
    // Open only three days from today (UTC): closed now, whatever the time of day.
    let today = customerclient_api::clock::now_ms().div_euclid(86_400_000);
    let weekday = (today + 3).rem_euclid(7) + 1; // ISO weekday of today
    let open_day = (weekday - 1 + 3) % 7 + 1;
    let name = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ][(open_day - 1) as usize];
    let s = TestBackend::start(|c| c.store = pelmeni(&format!("{name} = \"10:00-22:00\""))).await;
    let profile = served_profile(&s).await;
    let now = customerclient_api::clock::now_ms();
    assert!(!profile.hours.is_open(now));
    assert_eq!(profile.hours.next_opening(now), Some((open_day as u8, 600)));

    let token = s.guest().await;
    let resp = order(&s, &token, "Kazan", "car", "cash_on_delivery").await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let body: ErrorBody = resp.json().await.unwrap();
    assert_eq!(body.error, "store_closed");
    let day = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
    assert!(
        body.message
            .contains(&format!("ordering opens {day} at 10:00")),
        "{}",
        body.message
    );
}

#[tokio::test]
async fn a_menu_in_another_currency_stops_the_start() {
    let TestBackend { backend, dir, .. } = TestBackend::start(|_| {}).await;
    let database = support::engine::database_url(dir.path(), "test");
    backend.stop().await;
    let mut config = customerclient_backend::Config::new(database);
    config.seed_videos = false;
    let euro =
        customerclient_backend::profile::DEMO.replace("currency = \"RUB\"", "currency = \"EUR\"");
    config.store = customerclient_backend::profile::parse(&euro, "euro.toml").unwrap();
    let e = customerclient_backend::start(&config, "127.0.0.1:0".parse().unwrap())
        .await
        .err()
        .expect("a rouble menu with a euro profile must not start");
    let message = format!("{e:#}");
    assert!(
        message.contains("the menu is priced in RUB but the store profile sells in EUR"),
        "{message}"
    );

    // `menu import` given the profile refuses a menu in another currency, importing nothing.
    let store = customerclient_backend::store::Store::connect(&config.database_url)
        .await
        .unwrap();
    let dishes = store.product_count().await.unwrap();
    let path = dir.path().join("euro.toml");
    std::fs::write(&path, &euro).unwrap();
    let menu =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/menu-sample/menu.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_customerclient-backend"))
        .arg("--database-url")
        .arg(&config.database_url)
        .arg("--store")
        .arg(&path)
        .args(["menu", "import"])
        .arg(&menu)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "menu.json: currency: the menu is priced in RUB but the store profile sells in EUR"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(store.product_count().await.unwrap(), dishes);
    store.close().await;
    drop(dir);
}

#[test]
fn the_binary_refuses_a_broken_profile_naming_each_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.toml");
    let broken = customerclient_backend::profile::DEMO
        .replace("currency = \"RUB\"", "currency = \"RUR\"")
        .replace("brand_colour = \"#e65a1a\"", "brand_colour = \"orange\"")
        .replace("price = 25000", "price = -5");
    std::fs::write(&path, broken).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_customerclient-backend"))
        .arg("--store")
        .arg(&path)
        .args(["--demo", "--listen", "127.0.0.1:0", "--database-url"])
        .arg(customerclient_backend::sqlite_url(
            &dir.path().join("db.sqlite"),
        ))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "store.toml: currency: 'RUR' is not an ISO 4217 code",
        "store.toml: brand_colour: 'orange' is not a colour",
        "store.toml: zone[1] (Moscow).delivery.price: -5 is not a price",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    // Nothing was created: the profile is checked before the database is touched.
    assert!(!dir.path().join("db.sqlite").exists());
}

/// A profile file beside its logo, as an operator keeps them.
fn profile_with_logo(dir: &std::path::Path, logo: &[u8]) -> std::path::PathBuf {
    let text = customerclient_backend::profile::DEMO
        .replace("# logo = \"logo.png\"", "logo = \"logo.png\"");
    let path = dir.join("store.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::write(dir.join("logo.png"), logo).unwrap();
    path
}

#[tokio::test]
async fn the_logo_is_checked_scaled_down_and_served_with_its_transparency() {
    // A wide 1600×400 logo, transparent around a blue mark.
    let mut picture = image::RgbaImage::new(1600, 400);
    for (x, y, px) in picture.enumerate_pixels_mut() {
        if (400..1200).contains(&x) && (100..300).contains(&y) {
            *px = image::Rgba([0x2a, 0x6f, 0x97, 255]);
        }
    }
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let setup = StoreSetup::load(&profile_with_logo(dir.path(), png.get_ref())).unwrap();

    let s = TestBackend::start(|c| c.store = setup).await;
    let profile = served_profile(&s).await;
    let id = profile.logo.expect("the profile names its logo");
    let resp = s
        .http
        .get(s.url(&format!("/api/v1/files/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let served = image::load_from_memory(&resp.bytes().await.unwrap())
        .unwrap()
        .to_rgba8();
    // Scaled to fit 640×320, its shape kept; the corners still see through.
    assert_eq!(served.dimensions(), (640, 160));
    assert_eq!(served.get_pixel(0, 0)[3], 0);
    assert_eq!(served.get_pixel(320, 80).0, [0x2a, 0x6f, 0x97, 255]);

    // The demo has none: its name is written instead.
    let demo = TestBackend::start(|_| {}).await;
    assert_eq!(served_profile(&demo).await.logo, None);
}

#[test]
fn a_logo_that_is_not_a_picture_or_not_there_stops_the_start_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = profile_with_logo(dir.path(), b"<svg>not a png</svg>");
    let message = StoreSetup::load(&path).unwrap_err().to_string();
    assert!(
        message.contains("store.toml: logo:") && message.contains("is not a PNG or JPEG picture"),
        "{message}"
    );
    std::fs::remove_file(dir.path().join("logo.png")).unwrap();
    let message = StoreSetup::load(&path).unwrap_err().to_string();
    assert!(
        message.contains("store.toml: logo: cannot read") && message.contains("logo.png"),
        "{message}"
    );
}

#[test]
fn taglines_are_per_offered_language() {
    let demo = StoreSetup::demo().profile;
    assert_eq!(demo.taglines.len(), 2);
    assert!(demo.taglines[0].text.starts_with("Breakfasts, bowls"));
    let text = customerclient_backend::profile::DEMO
        .replace("languages = [\"en\", \"ru\"]", "languages = [\"en\"]");
    let problems = match customerclient_backend::profile::parse(&text, "store.toml") {
        Err(p) => p,
        Ok(_) => panic!("a tagline in a language not offered is refused"),
    };
    assert!(
        problems.contains("store.toml: tagline.ru: a language the store does not offer"),
        "{problems}"
    );
}
