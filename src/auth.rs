//! Who is signed in, and what that lets them do. `App` provides a [`Session`]
//! once; it asks the hub (`GET /api/auth/me`) at start and again whenever
//! the live connection drops, so an expired session leads back to the login
//! page with a word of why instead of a dashboard that silently stops.

pub(crate) mod api;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;

use crate::hub_client::connection_state::ConnectionState;

/// What the hub says about the signed-in user (`GET /api/auth/me`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Account {
    pub(crate) username: String,
    pub(crate) role: Role,
    /// The rooms the account is limited to; `None` for every room.
    #[serde(default)]
    pub(crate) rooms: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Role {
    Admin,
    Member,
    Viewer,
}

impl Role {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }
}

impl Account {
    /// A viewer sees devices but may not switch them.
    pub(crate) fn view_only(&self) -> bool {
        self.role == Role::Viewer
    }

    pub(crate) fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// `alice (viewer, Kitchen and Porch)` for the header.
    pub(crate) fn summary(&self) -> String {
        match &self.rooms {
            Some(rooms) if !rooms.is_empty() => format!(
                "{} ({}, {})",
                self.username,
                self.role.label(),
                rooms.join(", ")
            ),
            _ => format!("{} ({})", self.username, self.role.label()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SessionState {
    /// Asking the hub.
    Checking,
    SignedIn(Account),
    /// Not signed in; `notice` says why when it was not the user's choice.
    SignedOut {
        notice: Option<String>,
    },
    /// The hub could not be asked (offline): the app runs on what it last
    /// knew, and the hub itself still refuses whatever the session may not do.
    Unknown,
}

/// Told when a signed-in session stops being accepted.
pub(crate) const EXPIRED: &str = "Your session expired. Sign in again.";

#[derive(Debug, Clone, Copy)]
pub(crate) struct Session {
    state: RwSignal<SessionState>,
}

impl Session {
    /// Provides the session and asks the hub who is signed in.
    pub(crate) fn provide() -> Session {
        let session = Session {
            state: RwSignal::new(SessionState::Checking),
        };
        provide_context(session);
        session.check();
        session
    }

    pub(crate) fn state(&self) -> SessionState {
        self.state.get()
    }

    pub(crate) fn account(&self) -> Option<Account> {
        self.state.with(|state| match state {
            SessionState::SignedIn(account) => Some(account.clone()),
            _ => None,
        })
    }

    pub(crate) fn view_only(&self) -> bool {
        self.state
            .with(|state| matches!(state, SessionState::SignedIn(account) if account.view_only()))
    }

    /// Whether the dashboard itself may run: signed in, or offline with the
    /// hub's word unknown.
    pub(crate) fn lets_app_run(&self) -> bool {
        self.state
            .with(|state| matches!(state, SessionState::SignedIn(_) | SessionState::Unknown))
    }

    pub(crate) fn signed_in(&self, account: Account) {
        self.state.set(SessionState::SignedIn(account));
    }

    /// Asks the hub again; a session it no longer accepts is over.
    pub(crate) fn check(&self) {
        let state = self.state;
        spawn_local(async move {
            let was_signed_in = state.with_untracked(|s| matches!(s, SessionState::SignedIn(_)));
            let next = match api::me().await {
                Ok(Some(account)) => SessionState::SignedIn(account),
                Ok(None) => SessionState::SignedOut {
                    notice: was_signed_in.then(|| EXPIRED.to_owned()),
                },
                // Offline: keep a known account rather than forget it.
                Err(()) if was_signed_in => return,
                Err(()) => SessionState::Unknown,
            };
            state.try_set(next);
        });
    }

    /// The user chose to sign out; the page then starts afresh at the login
    /// page, with nothing of the session left in memory.
    pub(crate) fn sign_out(&self) {
        spawn_local(async move {
            api::logout().await;
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign("/login");
            }
        });
    }

    /// Asks again whenever the live connection drops and at each failed
    /// retry after: the hub refuses an expired session's reconnection, and
    /// says why only over REST. (At the moment of the drop the hub may be
    /// down, so one question is not enough.)
    pub(crate) fn follow_connection(&self, connection: RwSignal<ConnectionState>) {
        let session = *self;
        Effect::new(move |previous: Option<()>| {
            let connected = connection.with(ConnectionState::is_connected);
            let known = session.state.with_untracked(|state| {
                matches!(state, SessionState::SignedIn(_) | SessionState::Unknown)
            });
            if previous.is_some() && !connected && known {
                session.check();
            }
        });
    }
}

/// The session, where `App` provided one (components rendered alone in tests
/// have none and act as if signed in).
pub(crate) fn use_session() -> Option<Session> {
    use_context::<Session>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_hubs_account_reads_with_and_without_rooms() {
        let all: Account =
            serde_json::from_str(r#"{"username":"ann","role":"admin","rooms":null}"#).unwrap();
        assert!(all.is_admin() && !all.view_only());
        assert_eq!(all.summary(), "ann (admin)");
        let some: Account = serde_json::from_str(
            r#"{"username":"bo","role":"viewer","rooms":["Kitchen","Porch"]}"#,
        )
        .unwrap();
        assert!(some.view_only() && !some.is_admin());
        assert_eq!(some.summary(), "bo (viewer, Kitchen, Porch)");
        let member: Account = serde_json::from_str(r#"{"username":"cy","role":"member"}"#).unwrap();
        assert!(!member.view_only() && !member.is_admin());
    }
}
