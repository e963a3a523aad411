//! Who is calling: a token from `Authorization: Bearer …` (or a device's
//! `hello`), checked against the store on every use so that a revocation
//! takes effect at once. Refusals are JSON like every other `/api` error, with
//! `WWW-Authenticate: Bearer` on a 401.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::hub::Hub;
use crate::store::tokens::{self, Scope, TokenInfo};

/// Why a request was not let in.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AuthError {
    #[error("send a device token as `Authorization: Bearer <token>`")]
    Missing,
    #[error("the `Authorization` header must be `Bearer <token>`")]
    Malformed,
    #[error("unknown token")]
    Unknown,
    #[error("token {0} has been revoked")]
    Revoked(String),
    #[error("token {name} does not allow {scope}")]
    Forbidden { name: String, scope: Scope },
    /// The store could not be read; the message is for the log only.
    #[error("{0}")]
    Internal(String),
}

impl AuthError {
    /// The words a WebSocket Close frame carries (at most 123 bytes).
    pub(crate) fn close_reason(&self) -> String {
        match self {
            AuthError::Internal(_) => "the hub could not check the token".to_owned(),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            AuthError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
            AuthError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            _ => (StatusCode::UNAUTHORIZED, "unauthorized"),
        };
        let message = match &self {
            AuthError::Internal(cause) => {
                tracing::error!(%cause, "cannot check a token");
                "the hub could not answer; its log has the cause".to_owned()
            }
            _ => {
                tracing::info!(%status, error = %self, "request refused");
                self.to_string()
            }
        };
        let mut response =
            (status, Json(json!({"code": code, "message": message}))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The bearer token of `headers`, if there is an `Authorization` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<Result<String, AuthError>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|text| text.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty());
    Some(token.map(str::to_owned).ok_or(AuthError::Malformed))
}

/// The token `secret` stands for, if it is valid and allows `scope`.
pub(crate) async fn check(hub: &Hub, secret: &str, scope: Scope) -> Result<TokenInfo, AuthError> {
    let hash = tokens::hash(secret);
    let history = hub.history();
    let found = tokio::task::spawn_blocking(move || history.token(&hash))
        .await
        .map_err(|error| AuthError::Internal(error.to_string()))?
        .map_err(|error| AuthError::Internal(error.to_string()))?;
    let info = found.ok_or(AuthError::Unknown)?;
    if info.revoked.is_some() {
        return Err(AuthError::Revoked(info.name));
    }
    if !info.allows(scope) {
        return Err(AuthError::Forbidden {
            name: info.name,
            scope,
        });
    }
    Ok(info)
}

/// The caller of a plain HTTP request, which must carry a bearer token.
pub(crate) async fn caller(
    hub: &Hub,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<TokenInfo, AuthError> {
    let secret = bearer(headers).ok_or(AuthError::Missing)??;
    check(hub, &secret, scope).await
}
