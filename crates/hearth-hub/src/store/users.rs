//! The people who sign in to the hub, what each may do, and the audit log of
//! what was done: the types the hub and `hearth-hub user …` share. Passwords
//! are kept only as argon2id PHC strings and sessions only as the SHA-256 of
//! their cookie, so a copy of the database lets nobody in.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a user may do, everywhere their rooms allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including users, tokens and the audit log.
    Admin,
    /// Sees and switches devices, and edits rules whose devices are all in
    /// their rooms.
    Member,
    /// Sees, and nothing more.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Member, Role::Viewer];

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.name() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A stored user, without their password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The rooms (as devices name them) the user sees and touches; `None` for
    /// every room.
    pub rooms: Option<Vec<String>>,
    pub created: DateTime<Utc>,
}

impl User {
    /// Whether a device in `room` is the user's to see.
    pub fn sees(&self, room: &str) -> bool {
        self.rooms
            .as_ref()
            .is_none_or(|rooms| rooms.iter().any(|r| r.eq_ignore_ascii_case(room)))
    }
}

/// One thing someone did, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    #[serde(with = "hearth_core::rfc3339")]
    pub at: DateTime<Utc>,
    /// The username, or `token:<name>` for a script's token, or `hub` for
    /// the hub itself.
    pub actor: String,
    /// `command`, `rule.create`, `user.add`, …
    pub action: String,
    /// What it was done to and how it went, in words.
    pub detail: String,
}
