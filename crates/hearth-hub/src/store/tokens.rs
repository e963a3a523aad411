//! Tokens that devices and scripts present (`Authorization: Bearer …` or a
//! device's `hello`): what one may do and how it is kept. Only a SHA-256 hash
//! of each token is stored; the token itself is shown once, when created.
//! Hashing without a salt or a slow KDF is right here because tokens are 32
//! random bytes, not passwords a person chose: nothing can be guessed.

use std::fmt;

use chrono::{DateTime, Utc};
use hearth_core::DeviceId;
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use super::StoreError;

/// Every token starts with this, so a leaked one is easy to recognise.
const PREFIX: &str = "hearth_";

/// The most devices one token may be bound to; more is a gateway, which
/// takes an unbound token.
const MAX_DEVICES: usize = 100;

/// The longest device id a binding names, as long as a described device's.
const MAX_DEVICE_ID: usize = 200;

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
    /// The only devices an `ingest` token may speak for; `None` for any
    /// device, as tokens made before bindings existed and a gateway's are.
    pub devices: Option<Vec<DeviceId>>,
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

    /// Whether the token may describe `device`, or send its readings and
    /// states.
    pub fn may_speak_for(&self, device: &DeviceId) -> bool {
        self.devices
            .as_ref()
            .is_none_or(|devices| devices.contains(device))
    }

    /// Of `devices`, those the token may not speak for, each once, in order.
    pub fn strangers<'a>(&self, devices: impl IntoIterator<Item = &'a DeviceId>) -> Vec<DeviceId> {
        let mut strangers: Vec<DeviceId> = Vec::new();
        for device in devices {
            if !self.may_speak_for(device) && !strangers.contains(device) {
                strangers.push(device.clone());
            }
        }
        strangers
    }

    /// Why the token may not speak for `devices`, for a refusal and the log.
    pub fn refusal(&self, devices: &[DeviceId]) -> String {
        let names: Vec<&str> = devices.iter().map(DeviceId::as_str).collect();
        format!("token {} may not speak for {}", self.name, names.join(", "))
    }
}

/// Checks a binding a person asked for: device ids with 1 to 200
/// characters, no commas (the command line and the dashboard separate ids
/// with them), at most [`MAX_DEVICES`], and only on a token with the
/// `ingest` scope, since the binding limits nothing else. Duplicates are
/// dropped and surrounding spaces trimmed.
pub fn check_binding(scopes: &[Scope], devices: &[String]) -> Result<Vec<DeviceId>, String> {
    if !scopes.contains(&Scope::Ingest) {
        return Err(
            "`devices` limits what an ingest token may send; add the ingest scope or leave devices out"
                .into(),
        );
    }
    let mut bound: Vec<DeviceId> = Vec::new();
    for text in devices {
        let id = text.trim();
        if id.is_empty() || id.chars().count() > MAX_DEVICE_ID || id.contains(',') {
            return Err(format!(
                "device id {text:?} must have 1 to {MAX_DEVICE_ID} characters and no comma"
            ));
        }
        let id = DeviceId::new(id);
        if !bound.contains(&id) {
            bound.push(id);
        }
    }
    if bound.is_empty() {
        return Err("a token bound to devices names at least one".into());
    }
    if bound.len() > MAX_DEVICES {
        return Err(format!(
            "a token may be bound to at most {MAX_DEVICES} devices; give a gateway an unbound token"
        ));
    }
    Ok(bound)
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

/// A binding as stored: a JSON array of ids, or NULL for any device.
pub(crate) fn devices_to_sql(devices: Option<&[DeviceId]>) -> Option<String> {
    devices.map(|devices| serde_json::to_string(devices).unwrap_or_else(|_| "[]".into()))
}

/// A stored binding; one that does not parse binds the token to nothing
/// rather than to everything, so a damaged row cannot widen a token.
pub(crate) fn devices_from_sql(text: Option<String>) -> Option<Vec<DeviceId>> {
    text.map(|text| {
        serde_json::from_str(&text).unwrap_or_else(|error| {
            tracing::error!(%error, "a token's stored devices do not parse; it speaks for none");
            Vec::new()
        })
    })
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

    #[test]
    fn bindings_are_checked_trimmed_and_deduplicated() {
        let ids =
            |texts: &[&str]| -> Vec<String> { texts.iter().map(|t| (*t).to_owned()).collect() };
        assert_eq!(
            check_binding(&[Scope::Ingest], &ids(&[" shed ", "porch", "shed"])),
            Ok(vec![DeviceId::new("shed"), DeviceId::new("porch")])
        );
        let many: Vec<String> = (0..=MAX_DEVICES).map(|n| format!("d{n}")).collect();
        let table: [(&[Scope], Vec<String>, &str); 5] = [
            (&[Scope::Read], ids(&["shed"]), "add the ingest scope"),
            (&[Scope::Ingest], ids(&[" "]), "1 to 200 characters"),
            (&[Scope::Ingest], ids(&["a,b"]), "no comma"),
            (&[Scope::Ingest], Vec::new(), "at least one"),
            (&[Scope::Ingest], many, "at most 100"),
        ];
        for (scopes, devices, words) in table {
            let error = check_binding(scopes, &devices).unwrap_err();
            assert!(error.contains(words), "{devices:?}: {error}");
        }
    }

    #[test]
    fn a_bound_token_speaks_only_for_its_devices_and_an_unbound_one_for_all() {
        let mut token = TokenInfo {
            id: 1,
            name: "shed-sensor".into(),
            scopes: vec![Scope::Ingest],
            devices: Some(vec![DeviceId::new("shed")]),
            created: DateTime::UNIX_EPOCH,
            revoked: None,
        };
        let (shed, living) = (DeviceId::new("shed"), DeviceId::new("living-room"));
        assert!(token.may_speak_for(&shed) && !token.may_speak_for(&living));
        assert_eq!(
            token.strangers([&shed, &living, &living]),
            std::slice::from_ref(&living)
        );
        assert_eq!(
            token.refusal(std::slice::from_ref(&living)),
            "token shed-sensor may not speak for living-room"
        );
        token.devices = None;
        assert!(token.may_speak_for(&living));
        assert_eq!(devices_from_sql(devices_to_sql(None)), None);
        let bound = [shed.clone()];
        assert_eq!(
            devices_from_sql(devices_to_sql(Some(&bound))),
            Some(vec![shed])
        );
        assert_eq!(devices_from_sql(Some("nonsense".into())), Some(Vec::new()));
    }
}
