//! The published contract: `docs/openapi.json` must be what the endpoint types generate, and
//! the document must hold together (every endpoint in it, every reference resolving, every
//! error answered with the error body).

use std::collections::BTreeSet;

use customerclient_api::endpoint::{ALL, Caller};
use customerclient_api::openapi;
use serde_json::Value;

fn committed() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

#[test]
fn the_committed_document_is_what_the_code_generates() {
    let generated = openapi::document_json();
    let path = committed();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/openapi.json differs from what crates/api generates; run \
         `UPDATE_OPENAPI=1 cargo test -p customerclient-api --test openapi` and commit it"
    );
}

fn document() -> Value {
    serde_json::from_str(&openapi::document_json()).unwrap()
}

#[test]
fn every_endpoint_is_an_operation_with_its_method_and_route() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    for r in ALL {
        let op = &doc["paths"][r.route][r.method.as_str().to_lowercase()];
        assert_eq!(
            op["operationId"],
            r.name,
            "{} {}",
            r.method.as_str(),
            r.route
        );
        let secured = !op["security"].is_null();
        assert_eq!(secured, r.caller != Caller::Anyone, "{}", r.name);
        if r.caller != Caller::Anyone {
            assert!(
                op["responses"]["401"].is_object(),
                "{} documents 401",
                r.name
            );
        }
        if r.route.contains('{') {
            assert!(
                op["responses"]["404"].is_object(),
                "{} documents 404",
                r.name
            );
        }
    }
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(operations, ALL.len());
}

fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.insert(v.as_str().unwrap().to_owned());
                }
                refs(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let doc = document();
    let mut found = BTreeSet::new();
    refs(&doc, &mut found);
    assert!(found.len() > 20, "{found:?}");
    for r in found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r} points outside the schemas"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} has no schema"
        );
    }
}

#[test]
fn every_error_status_has_the_error_body() {
    let doc = document();
    for (route, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, resp) in op["responses"].as_object().unwrap() {
                assert!(resp["description"].is_string(), "{method} {route} {status}");
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        resp["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {route} {status}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_documented_bounds_are_the_rules_the_code_keeps() {
    use customerclient_api::orders::{MAX_COMMENT_CHARS, MAX_LINES, MAX_ORDER_PAGE, MAX_QUANTITY};
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let line = &schemas["OrderLineRequest"]["properties"]["quantity"];
    assert_eq!(line["maximum"], MAX_QUANTITY);
    let lines = &schemas["CreateOrderRequest"]["properties"]["lines"];
    assert_eq!(lines["maxItems"], MAX_LINES);
    let comment = &schemas["RateRequest"]["properties"]["comment"];
    assert_eq!(comment["maxLength"], MAX_COMMENT_CHARS);
    let limit = doc["paths"]["/api/v1/orders"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!(limit["schema"]["maximum"], MAX_ORDER_PAGE, "{limit}");
}
