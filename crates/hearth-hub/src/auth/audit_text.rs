//! How account and token changes read in the audit log, so that one made
//! through the API and one made with `hearth-hub user …` or `token …` read
//! alike.

use hearth_core::DeviceId;

use crate::store::tokens::TokenInfo;
use crate::store::users::User;

/// "cook (member, rooms: Kitchen)".
pub fn user_added(user: &User) -> String {
    match &user.rooms {
        None => format!("{} ({}, every room)", user.username, user.role),
        Some(rooms) => format!(
            "{} ({}, rooms: {})",
            user.username,
            user.role,
            rooms.join(", ")
        ),
    }
}

/// "cook: role member → viewer, rooms Kitchen → every room, password set".
pub fn user_changed(before: &User, after: &User, password_set: bool) -> String {
    let mut parts = Vec::new();
    if before.role != after.role {
        parts.push(format!("role {} → {}", before.role, after.role));
    }
    if before.rooms != after.rooms {
        parts.push(format!(
            "rooms {} → {}",
            room_list(before.rooms.as_deref()),
            room_list(after.rooms.as_deref())
        ));
    }
    if password_set {
        parts.push("password set".to_owned());
    }
    if parts.is_empty() {
        parts.push("nothing changed".to_owned());
    }
    format!("{}: {}", after.username, parts.join(", "))
}

/// "cook: password set", for a password set on its own.
pub fn password_set(username: &str) -> String {
    format!("{username}: password set")
}

/// "3 (shed-sensor): ingest; only shed-thermometer".
pub fn token_created(info: &TokenInfo) -> String {
    let scopes: Vec<&str> = info.scopes.iter().map(|scope| scope.name()).collect();
    let binding = match &info.devices {
        None => "any device".to_owned(),
        Some(devices) => {
            let ids: Vec<&str> = devices.iter().map(DeviceId::as_str).collect();
            format!("only {}", ids.join(", "))
        }
    };
    format!(
        "{} ({}): {}; {binding}",
        info.id,
        info.name,
        scopes.join(" ")
    )
}

/// "3 (shed-sensor)".
pub fn token_revoked(info: &TokenInfo) -> String {
    format!("{} ({})", info.id, info.name)
}

fn room_list(rooms: Option<&[String]>) -> String {
    match rooms {
        None => "every room".to_owned(),
        Some([]) => "no room".to_owned(),
        Some(rooms) => rooms.join(", "),
    }
}
