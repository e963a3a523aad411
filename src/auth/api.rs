//! The hub's account endpoints as the dashboard calls them: sign in (with a
//! password or the one-time setup code), sign out, who am I, the audit log,
//! tokens and users. Each answer becomes a value the pages can show as it is.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Account, Role};
use crate::http::{Answer, send};

/// Why signing in did not work, in words for the login page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LoginError {
    /// Wrong name, password or code: the hub's own message.
    Refused(String),
    /// Too many attempts; the hub takes the next in this many seconds.
    Limited(u64),
    Unreachable,
    Other(String),
}

impl LoginError {
    fn from_answer(status: u16, message: Option<String>, retry_after: Option<u64>) -> LoginError {
        match status {
            429 => LoginError::Limited(retry_after.unwrap_or(60)),
            400 | 401 | 403 | 404 => LoginError::Refused(
                message.unwrap_or_else(|| "Wrong username or password.".to_owned()),
            ),
            _ => {
                LoginError::Other(message.unwrap_or_else(|| format!("The hub answered {status}.")))
            }
        }
    }

    pub(crate) fn text(&self) -> String {
        match self {
            LoginError::Refused(message) => sentence(message),
            LoginError::Limited(1) => "Too many attempts. Try again in 1 second.".to_owned(),
            LoginError::Limited(seconds) => {
                format!("Too many attempts. Try again in {seconds} seconds.")
            }
            LoginError::Unreachable => "The hub cannot be reached.".to_owned(),
            LoginError::Other(message) => sentence(message),
        }
    }
}

/// The hub's messages are lower-case clauses (`wrong username or password`);
/// the page shows sentences.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// One line of the audit log (`GET /api/audit`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct AuditEntry {
    pub(crate) at: DateTime<Utc>,
    pub(crate) actor: String,
    pub(crate) action: String,
    /// What it was done to and how it went, in words.
    #[serde(default)]
    pub(crate) detail: String,
}

/// The signed-in account; `Ok(None)` when nobody is; `Err` when the hub
/// could not say.
pub(crate) async fn me() -> Result<Option<Account>, ()> {
    let answer = send("GET", "/api/auth/me", None).await?;
    match answer.status {
        200 => serde_json::from_str(&answer.body).map(Some).map_err(drop),
        401 => Ok(None),
        _ => Err(()),
    }
}

pub(crate) async fn login(username: &str, password: &str) -> Result<Account, LoginError> {
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    signed_in(send("POST", "/api/auth/login", Some(&body)).await)
}

/// Signs in with the one-time code the hub printed at its first start.
pub(crate) async fn setup(code: &str) -> Result<Account, LoginError> {
    let body = serde_json::json!({ "code": code }).to_string();
    signed_in(send("POST", "/api/auth/setup", Some(&body)).await)
}

fn signed_in(answer: Result<Answer, ()>) -> Result<Account, LoginError> {
    let answer = answer.map_err(|()| LoginError::Unreachable)?;
    if answer.status == 200 {
        return serde_json::from_str(&answer.body)
            .map_err(|_| LoginError::Other("The hub's answer made no sense.".to_owned()));
    }
    Err(LoginError::from_answer(
        answer.status,
        answer.message(),
        answer.retry_after,
    ))
}

/// Ends the session on the hub; the page reloads after it whatever happens.
pub(crate) async fn logout() {
    let _ = send("POST", "/api/auth/logout", None).await;
}

/// The newest `limit` audit entries, newest first; `Err(None)` when the
/// session is over.
pub(crate) async fn audit(limit: usize) -> Result<Vec<AuditEntry>, Option<String>> {
    let answer = send("GET", &format!("/api/audit?limit={limit}"), None)
        .await
        .map_err(|()| Some("The hub cannot be reached.".to_owned()))?;
    match answer.status {
        200 => serde_json::from_str(&answer.body)
            .map_err(|e| Some(format!("The audit log could not be read: {e}."))),
        401 => Err(None),
        _ => Err(Some(refusal(&answer))),
    }
}

/// A token as the admin API lists it (`GET /api/tokens`); `secret` only in
/// the answer that created it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct TokenEntry {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) scopes: Vec<String>,
    /// The only devices an ingest token may speak for; `None` for any.
    #[serde(default)]
    pub(crate) devices: Option<Vec<String>>,
    pub(crate) created: DateTime<Utc>,
    #[serde(default)]
    pub(crate) revoked: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) secret: Option<String>,
}

/// The scopes a token may have, as the hub names them.
pub(crate) const SCOPES: [&str; 3] = ["ingest", "read", "control"];

pub(crate) async fn tokens() -> Result<Vec<TokenEntry>, String> {
    let answer = send("GET", "/api/tokens", None)
        .await
        .map_err(|()| "The hub cannot be reached.".to_owned())?;
    if answer.status == 200 {
        return serde_json::from_str(&answer.body)
            .map_err(|e| format!("The token list could not be read: {e}."));
    }
    Err(refusal(&answer))
}

/// Creates a token, bound to `devices` when given; the answer carries its
/// secret, this once.
pub(crate) async fn create_token(
    name: &str,
    scopes: &[&str],
    devices: Option<Vec<String>>,
) -> Result<TokenEntry, String> {
    let mut body = serde_json::json!({ "name": name, "scopes": scopes });
    if let Some(devices) = devices {
        body["devices"] = devices.into();
    }
    let body = body.to_string();
    let answer = send("POST", "/api/tokens", Some(&body))
        .await
        .map_err(|()| "The hub cannot be reached.".to_owned())?;
    if answer.status == 201 {
        return serde_json::from_str(&answer.body)
            .map_err(|e| format!("The new token could not be read: {e}."));
    }
    Err(refusal(&answer))
}

pub(crate) async fn revoke_token(id: i64) -> Result<(), String> {
    let answer = send("DELETE", &format!("/api/tokens/{id}"), None)
        .await
        .map_err(|()| "The hub cannot be reached.".to_owned())?;
    if answer.status == 204 {
        return Ok(());
    }
    Err(refusal(&answer))
}

/// An account as the admin API lists it (`GET /api/users`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct UserEntry {
    pub(crate) username: String,
    pub(crate) role: Role,
    /// `None` for every room.
    #[serde(default)]
    pub(crate) rooms: Option<Vec<String>>,
    pub(crate) created: DateTime<Utc>,
}

pub(crate) async fn users() -> Result<Vec<UserEntry>, String> {
    let answer = send("GET", "/api/users", None)
        .await
        .map_err(|()| "The hub cannot be reached.".to_owned())?;
    if answer.status == 200 {
        return serde_json::from_str(&answer.body)
            .map_err(|e| format!("The user list could not be read: {e}."));
    }
    Err(refusal(&answer))
}

/// Adds an account; `rooms` `None` for every room.
pub(crate) async fn add_user(
    username: &str,
    password: &str,
    role: Role,
    rooms: Option<&[String]>,
) -> Result<UserEntry, String> {
    let body = serde_json::json!({
        "username": username,
        "password": password,
        "role": role.label(),
        "rooms": rooms,
    })
    .to_string();
    let answer = send("POST", "/api/users", Some(&body))
        .await
        .map_err(|()| "The hub cannot be reached.".to_owned())?;
    if answer.status == 201 {
        return serde_json::from_str(&answer.body)
            .map_err(|e| format!("The new user could not be read: {e}."));
    }
    Err(refusal(&answer))
}

/// Gives an account another role and rooms (`None`: every room).
pub(crate) async fn set_access(
    username: &str,
    role: Role,
    rooms: Option<&[String]>,
) -> Result<UserEntry, String> {
    let body = serde_json::json!({ "role": role.label(), "rooms": rooms });
    change_user(username, body).await
}

/// Sets an account's password; the hub ends that person's sessions.
pub(crate) async fn set_password(username: &str, password: &str) -> Result<UserEntry, String> {
    change_user(username, serde_json::json!({ "password": password })).await
}

async fn change_user(username: &str, body: serde_json::Value) -> Result<UserEntry, String> {
    let url = format!("/api/users/{}", crate::router::encode(username));
    let answer = send("PATCH", &url, Some(&body.to_string()))
        .await
        .map_err(|()| "The hub cannot be reached.".to_owned())?;
    if answer.status == 200 {
        return serde_json::from_str(&answer.body)
            .map_err(|e| format!("The changed user could not be read: {e}."));
    }
    Err(refusal(&answer))
}

pub(crate) async fn remove_user(username: &str) -> Result<(), String> {
    let url = format!("/api/users/{}", crate::router::encode(username));
    let answer = send("DELETE", &url, None)
        .await
        .map_err(|()| "The hub cannot be reached.".to_owned())?;
    if answer.status == 204 {
        return Ok(());
    }
    Err(refusal(&answer))
}

fn refusal(answer: &Answer) -> String {
    sentence(
        &answer
            .message()
            .unwrap_or_else(|| format!("the hub answered {}", answer.status)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn refusals_read_as_sentences() {
        let table = [
            (
                LoginError::from_answer(401, Some("wrong username or password".into()), None),
                "Wrong username or password.",
            ),
            (
                LoginError::from_answer(429, None, Some(8)),
                "Too many attempts. Try again in 8 seconds.",
            ),
            (
                LoginError::from_answer(429, Some("slow down".into()), Some(1)),
                "Too many attempts. Try again in 1 second.",
            ),
            (
                LoginError::from_answer(404, Some("the setup code was already used".into()), None),
                "The setup code was already used.",
            ),
            (
                LoginError::from_answer(500, None, None),
                "The hub answered 500.",
            ),
            (LoginError::Unreachable, "The hub cannot be reached."),
        ];
        for (error, want) in table {
            assert_eq!(error.text(), want, "{error:?}");
        }
    }

    #[wasm_bindgen_test]
    fn audit_entries_read_as_the_hub_writes_them() {
        let entries: Vec<AuditEntry> = serde_json::from_str(
            r#"[{"at":"2026-11-26T18:00:00Z","actor":"ann","action":"command","detail":"porch-light turn_on: ok"},
                {"at":"2026-11-26T16:00:00Z","actor":"token:shed","action":"login"}]"#,
        )
        .unwrap();
        assert_eq!(entries[0].actor, "ann");
        assert_eq!(entries[0].detail, "porch-light turn_on: ok");
        assert_eq!(entries[1].detail, "");
        assert!(entries[0].at > entries[1].at);
    }

    #[wasm_bindgen_test]
    fn users_read_as_the_hub_lists_them() {
        let users: Vec<UserEntry> = serde_json::from_str(
            r#"[{"username":"admin","role":"admin","rooms":null,"created":"2026-11-26T18:00:00Z"},
                {"username":"kim","role":"member","rooms":["Kitchen"],"created":"2026-11-26T19:00:00Z"}]"#,
        )
        .unwrap();
        assert_eq!(users[0].rooms, None);
        assert_eq!(users[1].role, Role::Member);
        assert_eq!(users[1].rooms.as_deref(), Some(&["Kitchen".to_owned()][..]));
    }

    #[wasm_bindgen_test]
    fn a_new_token_carries_its_secret_and_a_listed_one_does_not() {
        let created: TokenEntry = serde_json::from_str(
            r#"{"id":3,"name":"shed","scopes":["ingest"],"created":"2026-11-26T18:00:00Z","revoked":null,"secret":"hx_abc"}"#,
        )
        .unwrap();
        assert_eq!(created.secret.as_deref(), Some("hx_abc"));
        let listed: TokenEntry = serde_json::from_str(
            r#"{"id":3,"name":"shed","scopes":["ingest","read"],"created":"2026-11-26T18:00:00Z","revoked":"2026-11-26T19:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(listed.secret, None);
        assert!(listed.revoked.is_some());
        assert_eq!(listed.scopes, ["ingest", "read"]);
    }
}
