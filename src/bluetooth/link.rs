//! The plain parts of holding a Bluetooth device, kept apart from the DOM so
//! they are tested: its state as the card shows it, its hub id, and what it is
//! as a hub device once its characteristics are known.

use chrono::{DateTime, Utc};
use hearth_core::device_protocol::DeviceDescription;
use hearth_core::{Capability, DeviceId, DeviceKind, DeviceState};

/// After this many failed reconnections in a row the app stops trying and
/// offers a "Reconnect" button.
pub(crate) const MAX_ATTEMPTS: u32 = 10;

/// Where the browser's link to one device stands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LinkState {
    Connecting,
    Connected,
    /// The device went away; the next attempt starts at `next_retry_at`.
    Reconnecting {
        attempt: u32,
        next_retry_at: DateTime<Utc>,
    },
    /// Reconnection was given up after [`MAX_ATTEMPTS`], or the device cannot
    /// be used; the reason is on the card.
    Stopped,
}

impl LinkState {
    /// The `data-link` attribute value tests and styles key on.
    pub(crate) fn data_state(&self) -> &'static str {
        match self {
            LinkState::Connecting => "connecting",
            LinkState::Connected => "connected",
            LinkState::Reconnecting { .. } => "reconnecting",
            LinkState::Stopped => "stopped",
        }
    }

    /// What the card says, e.g. `Disconnected, reconnecting in 4 s`.
    pub(crate) fn label(&self, now: DateTime<Utc>) -> String {
        match self {
            LinkState::Connecting => "Connecting…".into(),
            LinkState::Connected => "Connected".into(),
            LinkState::Reconnecting { next_retry_at, .. } => {
                let ms = (*next_retry_at - now).num_milliseconds();
                if ms > 0 {
                    // Rounded up so it never says 0 s while still waiting.
                    format!("Disconnected, reconnecting in {} s", (ms + 999) / 1_000)
                } else {
                    "Disconnected, reconnecting now…".into()
                }
            }
            LinkState::Stopped => "Disconnected".into(),
        }
    }
}

/// The hub id of a device whose `BluetoothDevice.id` is `raw` (an opaque
/// string, stable per origin and device): `ble-` and its lower-cased ASCII
/// letters and digits, so it is safe in URLs and HTML ids.
pub(crate) fn device_id(raw: &str) -> DeviceId {
    let tail: String = raw
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    DeviceId::new(format!("ble-{tail}"))
}

/// Which characteristics discovery found on a device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) temperature: bool,
    pub(crate) humidity: bool,
    pub(crate) battery: bool,
    pub(crate) switch: bool,
}

impl Found {
    pub(crate) fn anything(&self) -> bool {
        self.temperature || self.humidity || self.battery || self.switch
    }

    /// The device as the hub should know it: a switch if it has an
    /// Automation IO output, else a thermometer, with a capability for each
    /// characteristic found.
    pub(crate) fn description(
        &self,
        id: &DeviceId,
        name: &str,
        on: Option<bool>,
    ) -> DeviceDescription {
        let mut capabilities = Vec::new();
        let wanted = [
            (self.switch, Capability::OnOff),
            (self.temperature, Capability::Temperature),
            (self.humidity, Capability::Humidity),
            (self.battery, Capability::Battery),
        ];
        for (found, capability) in wanted {
            if found {
                capabilities.push(capability);
            }
        }
        DeviceDescription {
            id: id.clone(),
            name: name.to_owned(),
            room: "Bluetooth".into(),
            kind: if self.switch {
                DeviceKind::Switch
            } else {
                DeviceKind::Thermometer
            },
            capabilities,
            state: self.switch.then_some(DeviceState {
                on,
                ..DeviceState::default()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn ids_keep_only_lower_cased_letters_and_digits() {
        let table = [
            ("AbC+/9=", "ble-abc9"),
            ("09:AF:x", "ble-09afx"),
            ("", "ble-"),
        ];
        for (raw, want) in table {
            assert_eq!(device_id(raw).as_str(), want, "{raw}");
        }
    }

    #[wasm_bindgen_test]
    fn the_card_counts_down_to_the_next_attempt() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let table = [
            (LinkState::Connected, "Connected"),
            (
                LinkState::Reconnecting {
                    attempt: 2,
                    next_retry_at: now + chrono::TimeDelta::milliseconds(3_200),
                },
                "Disconnected, reconnecting in 4 s",
            ),
            (
                LinkState::Reconnecting {
                    attempt: 2,
                    next_retry_at: now,
                },
                "Disconnected, reconnecting now…",
            ),
            (LinkState::Stopped, "Disconnected"),
        ];
        for (state, want) in table {
            assert_eq!(state.label(now), want, "{state:?}");
        }
    }

    #[wasm_bindgen_test]
    fn a_device_is_described_by_what_it_has() {
        let id = DeviceId::new("ble-1");
        let thermometer = Found {
            temperature: true,
            battery: true,
            ..Found::default()
        }
        .description(&id, "ATC_F02AED", None);
        assert_eq!(thermometer.kind, DeviceKind::Thermometer);
        assert_eq!(
            thermometer.capabilities,
            [Capability::Temperature, Capability::Battery]
        );
        assert_eq!(thermometer.state, None);
        let switch = Found {
            switch: true,
            ..Found::default()
        }
        .description(&id, "Fan", Some(true));
        assert_eq!(switch.kind, DeviceKind::Switch);
        assert_eq!(switch.state.and_then(|s| s.on), Some(true));
        assert!(!Found::default().anything());
    }
}
