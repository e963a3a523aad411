//! The REST endpoints and the dashboard's static files.

use hearth_core::PROTOCOL_VERSION;
use serde_json::{Value, json};

use crate::support::{HOUSE, TestHub, config, data_dir, ids};

#[tokio::test]
async fn health_devices_and_unknown_endpoints_answer_in_json() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;

    let (status, content_type, body) = hub.http("GET", "/api/health").await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["protocol"], json!(PROTOCOL_VERSION));
    assert!(health["version"].is_string());

    let devices = hub.devices().await;
    let want: std::collections::BTreeSet<&str> = HOUSE.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids(&devices), want);

    let table = [
        ("GET", "/api/nope", 404, "not_found"),
        ("GET", "/api", 404, "not_found"),
        ("GET", "/api/devices/extra/path", 404, "not_found"),
        ("POST", "/api/devices", 405, "method_not_allowed"),
    ];
    for (method, path, want_status, want_code) in table {
        hub.expect_refusal(method, path, "", want_status, want_code)
            .await;
    }
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn the_dashboard_is_served_with_a_single_page_fallback() {
    let (_dir, path) = data_dir();
    let dist = path.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Hearth</title>",
    )
    .unwrap();
    std::fs::write(dist.join("app.js"), "console.log('hearth')").unwrap();
    let hub = TestHub::start_with(hearth_hub::Config {
        dist,
        ..config(&path, std::time::Duration::from_millis(50))
    })
    .await;

    let table = [
        ("/", "<title>Hearth</title>"),
        ("/rooms/kitchen", "<title>Hearth</title>"),
        ("/app.js", "console.log"),
    ];
    for (path, want) in table {
        let (status, _, body) = hub.http("GET", path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains(want), "{path}: {body}");
    }
    let (status, _, _) = hub.http("GET", "/api/nope").await;
    assert_eq!(status, 404, "the API never falls back to the dashboard");
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn the_service_worker_manifest_and_shell_are_revalidated_and_hashed_files_kept() {
    let (_dir, path) = data_dir();
    let dist = path.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let files: [(&str, &[u8]); 6] = [
        ("index.html", b"<!doctype html><title>Hearth</title>"),
        ("sw.js", b"self.addEventListener('fetch', () => {});"),
        ("manifest.webmanifest", b"{}"),
        ("hearth-0123456789abcdef.js", b"export default 1;"),
        ("hearth-0123456789abcdef_bg.wasm", b"\0asm"),
        ("icon-192.png", b"\x89PNG"),
    ];
    for (name, body) in files {
        std::fs::write(dist.join(name), body).unwrap();
    }
    let hub = TestHub::start_with(hearth_hub::Config {
        dist,
        ..config(&path, std::time::Duration::from_millis(50))
    })
    .await;

    let immutable = "public, max-age=31536000, immutable";
    let table = [
        ("/", "text/html", "no-cache"),
        ("/index.html", "text/html", "no-cache"),
        ("/rooms/kitchen", "text/html", "no-cache"),
        // A missing hashed file falls back to index.html, which must not stick.
        ("/hearth-fedcba9876543210.js", "text/html", "no-cache"),
        ("/sw.js", "text/javascript", "no-cache"),
        (
            "/manifest.webmanifest",
            "application/manifest+json",
            "no-cache",
        ),
        ("/icon-192.png", "image/png", "no-cache"),
        ("/hearth-0123456789abcdef.js", "text/javascript", immutable),
        (
            "/hearth-0123456789abcdef_bg.wasm",
            "application/wasm",
            immutable,
        ),
    ];
    for (path, want_type, want_cache) in table {
        let (status, headers) = hub.get_headers(path).await;
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        assert_eq!(status, 200, "{path}");
        assert!(
            header("content-type").starts_with(want_type),
            "{path}: content-type {}",
            header("content-type")
        );
        assert_eq!(header("cache-control"), want_cache, "{path}");
    }
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn without_a_built_dashboard_the_root_explains_how_to_build_it() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let (status, content_type, body) = hub.http("GET", "/").await;
    assert_eq!(status, 503);
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(body.contains("trunk build --release"), "{body}");
    hub.shut_down().await.unwrap();
}
