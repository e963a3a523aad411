//! The OpenAPI document cannot drift from the router: every `.route(…)` in
//! the hub's source is in it with the same methods and nothing else is, and
//! every documented route is routed on a real hub.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{TestHub, data_dir};

/// The files that build the router.
pub(crate) const ROUTER_SOURCES: [&str; 3] = [
    include_str!("../../src/lib.rs"),
    include_str!("../../src/automation/api.rs"),
    include_str!("../../src/auth/routes.rs"),
];

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// Every (path, method) of `.route("…", get(…).post(…))` in `source`; routes
/// of `any(…)` are the JSON 404s for unknown paths, not endpoints.
pub(crate) fn routes(source: &str) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for call in source.split(".route(\"").skip(1) {
        let (path, rest) = call.split_once('"').expect("a closing quote");
        // The handlers run to the end of the `.route(` call, which is the
        // first `)` that closes more than it opened.
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map_or(rest.len(), |(i, _)| i);
        let handlers = &rest[..end];
        for method in METHODS {
            let starts = [format!(" {method}("), format!(".{method}(")];
            if starts.iter().any(|start| handlers.contains(start.as_str())) {
                found.insert((path.to_owned(), method.to_owned()));
            }
        }
    }
    found
}

fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("`paths`");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .into_iter()
                .filter(|method| item.get(*method).is_some())
                .map(|method| (path.clone(), method.to_owned()))
        })
        .collect()
}

async fn served_document(hub: &TestHub) -> Value {
    let (status, content_type, body) = hub.http("GET", "/api/openapi.json").await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    serde_json::from_str(&body).expect("the document is JSON")
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_of_the_router() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let document = served_document(&hub).await;
    assert_eq!(document["openapi"], "3.1.0");
    let in_code: BTreeSet<_> = ROUTER_SOURCES.iter().flat_map(|s| routes(s)).collect();
    assert!(in_code.len() >= 20, "the route parser found {in_code:?}");
    let in_document = documented(&document);
    let missing: Vec<_> = in_code.difference(&in_document).collect();
    let stale: Vec<_> = in_document.difference(&in_code).collect();
    assert!(
        missing.is_empty(),
        "routed but not in openapi.json: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "in openapi.json but not routed: {stale:?}"
    );
    for (path, method) in &in_document {
        let operation = &document["paths"][path][method];
        assert!(
            operation["summary"].is_string(),
            "{method} {path} has no summary"
        );
        assert!(
            operation["responses"].is_object(),
            "{method} {path} has no responses"
        );
    }
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn every_documented_route_is_routed_and_the_docs_page_is_served() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let document = served_document(&hub).await;
    for (path, method) in documented(&document) {
        // Signing out would end the session the rest of the walk uses.
        if path == "/api/auth/logout" {
            continue;
        }
        let concrete = path.replace("{id}", "no-such-rule");
        let verb = method.to_ascii_uppercase();
        let (status, _, body) = hub.http(&verb, &concrete).await;
        // A route that exists may still refuse (400, 401, 404 for an unknown
        // rule), but never as an unknown endpoint or method.
        assert_ne!(status, 405, "{verb} {concrete}: {body}");
        assert!(
            !body.contains("no API endpoint"),
            "{verb} {concrete} is not routed: {body}"
        );
    }
    let (status, content_type, page) = hub.http("GET", "/api/docs").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(
        page.contains("/api/openapi.json"),
        "the page reads the document"
    );
    hub.shut_down().await.unwrap();
}
