//! The state every page reads, provided once by `App` and read with
//! [`use_app_context`]: the devices, the hub connection, a ticking clock for
//! relative times and timeouts, and the user's temperature unit.

use chrono::{DateTime, Utc};
use hearth_core::{Command, TemperatureUnit};
use leptos::prelude::*;

use crate::bluetooth::Bluetooth;
use crate::hub_client::HubHandle;
use crate::hub_client::connection_state::ConnectionState;
use crate::preferences;
use crate::store::DeviceStore;
use crate::store::device_entry::DeviceEntry;

#[derive(Debug, Clone, Copy)]
pub(crate) struct AppContext {
    pub(crate) store: DeviceStore,
    pub(crate) connection: RwSignal<ConnectionState>,
    pub(crate) unit: RwSignal<TemperatureUnit>,
    /// Advanced once a second; what "12 s ago" and countdowns are measured from.
    pub(crate) now: RwSignal<DateTime<Utc>>,
    pub(crate) hub: HubHandle,
    /// The Bluetooth devices this browser holds and relays to the hub.
    pub(crate) bluetooth: Bluetooth,
}

impl AppContext {
    pub(crate) fn new(hub: HubHandle, unit: TemperatureUnit, now: DateTime<Utc>) -> Self {
        let connection = RwSignal::new(ConnectionState::Connecting);
        AppContext {
            store: DeviceStore::new(),
            connection,
            unit: RwSignal::new(unit),
            now: RwSignal::new(now),
            hub,
            bluetooth: Bluetooth::new(hub, connection),
        }
    }

    /// Sends a command for a device, unless its card shows why it cannot go.
    pub(crate) fn send_command(&self, entry: DeviceEntry, command: Command) {
        let connected = self
            .connection
            .with_untracked(ConnectionState::is_connected);
        let request_id = self.hub.next_request_id();
        let Some(message) = entry.begin_command(command, request_id.clone(), connected, Utc::now())
        else {
            return;
        };
        if !self.hub.send(message) {
            entry.fail(
                Some(&request_id),
                "The connection to the hub has stopped — reload the page.",
            );
        }
    }

    /// Shows temperatures in `unit` from now on, and remembers the choice.
    pub(crate) fn set_unit(&self, unit: TemperatureUnit) {
        self.unit.set(unit);
        preferences::save_unit(unit);
    }

    /// Moves the clock on and gives up on commands that have waited too long.
    pub(crate) fn tick(&self, now: DateTime<Utc>) {
        self.now.set(now);
        self.store.expire_pending(now);
    }
}

pub(crate) fn use_app_context() -> AppContext {
    expect_context::<AppContext>()
}
