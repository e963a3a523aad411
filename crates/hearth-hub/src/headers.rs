//! Security headers on every response: a Content-Security-Policy that lets
//! the dashboard's wasm run and nothing else execute, plus the headers that
//! stop sniffing, referrer leaks, framing and (under TLS) downgrades.
//!
//! The policy allows no inline code except the exact inline scripts and
//! styles of the HTML page being served, by their SHA-256: trunk's module
//! loader in `index.html` and the API page's own script and style. They are
//! hashed from the response itself, so a dashboard rebuilt while the hub runs
//! is covered at once.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT, CONTENT_SECURITY_POLICY, CONTENT_TYPE, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};

/// HTML pages above this size are sent without being hashed (and so with
/// their inline code blocked); the hub's pages are a few kilobytes.
const MAX_HASHED_HTML: usize = 1024 * 1024;

/// Why each source is allowed is in docs/security.md.
const SCRIPT_SRC: &str = "'self' 'wasm-unsafe-eval'";
const FIXED: &str = "default-src 'self'; connect-src 'self'; img-src 'self'; \
    worker-src 'self'; manifest-src 'self'; font-src 'self'; frame-ancestors 'none'; \
    base-uri 'none'; object-src 'none'; form-action 'self'";

/// One year, the usual HSTS lifetime; only sent over TLS, where it can be
/// trusted.
const HSTS: &str = "max-age=31536000";

/// Whether the hub serves HTTPS (the state of [`add`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OverTls(pub(crate) bool);

/// The middleware: adds the headers to whatever the inner service answers.
pub(crate) async fn add(State(tls): State<OverTls>, mut request: Request, next: Next) -> Response {
    // A 304 for a page would carry a policy without the page's hashes, and
    // browsers apply a 304's headers to the copy they keep: so pages are
    // always sent whole. They are small and never cached for long anyway.
    if accepts_html(request.headers()) {
        request.headers_mut().remove(IF_NONE_MATCH);
        request.headers_mut().remove(IF_MODIFIED_SINCE);
    }
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    let html = parts
        .headers
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    let (body, inline) = if html {
        match axum::body::to_bytes(body, MAX_HASHED_HTML).await {
            Ok(bytes) => {
                let inline = Inline::of(&String::from_utf8_lossy(&bytes));
                (Body::from(bytes), inline)
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read a page to hash its inline scripts");
                (Body::empty(), Inline::default())
            }
        }
    } else {
        (body, Inline::default())
    };
    let headers = &mut parts.headers;
    if let Ok(policy) = HeaderValue::from_str(&inline.policy()) {
        headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // For browsers that predate `frame-ancestors`.
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if tls.0 {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    Response::from_parts(parts, body)
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The hashes of a page's inline scripts and styles, as CSP sources.
#[derive(Debug, Default, PartialEq)]
struct Inline {
    scripts: Vec<String>,
    styles: Vec<String>,
}

impl Inline {
    fn of(html: &str) -> Inline {
        Inline {
            scripts: inline_blocks(html, "script").map(source).collect(),
            styles: inline_blocks(html, "style").map(source).collect(),
        }
    }

    fn policy(&self) -> String {
        let style_src = if self.styles.is_empty() {
            "'self'".to_owned()
        } else {
            format!("'self' {}", self.styles.join(" "))
        };
        let script_src = if self.scripts.is_empty() {
            SCRIPT_SRC.to_owned()
        } else {
            format!("{SCRIPT_SRC} {}", self.scripts.join(" "))
        };
        format!("{FIXED}; script-src {script_src}; style-src {style_src}")
    }
}

fn source(content: &str) -> String {
    use std::fmt::Write;
    let digest = Sha256::digest(content.as_bytes());
    let mut encoded = String::from("'sha256-");
    base64(&digest, &mut encoded);
    let _ = write!(encoded, "'");
    encoded
}

/// Standard base64 with padding, as CSP hash sources are written.
fn base64(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

/// The contents of every `<tag …>…</tag>` that carries no `src`, exactly as
/// written (the browser hashes those bytes).
fn inline_blocks<'a>(html: &'a str, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut rest = html;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find(&open)?;
            let after_name = &rest[start + open.len()..];
            // `<scripts>` or `<styled>` are other tags.
            if !after_name.starts_with(['>', ' ', '\t', '\n', '\r']) {
                rest = after_name;
                continue;
            }
            let tag_end = after_name.find('>')?;
            let attributes = &after_name[..tag_end];
            let body = &after_name[tag_end + 1..];
            let end = body.find(&close)?;
            rest = &body[end + close.len()..];
            if !attributes.contains("src=") {
                return Some(&body[..end]);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_those_browsers_compute() {
        // `echo -n "alert('Hello, world.');" | openssl sha256 -binary | base64`,
        // the example in the CSP specification.
        assert_eq!(
            source("alert('Hello, world.');"),
            "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"
        );
        let mut out = String::new();
        base64(b"ab", &mut out);
        assert_eq!(out, "YWI=");
    }

    #[test]
    fn only_inline_blocks_are_hashed() {
        let page = "<script defer src=/pwa.js></script><script type=module>go()</script>\
            <style>a{}</style><scripts>no</scripts><script>two</script>";
        let found: Vec<&str> = inline_blocks(page, "script").collect();
        assert_eq!(found, ["go()", "two"]);
        let found: Vec<&str> = inline_blocks(page, "style").collect();
        assert_eq!(found, ["a{}"]);
        let policy = Inline::of(page).policy();
        assert!(policy.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' {}",
            source("go()")
        )));
        assert!(policy.contains(&format!("style-src 'self' {}", source("a{}"))));
    }

    #[test]
    fn a_page_without_inline_code_allows_none() {
        let policy = Inline::of("<p>hi</p>").policy();
        assert!(policy.ends_with("script-src 'self' 'wasm-unsafe-eval'; style-src 'self'"));
    }
}
