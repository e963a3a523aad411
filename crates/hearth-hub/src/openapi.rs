//! `GET /api/openapi.json`, the OpenAPI 3.1 document of every route, kept by
//! hand beside the code (tests/hub/openapi.rs fails when it and the router
//! disagree), and `GET /api/docs`, a small page that lists it. Both are
//! compiled in, so they need neither the dashboard's files nor the internet.

use axum::http::header;
use axum::response::IntoResponse;

const DOCUMENT: &str = include_str!("openapi.json");
const PAGE: &str = include_str!("openapi.html");

pub(crate) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

pub(crate) async fn page() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE)
}
