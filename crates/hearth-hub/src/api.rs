//! The REST API: the device list (for pages and scripts that hold no WebSocket),
//! a health check for scripts and probes, history for charts and CSV export, and
//! JSON errors for everything else under `/api`, so a mistyped endpoint never
//! comes back as the dashboard's HTML.

mod export;
mod history;
mod range;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use hearth_core::PROTOCOL_VERSION;
use hearth_core::protocol::DeviceSnapshot;
use hearth_core::rules::Diagnostic;
use serde::Serialize;

use crate::AppState;
use crate::auth::Caller;

pub(crate) use export::export;
pub(crate) use history::history;

/// `GET /api/devices`: every device the caller may see, as in a WebSocket
/// `snapshot`.
pub(crate) async fn devices(
    State(state): State<AppState>,
    caller: Caller,
) -> Json<Vec<DeviceSnapshot>> {
    let mut devices = state.hub.snapshot();
    devices.retain(|snapshot| caller.who.sees(&snapshot.device.room));
    Json(devices)
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
    /// Something else the request names does not exist (a user, a token).
    #[error("{0}")]
    Missing(String),
    /// Something else the request would create exists already.
    #[error("{0}")]
    ConflictWith(String),
    /// Not signed in, or the session or token is no good.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but not allowed this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many wrong passwords: try again in this many seconds.
    #[error("too many failed sign-ins; try again in {0} s")]
    RateLimited(u64),
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
            ApiError::NoRule(_) | ApiError::Missing(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) | ApiError::ConflictWith(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
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
        let extra = match &self {
            ApiError::Unauthorized(_) => Some((header::WWW_AUTHENTICATE, "Bearer".to_owned())),
            ApiError::RateLimited(seconds) => Some((header::RETRY_AFTER, seconds.to_string())),
            _ => None,
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
        let mut response = (status, Json(body)).into_response();
        if let Some((name, value)) = extra
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
