//! The account endpoints: signing in and out (`/api/auth/*`), and for admins
//! the users, the tokens and the audit log. docs/api.md documents each.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use hearth_core::DeviceId;
use serde::{Deserialize, Serialize};

use super::{AccountError, Accounts, COOKIE, Caller, Principal, Refusal, UserChange, audit_text};
use crate::api::{self, ApiError};
use crate::store::tokens::{Scope, TokenInfo, check_binding};
use crate::store::users::{AuditEntry, Role, User};

/// Audit entries answered when `limit` is left out, and the most answered.
const AUDIT_DEFAULT: u32 = 100;
const AUDIT_MOST: u32 = 1000;

pub(crate) fn routes(accounts: Arc<Accounts>) -> Router {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/setup", post(setup))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/users", get(users).post(add_user))
        .route("/api/users/{username}", delete(remove_user))
        // The same path: axum merges the two methods.
        .route("/api/users/{username}", patch(change_user))
        .route("/api/tokens", get(tokens).post(create_token))
        .route("/api/tokens/{id}", delete(revoke_token))
        .route("/api/audit", get(audit))
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(accounts)
}

/// Who is signed in, as `/api/auth/me` and a sign-in answer it.
#[derive(Debug, Serialize)]
struct Me {
    username: String,
    role: Role,
    /// `null` for every room.
    rooms: Option<Vec<String>>,
}

impl From<User> for Me {
    fn from(user: User) -> Me {
        Me {
            username: user.username,
            role: user.role,
            rooms: user.rooms,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

#[derive(Debug, Deserialize)]
struct SetupCode {
    code: String,
}

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    json.map(|Json(value)| value)
        .map_err(|rejection| ApiError::BadRequest(rejection.body_text()))
}

/// Runs blocking account work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::Internal(format!("account work panicked: {error}")))
}

fn signed_in(accounts: &Accounts, found: Result<(User, String), Refusal>) -> Response {
    match found {
        Ok((user, secret)) => {
            let settings = accounts.settings();
            let mut cookie = format!(
                "{COOKIE}={secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
                settings.absolute.num_seconds()
            );
            if settings.secure_cookies {
                cookie.push_str("; Secure");
            }
            set_cookie(Json(Me::from(user)).into_response(), &cookie)
        }
        Err(Refusal::Wrong) => {
            ApiError::Unauthorized("wrong username or password".into()).into_response()
        }
        Err(Refusal::Wait(seconds)) => ApiError::RateLimited(seconds).into_response(),
        Err(Refusal::Internal(cause)) => ApiError::Internal(cause).into_response(),
    }
}

fn set_cookie(mut response: Response, cookie: &str) -> Response {
    match HeaderValue::from_str(cookie) {
        Ok(value) => {
            response.headers_mut().insert(header::SET_COOKIE, value);
            response
        }
        Err(error) => ApiError::Internal(format!("cannot set the cookie: {error}")).into_response(),
    }
}

/// `POST /api/auth/login` `{"username", "password"}`
async fn login(
    State(accounts): State<Arc<Accounts>>,
    request: Request,
) -> Result<Response, ApiError> {
    let from = super::client_ip(request.extensions());
    let credentials = body(Json::<Credentials>::from_request(request, &()).await)?;
    let worker = accounts.clone();
    let found =
        blocking(move || worker.login(&credentials.username, &credentials.password, from)).await?;
    Ok(signed_in(&accounts, found))
}

/// `POST /api/auth/setup` `{"code"}`: the one-time code printed at first run.
async fn setup(
    State(accounts): State<Arc<Accounts>>,
    request: Request,
) -> Result<Response, ApiError> {
    let from = super::client_ip(request.extensions());
    let SetupCode { code } = body(Json::<SetupCode>::from_request(request, &()).await)?;
    let worker = accounts.clone();
    let found = blocking(move || worker.setup(&code, from)).await?;
    if matches!(found, Err(Refusal::Wrong)) {
        return Err(ApiError::Unauthorized(
            "that setup code is wrong or has been used; sign in with a password".into(),
        ));
    }
    Ok(signed_in(&accounts, found))
}

/// `POST /api/auth/logout`: ends the session (if any) and clears the cookie.
async fn logout(
    State(accounts): State<Arc<Accounts>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(secret) = super::session_cookie(&headers).map(str::to_owned) {
        blocking(move || accounts.logout(&secret))
            .await?
            .map_err(|error| ApiError::Internal(format!("cannot end the session: {error}")))?;
    }
    let cookie = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    Ok(set_cookie(StatusCode::NO_CONTENT.into_response(), &cookie))
}

/// `GET /api/auth/me`
async fn me(caller: Caller) -> Result<Json<Me>, ApiError> {
    match caller.who {
        Principal::User(user) => Ok(Json(user.into())),
        Principal::Token(token) => Err(ApiError::Unauthorized(format!(
            "token {} is not a signed-in person",
            token.name
        ))),
    }
}

/// A user as the admin API lists them.
#[derive(Debug, Serialize)]
struct UserJson {
    username: String,
    role: Role,
    rooms: Option<Vec<String>>,
    #[serde(with = "hearth_core::rfc3339")]
    created: DateTime<Utc>,
}

impl From<User> for UserJson {
    fn from(user: User) -> UserJson {
        UserJson {
            username: user.username,
            role: user.role,
            rooms: user.rooms,
            created: user.created,
        }
    }
}

fn account_error(error: AccountError) -> ApiError {
    match error {
        AccountError::Store(_) | AccountError::Hash(_) => ApiError::Internal(error.to_string()),
        AccountError::Taken(_) | AccountError::LastAdmin(_) => {
            ApiError::ConflictWith(error.to_string())
        }
        AccountError::NoUser(_) => ApiError::Missing(error.to_string()),
        AccountError::BadName | AccountError::ShortPassword | AccountError::BadRooms(_) => {
            ApiError::BadRequest(error.to_string())
        }
    }
}

/// `GET /api/users`
async fn users(State(accounts): State<Arc<Accounts>>) -> Result<Json<Vec<UserJson>>, ApiError> {
    let users = blocking(move || accounts.users())
        .await?
        .map_err(account_error)?;
    Ok(Json(users.into_iter().map(UserJson::from).collect()))
}

#[derive(Debug, Deserialize)]
struct NewUser {
    username: String,
    password: String,
    role: String,
    #[serde(default)]
    rooms: Option<Vec<String>>,
}

/// `POST /api/users` `{"username", "password", "role", "rooms"}`: 201.
async fn add_user(
    State(accounts): State<Arc<Accounts>>,
    caller: Caller,
    json: Result<Json<NewUser>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let new = body(json)?;
    let role = Role::from_name(&new.role).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "role must be admin, member or viewer, not {:?}",
            new.role
        ))
    })?;
    let user = blocking(move || {
        accounts.add_user(
            &new.username,
            Some(&new.password),
            role,
            new.rooms.as_deref(),
        )
    })
    .await?
    .map_err(account_error)?;
    caller.audit("user.add", audit_text::user_added(&user));
    Ok((StatusCode::CREATED, Json(UserJson::from(user))))
}

/// `PATCH /api/users/{username}`: any of `role`, `rooms` (`null` for every
/// room) and `password`. Leaving a field out keeps it; unknown fields are
/// refused, so a misspelt one is not silently ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserPatch {
    role: Option<String>,
    #[serde(default, deserialize_with = "present")]
    rooms: Option<Option<Vec<String>>>,
    password: Option<String>,
}

/// A field that is there, even as `null`: `Some(None)`, where a missing one
/// is `None` (through `#[serde(default)]`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// `PATCH /api/users/{username}` `{"role"?, "rooms"?, "password"?}`: 200
/// with the user as `GET /api/users` lists them. An admin may set their own
/// password (which ends their own sessions too) but not their own role or
/// rooms; demoting the last admin is a 409.
async fn change_user(
    State(accounts): State<Arc<Accounts>>,
    caller: Caller,
    Path(username): Path<String>,
    json: Result<Json<UserPatch>, JsonRejection>,
) -> Result<Json<UserJson>, ApiError> {
    let patch = body(json)?;
    if patch.role.is_none() && patch.rooms.is_none() && patch.password.is_none() {
        return Err(ApiError::BadRequest(
            "nothing to change: send any of role, rooms and password".into(),
        ));
    }
    if caller.who.actor() == username {
        if patch.role.is_some() {
            return Err(ApiError::BadRequest(
                "you cannot change your own role".into(),
            ));
        }
        if patch.rooms.is_some() {
            return Err(ApiError::BadRequest(
                "you cannot change your own rooms".into(),
            ));
        }
    }
    let role = patch
        .role
        .map(|name| {
            Role::from_name(&name).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "role must be admin, member or viewer, not {name:?}"
                ))
            })
        })
        .transpose()?;
    let change = UserChange {
        role,
        rooms: patch.rooms,
        password: patch.password,
    };
    let name = username.clone();
    let worker = change.clone();
    let (before, after) = blocking(move || accounts.update_user(&name, &worker))
        .await?
        .map_err(account_error)?;
    caller.audit(
        "user.change",
        audit_text::user_changed(&before, &after, change.password.is_some()),
    );
    Ok(Json(UserJson::from(after)))
}

/// `DELETE /api/users/{username}`: 204. An admin cannot remove themselves,
/// so a hub is never left without the admin who was using it, and the last
/// admin is a 409 however it is removed.
async fn remove_user(
    State(accounts): State<Arc<Accounts>>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    if caller.who.actor() == username {
        return Err(ApiError::BadRequest("you cannot remove yourself".into()));
    }
    let name = username.clone();
    blocking(move || accounts.remove_user(&name))
        .await?
        .map_err(account_error)?;
    caller.audit("user.remove", username);
    Ok(StatusCode::NO_CONTENT)
}

/// A token as the admin API lists it; `secret` only when just created.
#[derive(Debug, Serialize)]
struct TokenJson {
    id: i64,
    name: String,
    scopes: Vec<&'static str>,
    /// The devices an ingest token may speak for; `null` for any device.
    devices: Option<Vec<DeviceId>>,
    #[serde(with = "hearth_core::rfc3339")]
    created: DateTime<Utc>,
    #[serde(with = "hearth_core::rfc3339::option")]
    revoked: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl From<TokenInfo> for TokenJson {
    fn from(info: TokenInfo) -> TokenJson {
        TokenJson {
            id: info.id,
            name: info.name,
            scopes: info.scopes.iter().map(|scope| scope.name()).collect(),
            devices: info.devices,
            created: info.created,
            revoked: info.revoked,
            secret: None,
        }
    }
}

/// `GET /api/tokens`: every token, never its secret.
async fn tokens(State(accounts): State<Arc<Accounts>>) -> Result<Json<Vec<TokenJson>>, ApiError> {
    let tokens = blocking(move || accounts.tokens())
        .await?
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok(Json(tokens.into_iter().map(TokenJson::from).collect()))
}

#[derive(Debug, Deserialize)]
struct NewToken {
    name: String,
    scopes: Vec<String>,
    /// Binds an ingest token to these devices; left out for any device.
    #[serde(default)]
    devices: Option<Vec<String>>,
}

/// `POST /api/tokens` `{"name", "scopes", "devices"?}`: 201 with the secret,
/// shown once.
async fn create_token(
    State(accounts): State<Arc<Accounts>>,
    caller: Caller,
    json: Result<Json<NewToken>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let new = body(json)?;
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::BadRequest(
            "a token's name has 1 to 64 characters".into(),
        ));
    }
    let mut scopes = Vec::new();
    for text in &new.scopes {
        let scope = Scope::from_name(text).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "unknown scope {text:?}; known: ingest, read, control"
            ))
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(ApiError::BadRequest(
            "a token needs at least one scope".into(),
        ));
    }
    let devices = match &new.devices {
        None => None,
        Some(devices) => Some(check_binding(&scopes, devices).map_err(ApiError::BadRequest)?),
    };
    let created = blocking(move || accounts.create_bound_token(&name, &scopes, devices.as_deref()))
        .await?
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    caller.audit("token.create", audit_text::token_created(&created.info));
    let mut answer = TokenJson::from(created.info);
    answer.secret = Some(created.secret);
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `DELETE /api/tokens/{id}`: revokes the token at once, closing the
/// sockets it opened; 204.
async fn revoke_token(
    State(accounts): State<Arc<Accounts>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let revoked = blocking(move || accounts.revoke_token(id))
        .await?
        .map_err(|error| ApiError::Internal(error.to_string()))?
        .ok_or_else(|| ApiError::Missing(format!("there is no token {id}")))?;
    caller.audit("token.revoke", audit_text::token_revoked(&revoked));
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct AuditParams {
    limit: Option<u32>,
}

/// `GET /api/audit?limit=N`: the newest entries first.
async fn audit(
    State(accounts): State<Arc<Accounts>>,
    query: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let Query(params) = query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let limit = params.limit.unwrap_or(AUDIT_DEFAULT).clamp(1, AUDIT_MOST);
    let log = blocking(move || accounts.audit_log(limit))
        .await?
        .map_err(account_error)?;
    Ok(Json(log))
}
