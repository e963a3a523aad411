//! The hub's live picture of the house (devices, their state, their latest
//! readings), the event bus that browsers and the rule runner listen on (device
//! events, and the rule runner's rule changes and notifications for browsers),
//! and the routing of each command to the adapter that owns the device.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use chrono::{DateTime, Utc};
use hearth_core::protocol::{DeviceSnapshot, HubInfo, RuleJson};
use hearth_core::rules::{Notification, RuleStatus};
use hearth_core::{
    Command, CommandError, Device, DeviceId, DeviceState, ErrorCode, Metric, Reading, ReadingError,
    ServerMessage,
};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::adapter::AdapterCommand;
use crate::store::{Committed, History, Restored, Retention, StoreError, StoreHandle, Write};

/// How many events a slow subscriber may fall behind before it is told it lagged
/// (and resynchronises from a snapshot).
const EVENT_BUFFER: usize = 1024;

/// The same for browsers' encoded frames, deeper because a browser that lags
/// is sent the whole snapshot again, which makes it likelier to lag again: a
/// thousand devices reporting every second fill 1,024 frames in one second.
const FRAME_BUFFER: usize = 8192;

/// How many notifications a browser's snapshot carries, newest last; older
/// ones are in the rules' traces.
const NOTIFICATIONS_KEPT: usize = 20;

/// Something that happened, as the event bus carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum HubEvent {
    Reading(Reading),
    StateChanged {
        device: DeviceId,
        state: DeviceState,
        at: DateTime<Utc>,
    },
    /// A rule was created, replaced, enabled or disabled, or fired. (Boxed: readings
    /// are by far the most common event.)
    RuleChanged(Box<RuleStatus>),
    RuleRemoved(String),
    Notification(Box<Notification>),
    /// A device became available or unavailable at `since`.
    Availability {
        device: DeviceId,
        available: bool,
        since: DateTime<Utc>,
    },
}

impl From<HubEvent> for ServerMessage {
    fn from(event: HubEvent) -> ServerMessage {
        match event {
            HubEvent::Reading(reading) => ServerMessage::Reading { reading },
            HubEvent::StateChanged { device, state, at } => {
                ServerMessage::StateChanged { device, state, at }
            }
            HubEvent::RuleChanged(status) => ServerMessage::RuleChanged {
                id: status.rule.id.clone(),
                rule: RuleJson::new(&status),
            },
            HubEvent::RuleRemoved(id) => ServerMessage::RuleRemoved { id },
            HubEvent::Notification(notification) => ServerMessage::Notification {
                notification: *notification,
            },
            HubEvent::Availability {
                device,
                available,
                since,
            } => ServerMessage::DeviceAvailability {
                device,
                available,
                since: Some(since),
            },
        }
    }
}

/// Why a reading was not accepted, or not persisted.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("reading from unknown device {0}")]
    UnknownDevice(DeviceId),
    #[error("invalid reading from {device}: {source}")]
    Invalid {
        device: DeviceId,
        source: ReadingError,
    },
    /// The reading was taken into the live picture but could not be queued for
    /// the store (which has been closed).
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug)]
struct Entry {
    device: Device,
    state: DeviceState,
    readings: BTreeMap<Metric, Reading>,
    last_seen: Option<DateTime<Utc>>,
    available: bool,
}

impl Entry {
    fn seen(&mut self, at: DateTime<Utc>) {
        self.last_seen = self.last_seen.max(Some(at));
    }

    /// Keeps `reading` if it is the newest of its metric; readings may arrive
    /// out of order.
    fn remember(&mut self, reading: Reading) {
        self.seen(reading.at);
        let newer = self
            .readings
            .get(&reading.metric)
            .is_none_or(|latest| latest.at <= reading.at);
        if newer {
            self.readings.insert(reading.metric, reading);
        }
    }

    fn snapshot(&self) -> DeviceSnapshot {
        DeviceSnapshot {
            device: self.device.clone(),
            state: self.state.clone(),
            readings: self.readings.values().cloned().collect(),
            last_seen: self.last_seen,
            available: self.available,
        }
    }
}

/// The shared heart of a running hub. Cheap operations take a short-lived lock
/// and never hold it across an `.await`.
#[derive(Debug)]
pub struct Hub {
    info: HubInfo,
    registry: Mutex<BTreeMap<DeviceId, Entry>>,
    adapters: Mutex<HashMap<String, mpsc::Sender<AdapterCommand>>>,
    events: broadcast::Sender<HubEvent>,
    frames: broadcast::Sender<Utf8Bytes>,
    notifications: Mutex<Notifications>,
    /// What the store remembered, per device, until the device is registered.
    saved: Mutex<HashMap<DeviceId, Saved>>,
    store: StoreHandle,
    retention: Retention,
    command_timeout: Duration,
}

/// The latest notifications, and the id the next one gets.
#[derive(Debug)]
struct Notifications {
    recent: VecDeque<Notification>,
    next_id: u64,
}

#[derive(Debug, Default)]
struct Saved {
    state: Option<DeviceState>,
    readings: Vec<Reading>,
}

impl Hub {
    pub(crate) fn new(
        store: StoreHandle,
        retention: Retention,
        restored: Restored,
        command_timeout: Duration,
    ) -> Hub {
        let mut saved: HashMap<DeviceId, Saved> = HashMap::new();
        for (id, state) in restored.states {
            saved.entry(id).or_default().state = Some(state);
        }
        for reading in restored.readings {
            saved
                .entry(reading.device.clone())
                .or_default()
                .readings
                .push(reading);
        }
        Hub {
            info: HubInfo {
                name: "Hearth".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            registry: Mutex::default(),
            adapters: Mutex::default(),
            events: broadcast::channel(EVENT_BUFFER).0,
            frames: broadcast::channel(FRAME_BUFFER).0,
            notifications: Mutex::new(Notifications {
                recent: VecDeque::new(),
                // Ids keep increasing across restarts (clocks permitting),
                // so a browser's dismissed ones stay dismissed.
                next_id: u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0),
            }),
            saved: Mutex::new(saved),
            store,
            retention,
            command_timeout,
        }
    }

    pub fn info(&self) -> &HubInfo {
        &self.info
    }

    /// Every event from now on. Subscribe before taking a snapshot so that
    /// nothing falls between the two.
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.events.subscribe()
    }

    /// Every event from now on as the JSON text frame browsers get, encoded
    /// once for all of them rather than once per browser: with hundreds of
    /// dashboards open, encoding per socket was most of the hub's work.
    pub(crate) fn subscribe_frames(&self) -> broadcast::Receiver<Utf8Bytes> {
        self.frames.subscribe()
    }

    /// Sends `event` to the hub's own subscribers and, encoded, to browsers.
    /// Nobody listening is fine: events are not queued for future subscribers.
    fn publish(&self, event: HubEvent) {
        if self.frames.receiver_count() > 0 {
            let frame = ServerMessage::from(event.clone()).encode();
            let _ = self.frames.send(frame.into());
        }
        let _ = self.events.send(event);
    }

    /// Publishes a rule's new status to browsers.
    pub(crate) fn rule_changed(&self, status: RuleStatus) {
        self.publish(HubEvent::RuleChanged(Box::new(status)));
    }

    pub(crate) fn rule_removed(&self, id: &str) {
        self.publish(HubEvent::RuleRemoved(id.to_owned()));
    }

    /// Gives `notification` the next id, keeps it for snapshots and publishes
    /// it; returns it as published.
    pub(crate) fn notify(&self, mut notification: Notification) -> Notification {
        {
            let mut notifications = self
                .notifications
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            notification.id = notifications.next_id;
            notifications.next_id += 1;
            notifications.recent.push_back(notification.clone());
            if notifications.recent.len() > NOTIFICATIONS_KEPT {
                notifications.recent.pop_front();
            }
        }
        self.publish(HubEvent::Notification(Box::new(notification.clone())));
        notification
    }

    /// The latest notifications since the hub started, oldest first.
    pub fn notifications(&self) -> Vec<Notification> {
        self.notifications
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recent
            .iter()
            .cloned()
            .collect()
    }

    /// Every device with its state and latest readings, sorted by room, then name.
    pub fn snapshot(&self) -> Vec<DeviceSnapshot> {
        let mut devices: Vec<DeviceSnapshot> =
            self.registry().values().map(Entry::snapshot).collect();
        devices.sort_by(|a, b| {
            (&a.device.room, &a.device.name, &a.device.id).cmp(&(
                &b.device.room,
                &b.device.name,
                &b.device.id,
            ))
        });
        devices
    }

    /// Routes commands for devices whose `adapter` is `name` to `commands`.
    pub(crate) fn attach_adapter(&self, name: &str, commands: mpsc::Sender<AdapterCommand>) {
        self.adapters().insert(name.to_owned(), commands);
    }

    /// Adds (or replaces) a device, starting in `state` unless the store
    /// remembered one from the last run, and returns how it starts out. A new
    /// device starts out available and a replaced one stays as it was, so
    /// that browsers hear of the change when its adapter says otherwise.
    pub(crate) fn register_device(&self, device: Device, state: DeviceState) -> DeviceSnapshot {
        let available = self
            .registry()
            .get(&device.id)
            .is_none_or(|entry| entry.available);
        let mut entry = Entry {
            device,
            state,
            readings: BTreeMap::new(),
            last_seen: None,
            available,
        };
        if let Some(saved) = self.saved().remove(&entry.device.id) {
            if let Some(state) = saved.state {
                entry.state = state;
            }
            // The device's model may have changed since; keep only what it
            // still accepts.
            for reading in saved.readings {
                if reading.validate(&entry.device).is_ok() {
                    entry.remember(reading);
                }
            }
        }
        let snapshot = entry.snapshot();
        self.registry().insert(entry.device.id.clone(), entry);
        snapshot
    }

    /// Forgets a device its adapter says is gone, returning whether it was
    /// known. Browsers are not told until they next take a snapshot (the
    /// protocol has no "device removed" message yet); its stored history and
    /// state stay, so it comes back as it was if it is registered again.
    pub(crate) fn remove_device(&self, id: &DeviceId) -> bool {
        self.registry().remove(id).is_some()
    }

    /// Records whether device `id` is connected, as its adapter knows, and
    /// tells browsers when that changes. Unknown devices are ignored.
    pub(crate) fn set_available(&self, id: &DeviceId, available: bool) {
        let changed = match self.registry().get_mut(id) {
            Some(entry) if entry.available != available => {
                entry.available = available;
                true
            }
            _ => false,
        };
        if changed {
            tracing::info!(device = %id, available, "device availability changed");
            self.publish(HubEvent::Availability {
                device: id.clone(),
                available,
                since: Utc::now(),
            });
        }
    }

    /// The device registered as `id`.
    pub(crate) fn device(&self, id: &DeviceId) -> Option<Device> {
        self.registry().get(id).map(|entry| entry.device.clone())
    }

    /// Reads stored history; blocking, so call it from a blocking thread.
    pub(crate) fn history(&self) -> Arc<dyn History> {
        self.store.history()
    }

    pub(crate) fn retention(&self) -> Retention {
        self.retention
    }

    /// Queues a retention sweep of the store as of `now`.
    pub(crate) async fn prune_store(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.store.prune(now).await
    }

    /// Accepts a reading from an adapter: validated against the device that
    /// claims it, queued for the store, remembered as the latest, and published.
    /// Await the returned [`Committed`] before acknowledging the reading to
    /// whoever sent it; an adapter that acknowledges nothing may drop it.
    pub async fn ingest_reading(&self, reading: Reading) -> Result<Committed, IngestError> {
        let checked = match self.registry().get(&reading.device) {
            None => Err(IngestError::UnknownDevice(reading.device.clone())),
            Some(entry) => reading
                .validate(&entry.device)
                .map_err(|source| IngestError::Invalid {
                    device: reading.device.clone(),
                    source,
                }),
        };
        if let Err(error) = checked {
            tracing::warn!(%error, "rejected a reading");
            return Err(error);
        }
        let queued = self.store.write(Write::Reading(reading.clone())).await;
        // The in-memory picture and the live stream go ahead even if the store
        // has been closed at shutdown.
        if let Some(entry) = self.registry().get_mut(&reading.device) {
            entry.remember(reading.clone());
        }
        self.publish(HubEvent::Reading(reading));
        Ok(queued?)
    }

    /// Records a device's new state (as its adapter reports it), persists it so
    /// it survives a restart, and publishes it.
    pub(crate) async fn set_state(
        &self,
        id: &DeviceId,
        state: DeviceState,
    ) -> Result<(), CommandError> {
        let at = Utc::now();
        match self.registry().get_mut(id) {
            None => return Err(unknown_device(id)),
            Some(entry) => {
                entry.state = state.clone();
                entry.seen(at);
            }
        }
        self.persist(Write::State {
            device: id.clone(),
            state: state.clone(),
            at,
        })
        .await;
        self.publish(HubEvent::StateChanged {
            device: id.clone(),
            state,
            at,
        });
        Ok(())
    }

    /// Carries out `command` on device `id`: validated here, performed by the
    /// owning adapter, and on success recorded and published like any other state
    /// change. Returns the state the device reports afterwards.
    pub async fn execute(
        &self,
        id: &DeviceId,
        command: Command,
    ) -> Result<DeviceState, CommandError> {
        let (adapter, name) = {
            let registry = self.registry();
            let entry = registry.get(id).ok_or_else(|| unknown_device(id))?;
            command.validate(&entry.device)?;
            (entry.device.adapter.clone(), entry.device.name.clone())
        };
        let not_running = || {
            CommandError::new(
                ErrorCode::Unavailable,
                format!("{name} cannot be reached: its {adapter} adapter is not running"),
            )
        };
        let commands = self
            .adapters()
            .get(&adapter)
            .cloned()
            .ok_or_else(not_running)?;
        let (reply, answer) = oneshot::channel();
        let request = AdapterCommand {
            device: id.clone(),
            command,
            reply,
        };
        let exchange = async {
            commands.send(request).await.map_err(|_| not_running())?;
            answer.await.map_err(|_| not_running())?
        };
        let state = tokio::time::timeout(self.command_timeout, exchange)
            .await
            .map_err(|_| {
                CommandError::new(
                    ErrorCode::Unavailable,
                    format!(
                        "{name} did not answer within {} s",
                        self.command_timeout.as_secs_f64()
                    ),
                )
            })??;
        self.set_state(id, state.clone()).await?;
        Ok(state)
    }

    /// Queues `write` for the store; the answer says when it is committed.
    pub(crate) async fn save(&self, write: Write) -> Result<Committed, StoreError> {
        self.store.write(write).await
    }

    /// Commits everything queued for the store and releases it.
    pub(crate) async fn close_store(&self) -> Result<(), StoreError> {
        self.store.close().await
    }

    async fn persist(&self, write: Write) {
        // The in-memory picture stays right even if the disk does not; the store
        // only ever fails here once it has been closed at shutdown.
        // Nobody waits for a state to be committed: the device itself holds it.
        if let Err(error) = self.store.write(write).await {
            tracing::warn!(%error, "not persisted");
        }
    }

    fn registry(&self) -> MutexGuard<'_, BTreeMap<DeviceId, Entry>> {
        // No code panics while holding the lock, and if some did, the map would
        // still be consistent: every update is a single insert or field write.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn saved(&self) -> MutexGuard<'_, HashMap<DeviceId, Saved>> {
        self.saved.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn adapters(&self) -> MutexGuard<'_, HashMap<String, mpsc::Sender<AdapterCommand>>> {
        self.adapters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn unknown_device(id: &DeviceId) -> CommandError {
    CommandError::new(ErrorCode::UnknownDevice, format!("no device {id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Recorder;
    use hearth_core::Capability;

    fn hub(restored: Restored) -> Hub {
        // These tests are about the hub, not the disk.
        let store = StoreHandle::spawn(Recorder::default()).unwrap();
        Hub::new(
            store,
            Retention::default(),
            restored,
            Duration::from_millis(200),
        )
    }

    fn device(id: &str, adapter: &str, capabilities: Vec<Capability>) -> Device {
        Device {
            id: DeviceId::new(id),
            name: id.into(),
            room: "Hall".into(),
            kind: hearth_core::DeviceKind::Light,
            capabilities,
            adapter: adapter.into(),
        }
    }

    fn off() -> DeviceState {
        DeviceState {
            on: Some(false),
            ..DeviceState::default()
        }
    }

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + chrono::TimeDelta::seconds(second)
    }

    /// An adapter that obeys every command at once.
    fn obedient(hub: &Hub, name: &str) {
        let (sender, mut commands) = crate::adapter::channel();
        hub.attach_adapter(name, sender);
        let devices: HashMap<DeviceId, Device> = hub
            .snapshot()
            .into_iter()
            .map(|s| (s.device.id.clone(), s.device))
            .collect();
        tokio::spawn(async move {
            let mut states: HashMap<DeviceId, DeviceState> = HashMap::new();
            while let Some(request) = commands.recv().await {
                let device = &devices[&request.device];
                let state = states.entry(request.device.clone()).or_insert_with(off);
                *state = request.command.apply(device, state);
                let _ = request.reply.send(Ok(state.clone()));
            }
        });
    }

    #[tokio::test]
    async fn commands_are_routed_validated_and_refused_with_the_right_code() {
        let hub = hub(Restored::default());
        hub.register_device(device("lamp", "fake", vec![Capability::OnOff]), off());
        hub.register_device(device("sulky", "silent", vec![Capability::OnOff]), off());
        hub.register_device(device("orphan", "gone", vec![Capability::OnOff]), off());
        hub.register_device(
            device("gauge", "fake", vec![Capability::Temperature]),
            off(),
        );
        obedient(&hub, "fake");
        // Holds its commands and never answers.
        let (silent, _held) = crate::adapter::channel();
        hub.attach_adapter("silent", silent);
        let mut events = hub.subscribe();

        let table = [
            ("lamp", Command::TurnOn, Ok(Some(true))),
            ("lamp", Command::Toggle, Ok(Some(false))),
            ("ghost", Command::TurnOn, Err(ErrorCode::UnknownDevice)),
            ("gauge", Command::TurnOn, Err(ErrorCode::Unsupported)),
            ("orphan", Command::TurnOn, Err(ErrorCode::Unavailable)),
            ("sulky", Command::TurnOn, Err(ErrorCode::Unavailable)),
        ];
        for (id, command, want) in table {
            let got = hub
                .execute(&DeviceId::new(id), command.clone())
                .await
                .map(|state| state.on)
                .map_err(|error| error.code);
            assert_eq!(got, want, "{command:?} on {id}");
        }

        // Only the two obeyed commands were published, in order.
        for want in [true, false] {
            match events.try_recv() {
                Ok(HubEvent::StateChanged { device, state, .. }) => {
                    assert_eq!((device.as_str(), state.on), ("lamp", Some(want)));
                }
                other => panic!("expected lamp state_changed, got {other:?}"),
            }
        }
        assert!(events.try_recv().is_err(), "nothing else was published");
    }

    #[tokio::test]
    async fn readings_are_validated_remembered_newest_first_and_published() {
        let hub = hub(Restored::default());
        hub.register_device(
            device("gauge", "fake", vec![Capability::Temperature]),
            off(),
        );
        let mut events = hub.subscribe();
        let reading = |id: &str, metric, value, second| {
            Reading::new(DeviceId::new(id), metric, value, at(second))
        };

        let table = [
            (reading("gauge", Metric::Temperature, 21.0, 2), true),
            // Older than the one before: published, but not the latest.
            (reading("gauge", Metric::Temperature, 19.0, 1), true),
            (reading("ghost", Metric::Temperature, 21.0, 3), false),
            (reading("gauge", Metric::Humidity, 50.0, 3), false),
            (reading("gauge", Metric::Temperature, f64::NAN, 3), false),
        ];
        for (reading, accepted) in table {
            let got = hub.ingest_reading(reading.clone()).await;
            assert_eq!(got.is_ok(), accepted, "{reading:?}: {got:?}");
        }

        let published: Vec<f64> = std::iter::from_fn(|| events.try_recv().ok())
            .map(|event| match event {
                HubEvent::Reading(reading) => reading.value,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(published, [21.0, 19.0]);
        let snapshot = hub.snapshot();
        assert_eq!(
            snapshot[0].readings,
            [reading("gauge", Metric::Temperature, 21.0, 2)]
        );
        assert_eq!(snapshot[0].last_seen, Some(at(2)));
    }

    #[tokio::test]
    async fn a_registered_device_starts_from_what_the_store_remembered() {
        let lamp = DeviceId::new("lamp");
        let on = DeviceState {
            on: Some(true),
            ..DeviceState::default()
        };
        let hub = hub(Restored {
            states: vec![(lamp.clone(), on.clone())],
            readings: vec![
                Reading::new(lamp.clone(), Metric::Temperature, 30.0, at(5)),
                // The lamp no longer reports humidity; this one is dropped.
                Reading::new(lamp.clone(), Metric::Humidity, 40.0, at(6)),
            ],
            rules: Vec::new(),
        });
        let started = hub.register_device(
            device(
                "lamp",
                "fake",
                vec![Capability::OnOff, Capability::Temperature],
            ),
            off(),
        );
        assert_eq!(started.state, on);
        assert_eq!(
            started.readings,
            [Reading::new(lamp, Metric::Temperature, 30.0, at(5))]
        );
        assert_eq!(started.last_seen, Some(at(5)));
        assert_eq!(hub.snapshot(), [started]);
    }
}
