//! Tokens that devices and scripts present (`Authorization: Bearer …` or a
//! device's `hello`): what one may do and how it is kept. Only a SHA-256 hash
//! of each token is stored; the token itself is shown once, when created.
//! Hashing without a salt or a slow KDF is right here because tokens are 32
//! random bytes, not passwords a person chose: nothing can be guessed.

use std::fmt;

use chrono::{DateTime, Utc};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use super::StoreError;

/// Every token starts with this, so a leaked one is easy to recognise.
const PREFIX: &str = "hearth_";

/// What a token allows. A token never reaches the admin API (users, tokens,
/// audit): that takes a person signed in as an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Send readings: `POST /api/ingest`, and be a device on `/api/devices/ws`.
    Ingest,
    /// Read what a viewer sees: devices, history, exports, rules, the browser
    /// WebSocket.
    Read,
    /// What `read` allows, and commands and rule changes as a member.
    Control,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Ingest, Scope::Read, Scope::Control];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Read => "read",
            Scope::Control => "control",
        }
    }

    pub fn from_name(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.name() == name)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created: DateTime<Utc>,
    pub revoked: Option<DateTime<Utc>>,
}

impl TokenInfo {
    /// Whether the token may be used for `scope` now. `control` allows
    /// `read` too: switching what one cannot see makes no sense.
    pub fn allows(&self, scope: Scope) -> bool {
        let held = self.scopes.contains(&scope)
            || (scope == Scope::Read && self.scopes.contains(&Scope::Control));
        self.revoked.is_none() && held
    }
}

/// A token just created: the only time its secret exists outside the holder.
#[derive(Clone, PartialEq, Eq)]
pub struct NewToken {
    pub info: TokenInfo,
    pub secret: String,
}

// Keeps the secret out of logs.
impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewToken")
            .field("info", &self.info)
            .field("secret", &"…")
            .finish()
    }
}

/// A fresh secret: the prefix and 32 bytes from the operating system's
/// random source, in hex.
pub(crate) fn generate() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|error| StoreError::Random(error.to_string()))?;
    let mut secret = String::with_capacity(PREFIX.len() + 64);
    secret.push_str(PREFIX);
    for byte in bytes {
        secret.push_str(&format!("{byte:02x}"));
    }
    Ok(secret)
}

/// What is stored in place of `secret`.
pub(crate) fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Scopes as stored: names separated by spaces. Names this hub does not know
/// (written by a newer one) are left out.
pub(crate) fn scopes_to_sql(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|scope| scope.name())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn scopes_from_sql(text: &str) -> Vec<Scope> {
    text.split_whitespace()
        .filter_map(Scope::from_name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_prefixed_and_hashed_the_same_way_each_time() {
        let (a, b) = (generate().unwrap(), generate().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX) && a.len() == PREFIX.len() + 64, "{a}");
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
    }

    #[test]
    fn scopes_round_trip_and_unknown_ones_are_dropped() {
        assert_eq!(scopes_to_sql(&[Scope::Ingest]), "ingest");
        assert_eq!(
            scopes_to_sql(&[Scope::Read, Scope::Control]),
            "read control"
        );
        assert_eq!(
            scopes_from_sql("ingest control admin"),
            [Scope::Ingest, Scope::Control]
        );
        assert_eq!(scopes_from_sql(""), []);
    }
}
