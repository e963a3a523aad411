//! Serves the built dashboard (trunk's `dist/`) as a single-page app: a path
//! that is not a file gets `index.html`, and the dashboard's own router takes it
//! from there.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};

use crate::AppState;

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
    match ServeDir::new(&*state.dist)
        .fallback(ServeFile::new(index))
        .try_call(request)
        .await
    {
        Ok(response) => response.into_response(),
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
