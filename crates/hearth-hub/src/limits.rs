//! How much a client may send in one request: every body the API buffers is
//! capped (rule documents tighter than the rest), and a body over its cap is
//! refused with a 413 in the API's JSON error shape. WebSocket frames are
//! capped where each socket is upgraded (`ws`, `devices::session`), ingest
//! batches in `devices::ingest`, and connections per client in `listener`.

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Any request body the API buffers. The largest legitimate ones (a user, a
/// token, a setting) are well under a kilobyte; ingest batches have their
/// own 1 MiB.
pub(crate) const MAX_BODY_BYTES: usize = 256 * 1024;

/// A rule document: a rule with dozens of triggers and actions is a few
/// kilobytes, and every rule is validated and evaluated in full.
pub(crate) const MAX_RULE_BYTES: usize = 64 * 1024;

/// Caps the bodies `router`'s handlers buffer at `max` bytes.
pub(crate) fn cap_bodies(router: Router, max: usize) -> Router {
    router
        .layer(DefaultBodyLimit::max(max))
        .layer(middleware::from_fn_with_state(max, explain))
}

/// axum refuses an oversized body with a plain-text 413; this gives it the
/// API's JSON shape and says what the limit is.
async fn explain(State(max): State<usize>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || json {
        return response;
    }
    tracing::info!(%path, limit = max, "refused a request body over the limit");
    let message = format!(
        "the request body is larger than the {} KiB {path} accepts",
        max / 1024
    );
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(json!({"code": "payload_too_large", "message": message})),
    )
        .into_response()
}
