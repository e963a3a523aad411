//! Serves the built dashboard (trunk's `dist/`) as a single-page app: a path
//! that is not a file gets `index.html`, and the dashboard's own router takes it
//! from there. Cache headers follow the service worker's needs (docs/pwa.md):
//! trunk's content-hashed files never change, so browsers may keep them for a
//! year; everything else (`index.html`, `sw.js`, the manifest, icons) is
//! revalidated on each use, so a new build is seen at once.

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};

use crate::AppState;

const NO_CACHE: &str = "no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub(crate) async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let index = state.dist.join("index.html");
    // Checked on every request, so building the dashboard while the hub runs
    // needs no restart.
    if !tokio::fs::try_exists(&index).await.unwrap_or(false) {
        let message = format!(
            "The Hearth dashboard has not been built: {} is missing.\n\
             Run `trunk build --release` in the Hearth source directory, then reload.\n\
             The API is up meanwhile: /api/health, /api/devices, /api/ws.\n",
            index.display()
        );
        return (StatusCode::SERVICE_UNAVAILABLE, message).into_response();
    }
    let file_name = request
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    match ServeDir::new(&*state.dist)
        .fallback(ServeFile::new(index))
        .try_call(request)
        .await
    {
        Ok(response) => with_cache_headers(response.into_response(), &file_name),
        Err(error) => {
            tracing::error!(%error, "cannot read the dashboard files");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The hub could not read the dashboard files; see its log.\n",
            )
                .into_response()
        }
    }
}

/// Sets the content type ServeDir cannot guess and the caching policy.
fn with_cache_headers(mut response: Response, file_name: &str) -> Response {
    let headers = response.headers_mut();
    // index.html also answers unknown paths, hashed-looking ones included, so
    // HTML is never cached for long whatever the path says.
    let html = headers
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    let content_type = match file_name {
        _ if html => None,
        "sw.js" => Some("text/javascript"),
        _ if file_name.ends_with(".webmanifest") => Some("application/manifest+json"),
        _ => None,
    };
    if let Some(content_type) = content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    let policy = if !html && is_content_hashed(file_name) {
        IMMUTABLE
    } else {
        NO_CACHE
    };
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// Whether trunk named the file after its content: `name-<16 hex digits>.ext`,
/// or `name-<16 hex digits>_bg.wasm` for the wasm.
fn is_content_hashed(file_name: &str) -> bool {
    let Some((stem, _extension)) = file_name.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty() && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn only_trunks_hashed_names_count_as_immutable() {
        let table = [
            ("hearth-bde5d950a00982a6.js", true),
            ("hearth-bde5d950a00982a6_bg.wasm", true),
            ("main-315114f8e084c81a.css", true),
            ("sw.js", false),
            ("pwa.js", false),
            ("index.html", false),
            ("icon-512.png", false),
            ("icon-maskable-512.png", false),
            ("-bde5d950a00982a6.js", false),
            ("hearth-bde5d950a00982a.js", false),
            ("hearth-bde5d950a00982xz.js", false),
            ("", false),
        ];
        for (name, want) in table {
            assert_eq!(is_content_hashed(name), want, "{name}");
        }
    }
}
