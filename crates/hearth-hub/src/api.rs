//! The REST API: the device list (for pages and scripts that hold no WebSocket),
//! a health check for scripts and probes, history for charts and CSV export, and
//! JSON errors for everything else under `/api`, so a mistyped endpoint never
//! comes back as the dashboard's HTML.

mod export;
mod history;
mod range;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hearth_core::PROTOCOL_VERSION;
use hearth_core::protocol::DeviceSnapshot;
use hearth_core::rules::Diagnostic;
use serde::Serialize;

use crate::AppState;

pub(crate) use export::export;
pub(crate) use history::history;

/// `GET /api/devices`: every device, as in a WebSocket `snapshot`.
pub(crate) async fn devices(State(state): State<AppState>) -> Json<Vec<DeviceSnapshot>> {
    Json(state.hub.snapshot())
}

#[derive(Debug, Serialize)]
pub(crate) struct Health {
    status: &'static str,
    protocol: u32,
    version: String,
}

/// `GET /api/health`
pub(crate) async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        protocol: PROTOCOL_VERSION,
        version: state.hub.info().version.clone(),
    })
}

pub(crate) async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound {
        method,
        path: uri.path().to_owned(),
    }
}

pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method,
        path: uri.path().to_owned(),
    }
}

/// Everything an API request can fail with. The client gets the status, a code
/// and a message safe to show; the log gets the details.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    #[error("no API endpoint {method} {path}")]
    NotFound { method: Method, path: String },
    #[error("{path} does not accept {method}")]
    MethodNotAllowed { method: Method, path: String },
    /// The request's parameters; the message lists every problem found.
    #[error("{0}")]
    BadRequest(String),
    #[error("there is no rule {0}")]
    NoRule(String),
    /// Creating a rule whose id is taken.
    #[error("there is already a rule {0}")]
    Conflict(String),
    /// A rule document with errors; every problem found, warnings included.
    #[error("the rule has {} problem(s); see `diagnostics`", .0.len())]
    InvalidRule(Vec<Diagnostic>),
    /// A fault of the hub's own; the message is for the log only.
    #[error("{0}")]
    Internal(String),
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
    /// Only for `invalid_rule`: each problem with its path in the document.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    diagnostics: Vec<Diagnostic>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
            }
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NoRule(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::InvalidRule(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_rule"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        // The client's mistakes are logged quietly; a fault of the hub's own is
        // logged as an error with its cause, and the client told only that
        // something went wrong.
        let message = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "API request failed");
                "the hub could not answer; its log has the cause".to_owned()
            }
            _ => {
                tracing::info!(%status, error = %self, "API request refused");
                self.to_string()
            }
        };
        let diagnostics = match self {
            ApiError::InvalidRule(diagnostics) => diagnostics,
            _ => Vec::new(),
        };
        let body = ErrorBody {
            code,
            message,
            diagnostics,
        };
        (status, Json(body)).into_response()
    }
}
