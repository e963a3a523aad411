//! Security headers on what the hub serves: the API and the dashboard both
//! carry the Content-Security-Policy and its companions, and a page's inline
//! script is allowed by its hash alone.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::support::{self, TestHub};

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, value)| value.as_str())
}

fn csp_hash(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    // Base64 by hand keeps the test free of another dependency.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in digest.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("'sha256-{out}'")
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let (_dir, data_dir) = support::data_dir();
    let dist = data_dir.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let boot = "import init from '/app.js'; await init();";
    std::fs::write(
        dist.join("index.html"),
        format!(
            "<!doctype html><script defer src=/pwa.js></script><script type=module>{boot}</script>"
        ),
    )
    .unwrap();
    let mut config = support::config(&data_dir, Duration::from_secs(1));
    config.dist = dist;
    let hub = TestHub::start_with(config).await;

    for path in ["/api/health", "/", "/automations", "/api/no-such-thing"] {
        let (_, headers) = hub.get_headers(path).await;
        let csp = header(&headers, "content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP in {headers:?}"));
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "connect-src 'self'",
            "worker-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ] {
            assert!(
                csp.contains(directive),
                "{path}: {directive} missing from {csp}"
            );
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            header(&headers, "x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            header(&headers, "referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(
            header(&headers, "strict-transport-security"),
            None,
            "{path}: HSTS over plain HTTP"
        );
    }

    // The page's own inline module script, and only it, is allowed.
    let (status, headers) = hub.get_headers("/").await;
    assert_eq!(status, 200);
    let csp = header(&headers, "content-security-policy").unwrap();
    assert!(csp.contains(&csp_hash(boot)), "{csp}");
    let (_, headers) = hub.get_headers("/api/health").await;
    let csp = header(&headers, "content-security-policy").unwrap();
    assert!(!csp.contains("sha256-"), "{csp}");
    hub.shut_down().await.unwrap();
}
