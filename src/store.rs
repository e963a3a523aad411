//! The devices the hub has told us about, kept up to date by applying its
//! messages, the notifications its rules have sent, and a count of the rule
//! changes it has pushed. Keyed by device id;
//! each device is a bundle of signals (see [`DeviceEntry`]), so the map itself
//! changes only when devices come, go or are redefined.

pub(crate) mod device_entry;
pub(crate) mod notifications;
pub(crate) mod rooms;
pub(crate) mod trend;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hearth_core::protocol::DeviceSnapshot;
use hearth_core::{DeviceId, ServerMessage};
use leptos::prelude::*;

use device_entry::DeviceEntry;
use notifications::Notifications;
use rooms::{Placement, Room};

/// The home page's rooms, holding each device's signals.
pub(crate) type Rooms = Vec<Room<DeviceEntry>>;

/// Sets a signal only when the value differs, so equal updates (a snapshot
/// repeating what we hold) wake nothing.
pub(crate) fn set_if_changed<T>(signal: RwSignal<T>, value: T)
where
    T: PartialEq + Send + Sync + 'static,
{
    if signal.with_untracked(|current| *current != value) {
        signal.set(value);
    }
}

/// What applying a message asks of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    Done,
    /// The message named a device we do not know: our picture is out of date
    /// and a fresh snapshot should be requested.
    NeedsResync,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct DeviceStore {
    devices: RwSignal<BTreeMap<DeviceId, DeviceEntry>>,
    /// Whether any snapshot has arrived, so "no devices" is not claimed
    /// before the hub has said what it has.
    synced: RwSignal<bool>,
    notifications: Notifications,
    /// Bumped whenever the hub says a rule changed or went, and on each
    /// snapshot (pushes missed while disconnected are not replayed), so a
    /// page listing rules knows to read `/api/rules` again without the store
    /// decoding rule documents.
    rules_revision: RwSignal<u64>,
}

impl DeviceStore {
    pub(crate) fn new() -> Self {
        DeviceStore {
            devices: RwSignal::new(BTreeMap::new()),
            synced: RwSignal::new(false),
            notifications: Notifications::new(),
            rules_revision: RwSignal::new(0),
        }
    }

    /// The device with this id, without subscribing to the set of devices.
    pub(crate) fn get(&self, id: &DeviceId) -> Option<DeviceEntry> {
        self.devices
            .with_untracked(|devices| devices.get(id).copied())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.devices.with(BTreeMap::is_empty)
    }

    pub(crate) fn is_synced(&self) -> bool {
        self.synced.get()
    }

    pub(crate) fn notifications(&self) -> Notifications {
        self.notifications
    }

    /// How many times the hub's rules may have changed since the page
    /// loaded; reactive.
    pub(crate) fn rules_revision(&self) -> u64 {
        self.rules_revision.get()
    }

    /// The devices grouped into rooms in display order; reactive to devices
    /// coming, going or being redefined (which replaces their entries).
    pub(crate) fn rooms(&self) -> Rooms {
        self.devices.with(|devices| {
            rooms::group(devices.values().map(|entry| {
                entry.device.with_value(|device| Placement {
                    room: device.room.clone(),
                    name: device.name.clone(),
                    device: *entry,
                })
            }))
        })
    }

    /// Applies one message from the hub. Connection-level messages (hello,
    /// pong, error) belong to the hub client and change nothing here.
    pub(crate) fn apply(&self, message: ServerMessage) -> Applied {
        match message {
            ServerMessage::Snapshot {
                devices,
                notifications,
                ..
            } => {
                self.replace_all(devices);
                self.notifications.replace_all(notifications);
                self.rules_changed();
                Applied::Done
            }
            ServerMessage::Notification { notification } => {
                self.notifications.push(notification);
                Applied::Done
            }
            ServerMessage::Reading { reading } => match self.get(&reading.device) {
                Some(entry) => {
                    entry.record(reading);
                    Applied::Done
                }
                None => Applied::NeedsResync,
            },
            ServerMessage::StateChanged { device, state, at } => match self.get(&device) {
                Some(entry) => {
                    entry.state_changed(state, at);
                    Applied::Done
                }
                None => Applied::NeedsResync,
            },
            ServerMessage::DeviceAvailability {
                device, available, ..
            } => match self.get(&device) {
                Some(entry) => {
                    set_if_changed(entry.available, available);
                    Applied::Done
                }
                None => Applied::NeedsResync,
            },
            ServerMessage::CommandResult {
                request_id,
                device,
                outcome,
            } => {
                if let Some(entry) = self.get(&device) {
                    entry.finish_command(&request_id, outcome);
                }
                Applied::Done
            }
            ServerMessage::Hello { .. }
            | ServerMessage::Error { .. }
            | ServerMessage::Pong { .. } => Applied::Done,
            // They concern the Bluetooth devices this browser relays, which
            // the hub client hands to `bluetooth`.
            ServerMessage::GatewayAttached { .. } | ServerMessage::GatewayCommand { .. } => {
                Applied::Done
            }
            // Rules are not part of the devices' picture: a page listing
            // them reads `/api/rules` again when told.
            ServerMessage::RuleChanged { .. } | ServerMessage::RuleRemoved { .. } => {
                self.rules_changed();
                Applied::Done
            }
        }
    }

    fn rules_changed(&self) {
        self.rules_revision.update(|revision| *revision += 1);
    }

    /// Gives up on commands the hub has not answered in time.
    pub(crate) fn expire_pending(&self, now: DateTime<Utc>) {
        self.devices.with_untracked(|devices| {
            for entry in devices.values() {
                entry.expire(now);
            }
        });
    }

    /// Ends every command in flight with `message`: used when the connection
    /// drops, since their answers can no longer arrive.
    pub(crate) fn fail_pending(&self, message: &str) {
        self.devices.with_untracked(|devices| {
            for entry in devices.values() {
                entry.fail(None, message);
            }
        });
    }

    /// A snapshot replaces what we hold. Devices still present and defined as
    /// before keep their signals (and trend history), so their cards update in
    /// place; new or redefined devices get fresh entries.
    fn replace_all(&self, snapshots: Vec<DeviceSnapshot>) {
        let mut next = BTreeMap::new();
        for snapshot in snapshots {
            let id = snapshot.device.id.clone();
            let entry = match self.get(&id) {
                Some(entry) if entry.is(&snapshot.device) => {
                    entry.refresh(snapshot);
                    entry
                }
                _ => DeviceEntry::new(snapshot),
            };
            next.insert(id, entry);
        }
        // Entries of removed devices are dropped, not disposed: a card being
        // torn down in the same update may still read them once.
        let unchanged = self.devices.with_untracked(|current| *current == next);
        if !unchanged {
            self.devices.set(next);
        }
        set_if_changed(self.synced, true);
    }
}

#[cfg(test)]
mod tests {
    use super::device_entry::{CONNECTION_LOST, NOT_CONNECTED, PendingCommand};
    use super::trend::Trend;
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use hearth_core::protocol::{CommandOutcome, RuleJson};
    use hearth_core::rules::{Notification, NotifyLevel};
    use hearth_core::{
        Capability, ClientMessage, Command, CommandError, Device, DeviceKind, DeviceState,
        ErrorCode, Metric, Reading,
    };
    use wasm_bindgen_test::wasm_bindgen_test;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap() + TimeDelta::seconds(seconds)
    }

    fn light(id: &str, room: &str, on: bool) -> DeviceSnapshot {
        DeviceSnapshot {
            device: Device {
                id: DeviceId::new(id),
                name: format!("{room} light"),
                room: room.into(),
                kind: DeviceKind::Light,
                capabilities: vec![Capability::OnOff],
                adapter: "simulator".into(),
            },
            state: DeviceState {
                on: Some(on),
                ..DeviceState::default()
            },
            readings: vec![],
            last_seen: Some(at(0)),
            available: true,
        }
    }

    fn thermometer(id: &str, room: &str, celsius: f64) -> DeviceSnapshot {
        DeviceSnapshot {
            device: Device {
                id: DeviceId::new(id),
                name: format!("{room} thermometer"),
                room: room.into(),
                kind: DeviceKind::Thermometer,
                capabilities: vec![Capability::Temperature, Capability::Humidity],
                adapter: "simulator".into(),
            },
            state: DeviceState::default(),
            readings: vec![Reading::new(
                DeviceId::new(id),
                Metric::Temperature,
                celsius,
                at(0),
            )],
            last_seen: Some(at(0)),
            available: true,
        }
    }

    fn snapshot(devices: Vec<DeviceSnapshot>) -> ServerMessage {
        ServerMessage::Snapshot {
            at: at(0),
            devices,
            notifications: vec![],
        }
    }

    fn reading(id: &str, metric: Metric, value: f64, seconds: i64) -> ServerMessage {
        ServerMessage::Reading {
            reading: Reading::new(DeviceId::new(id), metric, value, at(seconds)),
        }
    }

    fn temperature(store: &DeviceStore, id: &str) -> Option<f64> {
        store.get(&DeviceId::new(id))?.latest(Metric::Temperature)
    }

    fn ids(store: &DeviceStore) -> Vec<String> {
        store
            .devices
            .with_untracked(|d| d.keys().map(|id| id.0.clone()).collect())
    }

    #[wasm_bindgen_test]
    fn snapshot_replaces_everything_but_keeps_surviving_entries() {
        let store = DeviceStore::new();
        assert!(!store.synced.get_untracked());
        store.apply(snapshot(vec![
            thermometer("kitchen", "Kitchen", 21.0),
            light("porch", "Porch", false),
        ]));
        assert!(store.synced.get_untracked());
        assert_eq!(ids(&store), ["kitchen", "porch"]);
        let kitchen = store.get(&DeviceId::new("kitchen")).unwrap();

        store.apply(snapshot(vec![
            thermometer("kitchen", "Kitchen", 22.5),
            thermometer("bedroom", "Bedroom", 19.0),
        ]));
        assert_eq!(ids(&store), ["bedroom", "kitchen"]);
        assert_eq!(temperature(&store, "kitchen"), Some(22.5));
        // The same signals, so the kitchen card updated in place.
        assert_eq!(
            store.get(&DeviceId::new("kitchen")).unwrap().readings,
            kitchen.readings
        );
        let rooms: Vec<String> = store.rooms().into_iter().map(|r| r.name).collect();
        assert_eq!(rooms, ["Bedroom", "Kitchen"]);

        // A device moved to another room is a new definition: a fresh entry.
        store.apply(snapshot(vec![
            thermometer("kitchen", "Pantry", 22.5),
            thermometer("bedroom", "Bedroom", 19.0),
        ]));
        assert_ne!(store.get(&DeviceId::new("kitchen")).unwrap(), kitchen);
        let rooms: Vec<String> = store.rooms().into_iter().map(|r| r.name).collect();
        assert_eq!(rooms, ["Bedroom", "Pantry"]);
    }

    #[wasm_bindgen_test]
    fn pushes_update_one_device() {
        let store = DeviceStore::new();
        store.apply(snapshot(vec![
            thermometer("kitchen", "Kitchen", 21.0),
            light("porch", "Porch", false),
        ]));
        let table = [
            (
                reading("kitchen", Metric::Temperature, 21.3, 5),
                Applied::Done,
            ),
            (reading("kitchen", Metric::Humidity, 48.0, 6), Applied::Done),
            (
                ServerMessage::StateChanged {
                    device: DeviceId::new("porch"),
                    state: DeviceState {
                        on: Some(true),
                        ..DeviceState::default()
                    },
                    at: at(7),
                },
                Applied::Done,
            ),
            (
                reading("ghost", Metric::Temperature, 1.0, 8),
                Applied::NeedsResync,
            ),
            (
                ServerMessage::StateChanged {
                    device: DeviceId::new("ghost"),
                    state: DeviceState::default(),
                    at: at(8),
                },
                Applied::NeedsResync,
            ),
            (ServerMessage::Pong { nonce: 1 }, Applied::Done),
        ];
        for (message, want) in table {
            assert_eq!(store.apply(message.clone()), want, "{message:?}");
        }
        let kitchen = store.get(&DeviceId::new("kitchen")).unwrap();
        assert_eq!(temperature(&store, "kitchen"), Some(21.3));
        assert_eq!(kitchen.readings.with_untracked(|r| r.len()), 2);
        assert_eq!(kitchen.last_seen.get_untracked(), Some(at(6)));
        let porch = store.get(&DeviceId::new("porch")).unwrap();
        assert_eq!(porch.state.get_untracked().on, Some(true));
        assert_eq!(porch.last_seen.get_untracked(), Some(at(7)));
        // An old reading arriving late moves neither last-seen nor the value
        // on the card backwards.
        store.apply(reading("kitchen", Metric::Humidity, 47.0, 2));
        assert_eq!(kitchen.last_seen.get_untracked(), Some(at(6)));
        assert_eq!(kitchen.latest(Metric::Humidity), Some(48.0));
    }

    #[wasm_bindgen_test]
    fn temperature_readings_feed_the_trend() {
        let store = DeviceStore::new();
        store.apply(snapshot(vec![thermometer("kitchen", "Kitchen", 21.0)]));
        let kitchen = store.get(&DeviceId::new("kitchen")).unwrap();
        assert_eq!(kitchen.trend.get_untracked(), None);
        store.apply(reading("kitchen", Metric::Temperature, 21.5, 600));
        assert_eq!(kitchen.trend.get_untracked(), Some(Trend::Rising));
        // History survives a resync snapshot.
        store.apply(snapshot(vec![thermometer("kitchen", "Kitchen", 21.5)]));
        assert_eq!(kitchen.trend.get_untracked(), Some(Trend::Rising));
    }

    fn porch_store() -> (DeviceStore, DeviceEntry) {
        let store = DeviceStore::new();
        store.apply(snapshot(vec![light("porch", "Porch", false)]));
        let entry = store.get(&DeviceId::new("porch")).unwrap();
        (store, entry)
    }

    fn error(entry: &DeviceEntry) -> Option<String> {
        entry.error.get_untracked().map(|e| e.message)
    }

    fn result(id: &str, outcome: CommandOutcome) -> ServerMessage {
        ServerMessage::CommandResult {
            request_id: id.into(),
            device: DeviceId::new("porch"),
            outcome,
        }
    }

    fn on() -> CommandOutcome {
        CommandOutcome::Ok {
            state: DeviceState {
                on: Some(true),
                ..DeviceState::default()
            },
        }
    }

    #[wasm_bindgen_test]
    fn command_pending_until_confirmed() {
        let (store, porch) = porch_store();
        let message = porch.begin_command(Command::TurnOn, "r1".into(), true, at(1));
        assert_eq!(
            message,
            Some(ClientMessage::Command {
                request_id: "r1".into(),
                device: DeviceId::new("porch"),
                command: Command::TurnOn,
            })
        );
        assert!(porch.pending.get_untracked().unwrap().is_power());
        // A second command waits for the first rather than racing it.
        assert_eq!(
            porch.begin_command(Command::TurnOff, "r2".into(), true, at(2)),
            None
        );
        // The state does not change until the hub confirms it.
        assert_eq!(porch.state.get_untracked().on, Some(false));
        store.apply(result("r1", on()));
        assert_eq!(porch.pending.get_untracked(), None);
        assert_eq!(porch.state.get_untracked().on, Some(true));
        assert_eq!(error(&porch), None);
    }

    #[wasm_bindgen_test]
    fn refusals_and_unreachable_hubs_are_shown() {
        let (store, porch) = porch_store();
        assert_eq!(
            porch.begin_command(Command::TurnOn, "r1".into(), false, at(1)),
            None
        );
        assert_eq!(error(&porch).as_deref(), Some(NOT_CONNECTED));
        assert_eq!(porch.pending.get_untracked(), None);

        // Core's validation runs before anything is sent.
        let bad = Command::SetSetpoint { value: 20.0 };
        assert_eq!(porch.begin_command(bad, "r2".into(), true, at(1)), None);
        assert_eq!(
            error(&porch).as_deref(),
            Some("Porch light cannot take a setpoint")
        );

        porch.begin_command(Command::TurnOn, "r3".into(), true, at(2));
        assert_eq!(error(&porch), None, "a new attempt clears the old error");
        store.apply(result(
            "r3",
            CommandOutcome::Rejected {
                error: CommandError::new(ErrorCode::Unavailable, "Porch light is not answering"),
            },
        ));
        assert_eq!(porch.pending.get_untracked(), None);
        assert_eq!(
            error(&porch).as_deref(),
            Some("Porch light is not answering")
        );
        assert_eq!(porch.state.get_untracked().on, Some(false));
    }

    #[wasm_bindgen_test]
    fn an_unavailable_device_takes_no_commands_until_it_is_back() {
        let (store, porch) = porch_store();
        let availability = |available| ServerMessage::DeviceAvailability {
            device: DeviceId::new("porch"),
            available,
            since: Some(at(1)),
        };
        assert_eq!(store.apply(availability(false)), Applied::Done);
        assert!(!porch.available.get_untracked());
        assert_eq!(
            porch.begin_command(Command::TurnOn, "r1".into(), true, at(2)),
            None
        );
        assert_eq!(
            error(&porch).as_deref(),
            Some("The device is not connected to the hub.")
        );
        // A snapshot says so too, and the entry follows it.
        store.apply(availability(true));
        let mut gone = light("porch", "Porch", false);
        gone.available = false;
        store.apply(snapshot(vec![gone]));
        assert!(!porch.available.get_untracked());
        store.apply(availability(true));
        assert!(
            porch
                .begin_command(Command::TurnOn, "r3".into(), true, at(3))
                .is_some()
        );
        assert_eq!(error(&porch), None);
    }

    #[wasm_bindgen_test]
    fn unanswered_commands_time_out_and_late_answers_still_count() {
        let (store, porch) = porch_store();
        porch.begin_command(Command::TurnOn, "r1".into(), true, at(0));
        store.expire_pending(at(0) + PendingCommand::TIMEOUT - TimeDelta::milliseconds(1));
        assert!(porch.pending.get_untracked().is_some());
        store.expire_pending(at(0) + PendingCommand::TIMEOUT);
        assert_eq!(porch.pending.get_untracked(), None);
        assert_eq!(
            error(&porch).as_deref(),
            Some("The hub did not confirm within 8 s — check the device and try again.")
        );
        store.apply(result("r1", on()));
        assert_eq!(porch.state.get_untracked().on, Some(true));
        assert_eq!(error(&porch), None);
        // An answer to nothing we know of neither errors nor clears anything.
        store.apply(result(
            "old",
            CommandOutcome::Rejected {
                error: CommandError::new(ErrorCode::Internal, "stale"),
            },
        ));
        assert_eq!(error(&porch), None);
    }

    #[wasm_bindgen_test]
    fn a_dropped_connection_fails_commands_in_flight() {
        let (store, porch) = porch_store();
        porch.begin_command(Command::TurnOn, "r1".into(), true, at(0));
        store.fail_pending(CONNECTION_LOST);
        assert_eq!(porch.pending.get_untracked(), None);
        assert_eq!(error(&porch).as_deref(), Some(CONNECTION_LOST));
    }

    fn note(id: u64, message: &str) -> Notification {
        Notification {
            id,
            rule: "fridge-alert".into(),
            title: "Fridge too warm".into(),
            message: message.into(),
            level: NotifyLevel::Warning,
            at: at(0),
        }
    }

    fn listed(store: &DeviceStore) -> Vec<u64> {
        store
            .notifications()
            .newest_first()
            .iter()
            .map(|n| n.id)
            .collect()
    }

    #[wasm_bindgen_test]
    fn notifications_are_listed_newest_first_and_stay_dismissed_across_resyncs() {
        let store = DeviceStore::new();
        let with = |notifications: Vec<Notification>| ServerMessage::Snapshot {
            at: at(0),
            devices: vec![],
            notifications,
        };
        store.apply(with(vec![note(1, "a"), note(2, "b")]));
        assert_eq!(listed(&store), [2, 1]);

        let pushed = |n| ServerMessage::Notification { notification: n };
        assert_eq!(store.apply(pushed(note(3, "c"))), Applied::Done);
        // The same one again (in a snapshot taken as it was sent) is not doubled.
        store.apply(pushed(note(3, "c")));
        assert_eq!(listed(&store), [3, 2, 1]);

        store.notifications().dismiss(2);
        assert_eq!(listed(&store), [3, 1]);
        // A resync's snapshot still carries it; it stays dismissed.
        store.apply(with(vec![note(1, "a"), note(2, "b"), note(3, "c")]));
        assert_eq!(listed(&store), [3, 1]);
        store.apply(pushed(note(2, "b")));
        assert_eq!(listed(&store), [3, 1]);

        // The list is bounded, dropping the oldest.
        for id in 10..40 {
            store.apply(pushed(note(id, "flood")));
        }
        let ids = listed(&store);
        assert_eq!(ids.len(), 20);
        assert_eq!((ids[0], ids[19]), (39, 20));
    }

    #[wasm_bindgen_test]
    fn rule_pushes_change_no_device_but_tell_the_rules_page() {
        let (store, porch) = porch_store();
        let status = hearth_core::rules::RuleStatus {
            rule: hearth_core::rules::fridge_alert(&DeviceId::new("fridge")).rules[0].clone(),
            last_fired: None,
            next_firing: None,
        };
        let table = [
            ServerMessage::RuleChanged {
                id: "fridge-alert".into(),
                rule: RuleJson::new(&status),
            },
            ServerMessage::RuleRemoved {
                id: "fridge-alert".into(),
            },
        ];
        let before = store.rules_revision.get_untracked();
        for (pushed, message) in (1..).zip(table) {
            assert_eq!(store.apply(message.clone()), Applied::Done, "{message:?}");
            assert_eq!(
                store.rules_revision.get_untracked(),
                before + pushed,
                "{message:?}"
            );
        }
        // Device pushes leave the rules alone; a resync may have missed some.
        store.apply(reading("porch", Metric::Temperature, 1.0, 9));
        assert_eq!(store.rules_revision.get_untracked(), before + 2);
        store.apply(snapshot(vec![light("porch", "Porch", false)]));
        assert_eq!(store.rules_revision.get_untracked(), before + 3);
        assert_eq!(ids(&store), ["porch"]);
        assert_eq!(porch.state.get_untracked().on, Some(false));
        assert!(listed(&store).is_empty());
    }
}
