//! An operator's own menu, imported into a running backend's database and read back over
//! HTTP: JSON and CSV, every kind of broken file (named by file, line and field, and nothing
//! changed), re-import by SKU with past orders keeping what they were sold at, export and
//! import of the export, and the command line's report. On SQLite and, with
//! `CUSTOMERCLIENT_TEST_ENGINE=postgres`, on PostgreSQL.

mod support;

use std::path::Path;

use customerclient_backend::menu::{self, ImportError, Problem};
use serde_json::{Value, json};
use support::TestBackend;

/// A PNG of `w`×`h` in one colour, as a photo an operator might give.
fn png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([rgb[0], rgb[1].wrapping_add((x + y) as u8 / 8), rgb[2]])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A folder with `menu.json` of two categories and three dishes, with pictures.
fn json_menu(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("borscht.png"), png(800, 600, [160, 30, 40])).unwrap();
    std::fs::write(dir.join("pelmeni.png"), png(300, 300, [230, 220, 200])).unwrap();
    let menu = json!({
        "currency": "USD",
        "categories": [
            {"slug": "soups", "name": {"en": "Soups", "ru": "Супы"}},
            {"slug": "mains", "name": {"en": "Mains", "ru": "Горячее"}}
        ],
        "products": [
            {"sku": "SOUP-1", "category": "soups", "name": {"en": "Borscht", "ru": "Борщ"},
             "description": {"en": "Beetroot soup with sour cream", "ru": "Свекольный суп со сметаной"},
             "price_minor": 650, "tags": ["vegetarian"], "picture": "borscht.png"},
            {"sku": "SOUP-2", "category": "soups", "name": {"en": "Shchi"},
             "price_minor": 590, "available": false},
            {"sku": "MAIN-1", "category": "mains", "name": {"en": "Pelmeni", "ru": "Пельмени"},
             "price_minor": 1250, "tags": ["meat"], "picture": "pelmeni.png"}
        ]
    });
    let path = dir.join("menu.json");
    std::fs::write(&path, serde_json::to_string_pretty(&menu).unwrap()).unwrap();
    path
}

const CATEGORIES_CSV: &str = "slug,name_en,name_ru\nsalads,Salads,Салаты\ndrinks,Drinks,Напитки\n";
const PRODUCTS_CSV: &str = "sku,category,name_en,name_ru,description_en,price_minor,tags,available,picture\n\
SAL-1,salads,Olivier,Оливье,Potato salad,450,classic,true,olivier.png\n\
DRK-1,drinks,Kompot,Компот,,250,,true,\n\
DRK-2,drinks,Kvass,Квас,,300,cold|sour,false,\n";

/// A folder with `categories.csv` and `products.csv` (`products` replacing the default rows).
fn csv_menu(dir: &Path, products: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("olivier.png"), png(640, 480, [240, 230, 150])).unwrap();
    // Named like a picture, but not one (cut off after its signature).
    std::fs::write(dir.join("broken.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    std::fs::write(dir.join("categories.csv"), CATEGORIES_CSV).unwrap();
    let path = dir.join("products.csv");
    std::fs::write(&path, products).unwrap();
    path
}

async fn get(tb: &TestBackend, path: &str) -> Value {
    let resp = tb.http.get(tb.url(path)).send().await.unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap()
}

/// The catalog as a kiosk reads it: category slugs, and each product's name, price, availability.
async fn catalog(tb: &TestBackend) -> (Vec<String>, Vec<(String, i64, bool)>) {
    let categories = get(tb, "/api/v1/categories").await;
    let slugs = categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap().to_owned())
        .collect();
    let products = get(tb, "/api/v1/products?per_page=100").await;
    let items = products["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["price"]["minor"].as_i64().unwrap(),
                p["available"].as_bool().unwrap(),
            )
        })
        .collect();
    (slugs, items)
}

fn product_id(products: &Value, name: &str) -> i64 {
    products["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("{name} not in {products}"))
}

#[tokio::test]
async fn a_json_menu_and_then_a_csv_menu_each_become_the_whole_catalog() {
    let tb = TestBackend::start(|_| {}).await;
    let store = &tb.backend.state.store;
    let (demo, _) = catalog(&tb).await;
    assert!(demo.len() > 2, "the demo is there first");

    let summary = menu::import(store, &json_menu(&tb.dir.path().join("json")), None)
        .await
        .unwrap();
    assert_eq!(
        (summary.categories, summary.added, summary.updated),
        (2, 3, 0)
    );
    assert!(summary.withdrawn > 0, "the demo's dishes are withdrawn");
    let (slugs, items) = catalog(&tb).await;
    assert_eq!(slugs, ["soups", "mains"]);
    assert_eq!(
        items,
        [
            ("Borscht".to_owned(), 650, true),
            ("Shchi".to_owned(), 590, false),
            ("Pelmeni".to_owned(), 1250, true)
        ]
    );
    // The picture is served re-encoded: a square JPEG the kiosk's size, whatever was given.
    let products = get(&tb, "/api/v1/products?per_page=100").await;
    let borscht = &products["items"][0];
    let picture = borscht["image_ids"][0].as_str().expect("a picture");
    let resp = tb
        .http
        .get(tb.url(&format!("/api/v1/files/{picture}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let decoded = image::load_from_memory(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (menu::PICTURE_SIDE, menu::PICTURE_SIDE)
    );
    assert!(
        products["items"][1]["image_ids"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Searchable in Russian too.
    let found = get(&tb, "/api/v1/products?q=%D0%B1%D0%BE%D1%80%D1%89").await;
    assert_eq!(found["items"][0]["name"], "Borscht");

    let summary = menu::import(
        store,
        &csv_menu(&tb.dir.path().join("csv"), PRODUCTS_CSV),
        None,
    )
    .await
    .unwrap();
    assert_eq!((summary.added, summary.withdrawn), (3, 3));
    let (slugs, items) = catalog(&tb).await;
    assert_eq!(slugs, ["salads", "drinks"]);
    assert_eq!(
        items,
        [
            ("Olivier".to_owned(), 450, true),
            ("Kompot".to_owned(), 250, true),
            ("Kvass".to_owned(), 300, false)
        ]
    );
}

/// Where a problem is expected: its line in products.csv and its field ("" for none).
type Expected = (Option<usize>, &'static str);

/// The problems importing `products` (with the good categories and pictures) reports.
async fn problems_of(tb: &TestBackend, name: &str, products: &[u8]) -> Vec<Problem> {
    let dir = tb.dir.path().join(name);
    let path = csv_menu(&dir, "");
    std::fs::write(&path, products).unwrap();
    match menu::import(&tb.backend.state.store, &path, None).await {
        Err(ImportError::Invalid(problems)) => problems,
        other => panic!("{name}: expected problems, got {other:?}"),
    }
}

#[tokio::test]
async fn every_kind_of_broken_menu_is_named_by_file_line_and_field_and_changes_nothing() {
    let tb = TestBackend::start(|_| {}).await;
    menu::import(
        &tb.backend.state.store,
        &csv_menu(&tb.dir.path().join("good"), PRODUCTS_CSV),
        None,
    )
    .await
    .unwrap();
    let before = get(&tb, "/api/v1/products?per_page=100").await;
    let header = "sku,category,name_en,name_ru,description_en,price_minor,tags,available,picture\n";
    let good = "SAL-1,salads,Olivier,Оливье,Potato salad,450,classic,true,olivier.png\n";
    let cases: Vec<(&str, Vec<u8>, Expected)> = vec![
        (
            "missing-column",
            b"sku,category,name_en\nSAL-1,salads,Olivier\n".to_vec(),
            (Some(1), "price_minor"),
        ),
        (
            "wrong-price",
            format!("{header}{good}DRK-1,drinks,Kompot,,,2.50,,true,\n").into_bytes(),
            (Some(3), "price_minor"),
        ),
        (
            "negative-price",
            format!("{header}{good}DRK-1,drinks,Kompot,,,-5,,true,\n").into_bytes(),
            (Some(3), "price_minor"),
        ),
        (
            "unknown-category",
            format!("{header}{good}DRK-1,desserts,Kompot,,,250,,true,\n").into_bytes(),
            (Some(3), "category"),
        ),
        (
            "corrupt-picture",
            format!("{header}{good}DRK-1,drinks,Kompot,,,250,,true,broken.png\n").into_bytes(),
            (Some(3), "picture"),
        ),
        (
            "missing-picture",
            format!("{header}DRK-1,drinks,Kompot,,,250,,true,nowhere.png\n").into_bytes(),
            (Some(2), "picture"),
        ),
        (
            "duplicate-sku",
            format!("{header}{good}SAL-1,drinks,Kompot,,,250,,true,\n").into_bytes(),
            (Some(3), "sku"),
        ),
        (
            "no-english-name",
            format!("{header}{good}DRK-1,drinks,,Компот,,250,,true,\n").into_bytes(),
            (Some(3), "name_en"),
        ),
        (
            "wrong-encoding",
            // "Компот" in Windows-1251, as a spreadsheet might save it.
            [
                format!("{header}{good}DRK-1,drinks,Kompot,").into_bytes(),
                vec![0xCA, 0xEE, 0xEC, 0xEF, 0xEE, 0xF2],
                b",,250,,true,\n".to_vec(),
            ]
            .concat(),
            (Some(3), ""),
        ),
    ];
    for (name, bytes, (line, field)) in cases {
        let problems = problems_of(&tb, name, &bytes).await;
        let found = problems.iter().any(|p| {
            p.file.ends_with("products.csv")
                && p.line == line
                && p.field.as_deref().unwrap_or_default() == field
        });
        assert!(
            found,
            "{name}: expected products.csv:{line:?}: {field}, got {problems:?}"
        );
        for p in &problems {
            assert!(!p.message.is_empty());
            // Printed as the operator reads it.
            assert!(p.to_string().starts_with(&p.file), "{p}");
        }
        assert_eq!(
            get(&tb, "/api/v1/products?per_page=100").await,
            before,
            "{name}: the catalog changed"
        );
    }
    // A menu file that is not JSON at all says where it stops making sense.
    let dir = tb.dir.path().join("bad-json");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("menu.json"),
        "{\n  \"categories\": [\n    {\"slug\": }\n",
    )
    .unwrap();
    match menu::import(&tb.backend.state.store, &dir, None).await {
        Err(ImportError::Invalid(p)) => assert_eq!(p[0].line, Some(3), "{p:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(get(&tb, "/api/v1/products?per_page=100").await, before);
}

#[tokio::test]
async fn a_menu_imported_again_updates_dishes_by_sku_and_past_orders_keep_their_names_and_prices() {
    let tb = TestBackend::start(|_| {}).await;
    let store = &tb.backend.state.store;
    let dir = tb.dir.path().join("menu");
    menu::import(store, &csv_menu(&dir, PRODUCTS_CSV), None)
        .await
        .unwrap();
    let products = get(&tb, "/api/v1/products?per_page=100").await;
    let olivier = product_id(&products, "Olivier");
    let kompot = product_id(&products, "Kompot");
    let token = tb.guest().await;
    let sold = tb.place_order(&token, olivier, "cash_on_delivery").await;
    assert_eq!(sold.lines[0].name, "Olivier");

    // Olivier renamed and dearer; Kompot left out; a new dish.
    let again = PRODUCTS_CSV
        .replace(
            "Olivier,Оливье,Potato salad,450",
            "Olivier Royal,Оливье,Potato salad,520",
        )
        .replace("DRK-1,drinks,Kompot,Компот,,250,,true,\n", "")
        + "DRK-3,drinks,Mors,Морс,,280,,true,\n";
    let summary = menu::import(store, &csv_menu(&dir, &again), None)
        .await
        .unwrap();
    assert_eq!(
        (summary.added, summary.updated, summary.withdrawn),
        (1, 2, 1)
    );
    let products = get(&tb, "/api/v1/products?per_page=100").await;
    assert_eq!(
        product_id(&products, "Olivier Royal"),
        olivier,
        "the same dish, by its SKU"
    );
    let now = get(&tb, &format!("/api/v1/products/{olivier}")).await;
    assert_eq!(now["price"]["minor"], 520);
    // The order sold before keeps the name and price it was sold at.
    let resp = tb
        .http
        .get(tb.url(&format!("/api/v1/orders/{}", sold.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let order: Value = resp.json().await.unwrap();
    assert_eq!(order["lines"][0]["name"], "Olivier");
    assert_eq!(order["lines"][0]["unit_price"]["minor"], 450);
    // A withdrawn dish is neither listed nor sold.
    let resp = tb
        .http
        .post(tb.url("/api/v1/orders"))
        .bearer_auth(&token)
        .json(
            &json!({"lines": [{"product_id": kompot, "quantity": 1}], "city": "Moscow",
                      "address": "Arbat 1", "phone": "+79123456789", "delivery_method": "car",
                      "payment_method": "cash_on_delivery"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "unknown_product");
}

#[tokio::test]
async fn an_exported_catalog_imports_back_as_the_same_dishes_in_either_format() {
    let tb = TestBackend::start(|_| {}).await;
    let store = &tb.backend.state.store;
    // The demo first: its dishes have no SKU and export as P<id>.
    let demo = get(&tb, "/api/v1/products?per_page=100").await;
    for (name, path) in [
        ("json", tb.dir.path().join("out-json/menu.json")),
        ("csv", tb.dir.path().join("out-csv")),
    ] {
        let written = menu::export(store, &path).await.unwrap();
        assert_eq!(written.products, demo["items"].as_array().unwrap().len());
        assert!(
            written.files >= written.products,
            "{name}: every dish's picture"
        );
        let summary = menu::import(store, &path, None).await.unwrap();
        assert_eq!(
            (summary.added, summary.withdrawn),
            (0, 0),
            "{name}: the same dishes"
        );
        let after = get(&tb, "/api/v1/products?per_page=100").await;
        let names = |v: &Value| {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["id"].clone(), p["name"].clone(), p["price"].clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&after), names(&demo), "{name}");
    }
}

#[tokio::test]
async fn the_command_line_lists_every_problem_and_imports_nothing() {
    let tb = TestBackend::start(|_| {}).await;
    let url = support::engine::database_url(tb.dir.path(), "test");
    let path = csv_menu(
        &tb.dir.path().join("cli"),
        "sku,category,name_en,price_minor\nA-1,salads,Olivier,4.50\nA-1,nowhere,Kompot,250\n",
    );
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_customerclient-backend"))
            .arg("--database-url")
            .arg(&url)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["menu", "import", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    for expected in [
        "products.csv:2: price_minor:",
        "products.csv:3: sku: 'A-1' is already used on line 2",
        "products.csv:3: category: 'nowhere'",
        "3 problem(s) in the menu; nothing was imported",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in:\n{stderr}");
    }
    let path = csv_menu(&tb.dir.path().join("cli-good"), PRODUCTS_CSV);
    let out = run(&["menu", "import", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 products added"));
    // Another process changed the catalog: this instance sees it within its cache's second.
    support::eventually(
        "the imported menu",
        std::time::Duration::from_secs(5),
        || async {
            let (slugs, _) = catalog(&tb).await;
            (slugs == ["salads", "drinks"]).then_some(())
        },
    )
    .await;
}

/// The listed catalog straight from the database (no cache): every product's SKU, name and
/// price, in order.
async fn listed(store: &customerclient_backend::store::Store) -> Vec<(String, String, i64)> {
    store
        .listed_menu()
        .await
        .unwrap()
        .products
        .into_iter()
        .map(|p| (p.sku, p.names["en"].clone(), p.price_minor))
        .collect()
}

#[tokio::test]
async fn an_import_killed_at_any_moment_leaves_the_old_menu_or_the_whole_new_one() {
    use std::io::BufRead;
    let tb = TestBackend::start(|_| {}).await;
    let store = &tb.backend.state.store;
    let url = support::engine::database_url(tb.dir.path(), "test");
    // A menu whose transaction takes a while: 400 dishes, 10 of them with a picture.
    let dir = tb.dir.path().join("big");
    csv_menu(&dir, "");
    let mut rows = String::from("sku,category,name_en,price_minor,picture\n");
    for i in 0..400 {
        let picture = if i % 40 == 0 {
            let name = format!("p{i}.png");
            std::fs::write(dir.join(&name), png(64, 64, [i as u8, 100, 200])).unwrap();
            name
        } else {
            String::new()
        };
        rows.push_str(&format!("BIG-{i},salads,Dish {i},{},{picture}\n", 100 + i));
    }
    std::fs::write(dir.join("products.csv"), rows).unwrap();
    // The import, stopped (SIGKILL) `after` its menu was checked and its transaction began;
    // `None` lets it finish. Returns how long it ran from that moment.
    let import = |after: Option<std::time::Duration>| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_customerclient-backend"))
            .arg("--database-url")
            .arg(&url)
            .args(["menu", "import"])
            .arg(dir.join("products.csv"))
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let checked = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|l| l.contains("menu checked; importing"));
        assert!(checked, "the import never got to its transaction");
        let began = std::time::Instant::now();
        if let Some(after) = after {
            // A timed SIGKILL, not a wait for a condition: any moment must be safe.
            std::thread::sleep(after);
            unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        }
        let status = child.wait().unwrap();
        drop(lines);
        (status, began.elapsed())
    };
    let (status, whole) = import(None);
    assert!(status.success());
    let new = listed(store).await;
    assert_eq!(new.len(), 400);
    let small_path = csv_menu(&tb.dir.path().join("small"), PRODUCTS_CSV);
    menu::import(store, &small_path, None).await.unwrap();
    let old = listed(store).await;
    assert_eq!(old.len(), 3);
    let (mut left_old, mut left_new) = (0, 0);
    for i in 0..8u32 {
        let at = whole * i / 8;
        import(Some(at));
        let now = listed(store).await;
        if now == old {
            left_old += 1;
        } else {
            assert_eq!(
                now, new,
                "killed {at:?} into its transaction: a partial menu"
            );
            left_new += 1;
            menu::import(store, &small_path, None).await.unwrap();
        }
    }
    eprintln!(
        "transaction and exit {whole:?}; killed imports left the old menu {left_old}×, the whole new one {left_new}×"
    );
    assert!(left_old > 0, "no kill landed inside the transaction");
    // The database still works after the kills: a whole import goes through.
    assert!(import(None).0.success());
    assert_eq!(listed(store).await, new);
}
