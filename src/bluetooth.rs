//! Bluetooth devices this browser holds itself, through Web Bluetooth
//! (docs/bluetooth.md): pairing, the devices permitted before, and the
//! gateway that relays them to the hub over the browser's own connection
//! (`gateway_*` frames), so they get history and drive automations; readings
//! taken while the hub is out of reach wait in an outbox and follow later.
//! Where the browser has no Web Bluetooth the app says why and nothing else
//! changes.

pub(crate) mod advertisements;
pub(crate) mod gatt_io;
pub(crate) mod held;
pub(crate) mod link;
pub(crate) mod outbox;

use chrono::Utc;
use hearth_core::protocol::CommandOutcome;
use hearth_core::{ClientMessage, Command, CommandError, DeviceId, DeviceState, ErrorCode, Metric};
use leptos::logging::warn;
use leptos::prelude::*;
use web_sys::BluetoothDevice;

use crate::hub_client::HubHandle;
use crate::hub_client::connection_state::ConnectionState;
use held::{HeldDevice, Wake};
use outbox::{Outbox, Taken};

/// The hub's adapter for devices a browser holds (`devices::GATEWAY_ADAPTER`).
pub(crate) const GATEWAY_ADAPTER: &str = "browser";

/// What the card of a browser-held device says while no browser holds it.
pub(crate) const NO_BROWSER: &str =
    "No browser is holding this Bluetooth device: open Hearth near it";

/// Whether this browser can pair Bluetooth devices, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Support {
    Available,
    /// Web Bluetooth needs HTTPS or `localhost`.
    InsecureContext,
    /// Firefox, Safari and every iOS browser have no Web Bluetooth.
    NoWebBluetooth,
}

impl Support {
    pub(crate) fn detect() -> Support {
        let Some(window) = web_sys::window() else {
            return Support::NoWebBluetooth;
        };
        if !window.is_secure_context() {
            Support::InsecureContext
        } else if gatt_io::bluetooth().is_none() {
            Support::NoWebBluetooth
        } else {
            Support::Available
        }
    }

    /// What the page says instead of the pair button.
    pub(crate) fn explanation(self) -> Option<&'static str> {
        match self {
            Support::Available => None,
            Support::InsecureContext => Some(
                "Bluetooth pairing needs a secure page: open Hearth over HTTPS, or from \
                 localhost on this computer.",
            ),
            Support::NoWebBluetooth => Some(
                "This browser cannot talk to Bluetooth devices (Firefox and Safari have no \
                 Web Bluetooth). Open Hearth in Chrome or Edge to pair one.",
            ),
        }
    }
}

/// The app's Bluetooth state, provided once through the app context.
#[derive(Clone, Copy)]
pub(crate) struct Bluetooth {
    pub(crate) support: Support,
    pub(crate) devices: RwSignal<Vec<HeldDevice>>,
    /// Devices this origin was granted before, not yet held again.
    pub(crate) known: RwSignal<Vec<(String, String)>>,
    known_devices: StoredValue<Vec<BluetoothDevice>, LocalStorage>,
    /// Why the last pairing failed.
    pub(crate) problem: RwSignal<Option<String>>,
    hub: HubHandle,
    /// The hub link as the connection task reports it: readings go straight
    /// out only while it is up.
    connection: RwSignal<ConnectionState>,
    outbox: RwSignal<Outbox>,
}

impl std::fmt::Debug for Bluetooth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bluetooth")
            .field("support", &self.support)
            .finish_non_exhaustive()
    }
}

impl Bluetooth {
    pub(crate) fn new(hub: HubHandle, connection: RwSignal<ConnectionState>) -> Bluetooth {
        let bluetooth = Bluetooth {
            support: Support::detect(),
            devices: RwSignal::new(Vec::new()),
            known: RwSignal::new(Vec::new()),
            known_devices: StoredValue::new_local(Vec::new()),
            problem: RwSignal::new(None),
            hub,
            connection,
            outbox: RwSignal::new(Outbox::default()),
        };
        if let Some(api) = gatt_io::bluetooth() {
            leptos::task::spawn_local(async move {
                let devices = gatt_io::permitted_devices(&api).await;
                bluetooth.known.set(
                    devices
                        .iter()
                        .map(|d| (d.id(), d.name().unwrap_or_else(|| d.id())))
                        .collect(),
                );
                bluetooth.known_devices.set_value(devices);
            });
        }
        bluetooth
    }

    /// Whether this browser holds the device `id`; reactive.
    pub(crate) fn holds(&self, id: &DeviceId) -> bool {
        self.devices
            .with(|devices| devices.iter().any(|d| d.id.with_value(|held| held == id)))
    }

    /// "Pair Bluetooth device": the browser's chooser, then the device is held.
    pub(crate) fn pair(self) {
        let Some(api) = gatt_io::bluetooth() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match gatt_io::request_device(&api).await {
                Ok(device) => {
                    self.problem.set(None);
                    self.hold(device);
                }
                Err(error) => {
                    warn!("Bluetooth pairing: {error}");
                    self.problem.set(Some(error));
                }
            }
        });
    }

    /// Holds a device permitted before (from `getDevices()`), by its id.
    pub(crate) fn reconnect_known(self, raw_id: &str) {
        let device = self
            .known_devices
            .with_value(|devices| devices.iter().find(|d| d.id() == raw_id).cloned());
        if let Some(device) = device {
            self.hold(device);
        }
    }

    fn hold(self, device: BluetoothDevice) {
        let raw = device.id();
        self.known
            .update(|known| known.retain(|(id, _)| *id != raw));
        let id = link::device_id(&raw);
        let held = self
            .devices
            .with_untracked(|devices| devices.iter().any(|d| d.id.with_value(|held| *held == id)));
        if held {
            return;
        }
        let held = HeldDevice::hold(self, device);
        self.devices.update(|devices| devices.push(held));
    }

    /// "Forget": stops holding a device, disconnects it and, where the
    /// browser can, gives up its permission, so `getDevices()` no longer
    /// offers it. Its readings still waiting for the hub go too: the hub takes
    /// readings only for devices attached on the same connection.
    pub(crate) fn forget(&self, held: HeldDevice) {
        held.wake(Wake::Remove);
        let id = held.id.get_value();
        let raw = held.raw_id();
        self.devices
            .update(|devices| devices.retain(|d| d.id.with_value(|d| *d != id)));
        self.known.update(|known| known.retain(|(r, _)| *r != raw));
        self.known_devices
            .update_value(|devices| devices.retain(|d| d.id() != raw));
        self.outbox.update(|outbox| outbox.discard(&id));
        held.forget();
    }

    /// How many readings of `device` wait for the hub; reactive.
    pub(crate) fn waiting_for(&self, device: &DeviceId) -> usize {
        self.outbox.with(|outbox| outbox.waiting_for(device))
    }

    /// Tells the hub about `held`, whose characteristics are now known. Sent
    /// whatever the connection's state: the hub client drops it while the hub
    /// is away, and [`Bluetooth::hub_greeted`] attaches everything again.
    pub(crate) fn attach(&self, held: HeldDevice) {
        let devices = vec![held.found.with_untracked(|found| {
            found.description(
                &held.id.get_value(),
                &held.name.get_value(),
                held.on_untracked(),
            )
        })];
        self.hub.send(ClientMessage::GatewayAttach { devices });
    }

    /// The hub has (again) greeted this browser: every device known enough to
    /// describe is attached, then the readings that waited follow in the
    /// order they were taken, before any new one.
    pub(crate) fn hub_greeted(&self) {
        let devices: Vec<_> = self.devices.with_untracked(|devices| {
            devices
                .iter()
                .filter(|held| held.found.with_untracked(|f| f.anything()))
                .map(|held| {
                    held.found.with_untracked(|found| {
                        found.description(
                            &held.id.get_value(),
                            &held.name.get_value(),
                            held.on_untracked(),
                        )
                    })
                })
                .collect()
        });
        if !devices.is_empty() {
            self.hub.send(ClientMessage::GatewayAttach { devices });
        }
        let (waiting, dropped) = self.outbox.try_update(Outbox::take).unwrap_or_default();
        if dropped > 0 {
            warn!(
                "{dropped} Bluetooth readings taken while the hub was away were dropped: \
                 only the latest {} wait",
                outbox::CAPACITY
            );
        }
        for reading in waiting {
            self.hub.send(reading.message());
        }
    }

    /// Relays a value just read, stamped now; while the hub is out of reach
    /// it waits in the outbox instead.
    pub(crate) fn forward_reading(&self, device: DeviceId, metric: Metric, value: f64) {
        let reading = Taken {
            device,
            metric,
            value,
            at: Utc::now(),
        };
        if self
            .connection
            .with_untracked(ConnectionState::is_connected)
        {
            self.hub.send(reading.message());
            return;
        }
        let dropped = self.outbox.try_update(|outbox| outbox.push(reading));
        // Once per outage, when the outbox first overflows; the total comes
        // when it is sent.
        if dropped == Some(1) {
            warn!(
                "{} Bluetooth readings are waiting for the hub: the oldest are being dropped",
                outbox::CAPACITY
            );
        }
    }

    pub(crate) fn forward_state(&self, device: DeviceId, on: Option<bool>) {
        let state = DeviceState {
            on,
            ..DeviceState::default()
        };
        self.hub.send(ClientMessage::GatewayState { device, state });
    }

    /// Switches a held device from its card, and tells the hub the outcome.
    pub(crate) fn switch_from_card(&self, held: HeldDevice, on: bool) {
        let bluetooth = *self;
        leptos::task::spawn_local(async move {
            if let Ok(state) = held.switch(on).await {
                bluetooth.forward_state(held.id.get_value(), state.on);
            }
        });
    }

    /// Carries out a command the hub relays for a device held here, and
    /// answers it.
    pub(crate) fn gateway_command(&self, request_id: String, device: DeviceId, command: Command) {
        let held = self.devices.with_untracked(|devices| {
            devices
                .iter()
                .find(|d| d.id.with_value(|id| *id == device))
                .copied()
        });
        let hub = self.hub;
        leptos::task::spawn_local(async move {
            let result = match (held, &command) {
                (None, _) => Err(CommandError::new(
                    ErrorCode::Unavailable,
                    format!("this browser no longer holds {device}"),
                )),
                (Some(held), Command::TurnOn | Command::TurnOff | Command::Toggle) => {
                    let on = match command {
                        Command::TurnOn => true,
                        Command::TurnOff => false,
                        _ => held.on_untracked() != Some(true),
                    };
                    held.switch(on)
                        .await
                        .map_err(|message| CommandError::new(ErrorCode::Unavailable, message))
                }
                (Some(_), _) => Err(CommandError::new(
                    ErrorCode::Unsupported,
                    format!("{device} only turns on and off"),
                )),
            };
            let outcome = match result {
                Ok(state) => CommandOutcome::Ok { state },
                Err(error) => CommandOutcome::Rejected { error },
            };
            hub.send(ClientMessage::GatewayCommandResult {
                request_id,
                outcome,
            });
        });
    }
}
