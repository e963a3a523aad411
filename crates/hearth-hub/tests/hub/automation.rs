//! The automation endpoints as a browser meets them, next to the rest of `/api`.

use serde_json::{Value, json};

use crate::support::{TestHub, data_dir};

#[tokio::test]
async fn sun_and_templates_are_served_with_json_errors_like_the_rest_of_the_api() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;

    let (status, content_type, body) = hub.http("GET", "/api/sun?date=2026-06-21").await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/json"),
        "{body}"
    );
    let day: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(day["date"], json!("2026-06-21"));
    // London by default: midsummer sunrise is a little before 04:45 BST.
    assert!(
        day["sunrise"]
            .as_str()
            .is_some_and(|at| at.starts_with("2026-06-21T03:4")),
        "{day}"
    );

    let (status, _, body) = hub.http("GET", "/api/rules/templates").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"cool-when-hot\""), "{body}");

    let table = [
        ("GET", "/api/sun?date=21/06/2026", 400, "bad_request"),
        ("POST", "/api/sun", 405, "method_not_allowed"),
        ("GET", "/api/rules/nope", 404, "not_found"),
    ];
    for (method, path, want_status, want_code) in table {
        let (status, content_type, body) = hub.http(method, path).await;
        assert_eq!(status, want_status, "{method} {path}: {body}");
        assert_eq!(content_type, "application/json", "{method} {path}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["code"], want_code, "{method} {path}");
    }
    hub.shut_down().await.unwrap();
}
