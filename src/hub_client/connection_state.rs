//! The state of the link to the hub, as the connection indicator shows it.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ConnectionState {
    /// The first attempt (or the first after coming back online) is under way.
    Connecting,
    /// The hub has greeted us; values are live.
    Connected,
    /// The link dropped; `attempt` counts retries since the last greeting and
    /// `next_retry_at` is when the current one starts (past while it is running).
    Reconnecting {
        attempt: u32,
        next_retry_at: DateTime<Utc>,
    },
    /// The browser reports no network; we wait for it to come back.
    Offline,
}

impl ConnectionState {
    pub(crate) fn is_connected(&self) -> bool {
        matches!(self, ConnectionState::Connected)
    }

    /// The `data-state` attribute value tests and styles key on.
    pub(crate) fn data_state(&self) -> &'static str {
        match self {
            ConnectionState::Connecting => "connecting",
            ConnectionState::Connected => "connected",
            ConnectionState::Reconnecting { .. } => "reconnecting",
            ConnectionState::Offline => "offline",
        }
    }

    pub(crate) fn label(&self) -> &'static str {
        match self {
            ConnectionState::Connecting => "Connecting…",
            ConnectionState::Connected => "Connected",
            ConnectionState::Reconnecting { .. } => "Reconnecting…",
            ConnectionState::Offline => "Offline",
        }
    }

    /// The detail after the label while reconnecting, e.g. `attempt 3, next try in 4 s`.
    pub(crate) fn hint(&self, now: DateTime<Utc>) -> Option<String> {
        let ConnectionState::Reconnecting {
            attempt,
            next_retry_at,
        } = self
        else {
            return None;
        };
        let ms = (*next_retry_at - now).num_milliseconds();
        Some(if ms > 0 {
            // Rounded up so the countdown never shows 0 s while still waiting.
            format!("attempt {attempt}, next try in {} s", (ms + 999) / 1_000)
        } else {
            format!("attempt {attempt}, trying now")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn indicator_texts() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let retry = |ms: i64, attempt| ConnectionState::Reconnecting {
            attempt,
            next_retry_at: now + TimeDelta::milliseconds(ms),
        };
        let table = [
            (
                ConnectionState::Connecting,
                "connecting",
                "Connecting…",
                None,
            ),
            (ConnectionState::Connected, "connected", "Connected", None),
            (ConnectionState::Offline, "offline", "Offline", None),
            (
                retry(3_200, 2),
                "reconnecting",
                "Reconnecting…",
                Some("attempt 2, next try in 4 s"),
            ),
            (
                retry(1, 1),
                "reconnecting",
                "Reconnecting…",
                Some("attempt 1, next try in 1 s"),
            ),
            (
                retry(-5, 7),
                "reconnecting",
                "Reconnecting…",
                Some("attempt 7, trying now"),
            ),
        ];
        for (state, data, label, hint) in table {
            assert_eq!(state.data_state(), data);
            assert_eq!(state.label(), label);
            assert_eq!(state.hint(now).as_deref(), hint, "{state:?}");
            assert_eq!(state.is_connected(), data == "connected");
        }
    }
}
