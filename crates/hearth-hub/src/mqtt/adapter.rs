//! The MQTT adapter's I/O: one task polls the broker connection (rumqttc
//! reconnects on the next poll; this backs off between attempts), another owns
//! every entity and answers the hub's commands. Subscriptions are made again
//! on every new session, and a retained config that comes back unchanged after
//! a reconnect is recognised, so a broker restart leaves no duplicates.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use hearth_core::{
    Capability, CommandError, Device, DeviceId, DeviceKind, DeviceState, ErrorCode, Metric, Reading,
};
use rumqttc::{
    AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS, TlsConfiguration, Transport,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use super::discovery::{self, Config, ConfigTopic, Entity};
use super::entity::{Field, Slot, Update};
use super::{ADAPTER, MAX_PAYLOAD, MqttConfig};
use crate::adapter::{self, AdapterCommand};
use crate::hub::Hub;

/// The discovery configs: `+/+` also covers the device-based
/// `homeassistant/device/<id>/config`, so it is not subscribed twice.
const DISCOVERY: [&str; 2] = ["homeassistant/+/+/config", "homeassistant/+/+/+/config"];

/// The plain convention for DIY devices: `hearth/<device>/<metric>`.
const DIY: &str = "hearth/+/+";

/// How long a command waits for the device's state topic to confirm it. Shorter
/// than the hub's own timeout, so that the answer says why.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(3);

const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(10);

/// Requests rumqttc may queue before `try_publish` refuses.
const CLIENT_QUEUE: usize = 1024;

/// The adapter, attached to the hub and ready to run.
#[derive(Debug)]
pub(crate) struct MqttAdapter {
    config: MqttConfig,
    commands: mpsc::Receiver<AdapterCommand>,
}

/// What the polling task passes on.
enum Incoming {
    Connected,
    Message { topic: String, payload: Vec<u8> },
    Lost(String),
}

struct Pending {
    reply: oneshot::Sender<Result<DeviceState, CommandError>>,
    field: Field,
    deadline: Instant,
}

/// Everything the adapter knows, owned by its one task.
struct State {
    hub: Arc<Hub>,
    client: AsyncClient,
    connected: bool,
    /// Whether the broker being out of reach has been logged as a warning
    /// since the last connection; later attempts are only debug lines.
    complained: bool,
    entities: HashMap<DeviceId, Entity>,
    /// Which devices each config topic describes, to remove them again.
    configs: HashMap<String, Vec<DeviceId>>,
    routes: HashMap<String, Vec<(DeviceId, Slot)>>,
    subscribed: BTreeSet<String>,
    states: HashMap<DeviceId, DeviceState>,
    offline: BTreeSet<DeviceId>,
    pending: HashMap<DeviceId, Vec<Pending>>,
    /// DIY devices and the metrics each has reported.
    diy: HashMap<DeviceId, Vec<Metric>>,
}

impl MqttAdapter {
    pub(crate) fn new(hub: &Hub, config: MqttConfig) -> MqttAdapter {
        let (sender, commands) = adapter::channel();
        hub.attach_adapter(ADAPTER, sender);
        MqttAdapter { config, commands }
    }

    /// Talks to the broker until `shutdown` turns true.
    pub(crate) async fn run(mut self, hub: Arc<Hub>, mut shutdown: watch::Receiver<bool>) {
        let client_id = format!("hearth-hub-{}", std::process::id());
        let mut options = MqttOptions::new(client_id, &self.config.host, self.config.port);
        options.set_keep_alive(Duration::from_secs(30));
        // Big enough that an oversized payload reaches the check below and is
        // reported there, rather than failing the whole connection.
        options.set_max_packet_size(4 * MAX_PAYLOAD, 4 * MAX_PAYLOAD);
        if let Some(username) = &self.config.username {
            options.set_credentials(username, self.config.password.clone().unwrap_or_default());
        }
        if let Some(tls) = &self.config.tls {
            match tls.client_config() {
                Ok(config) => {
                    options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(
                        config,
                    )));
                }
                Err(why) => {
                    tracing::error!(%why, "MQTT adapter not started: its TLS files cannot be used");
                    return;
                }
            }
        }
        let (client, eventloop) = AsyncClient::new(options, CLIENT_QUEUE);
        let (incoming, mut messages) = mpsc::channel(256);
        tokio::spawn(poll(eventloop, incoming, shutdown.clone()));
        tracing::info!(
            host = %self.config.host,
            port = self.config.port,
            tls = self.config.tls.is_some(),
            "MQTT adapter running"
        );
        let mut state = State {
            hub,
            client,
            connected: false,
            complained: false,
            entities: HashMap::new(),
            configs: HashMap::new(),
            routes: HashMap::new(),
            subscribed: BTreeSet::new(),
            states: HashMap::new(),
            offline: BTreeSet::new(),
            pending: HashMap::new(),
            diy: HashMap::new(),
        };
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            tokio::select! {
                () = crate::stopping(&mut shutdown) => break,
                message = messages.recv() => match message {
                    Some(message) => state.incoming(message).await,
                    None => break,
                },
                command = self.commands.recv() => match command {
                    Some(command) => state.command(command),
                    None => break,
                },
                _ = tick.tick() => state.expire(),
            }
        }
        let _ = state.client.try_disconnect();
        tracing::info!("MQTT adapter stopped");
    }
}

/// Polls the connection, passing on what matters and backing off while the
/// broker cannot be reached.
async fn poll(
    mut eventloop: EventLoop,
    incoming: mpsc::Sender<Incoming>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut retry = FIRST_RETRY;
    loop {
        let event = tokio::select! {
            () = crate::stopping(&mut shutdown) => return,
            event = eventloop.poll() => event,
        };
        let message = match event {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                retry = FIRST_RETRY;
                Incoming::Connected
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => Incoming::Message {
                topic: publish.topic,
                payload: publish.payload.to_vec(),
            },
            Ok(_) => continue,
            Err(error) => {
                let lost = Incoming::Lost(super::tls::explain(&error));
                if incoming.send(lost).await.is_err() {
                    return;
                }
                tokio::select! {
                    () = crate::stopping(&mut shutdown) => return,
                    () = tokio::time::sleep(retry) => {}
                }
                retry = (retry * 2).min(LAST_RETRY);
                continue;
            }
        };
        if incoming.send(message).await.is_err() {
            return;
        }
    }
}

impl State {
    async fn incoming(&mut self, message: Incoming) {
        match message {
            Incoming::Connected => {
                tracing::info!("connected to the MQTT broker");
                self.connected = true;
                self.complained = false;
                // A clean session remembers nothing: subscribe to everything again.
                self.subscribed.clear();
                for topic in DISCOVERY.into_iter().chain([DIY]) {
                    self.subscribe(topic.to_owned());
                }
                let topics: Vec<String> = self.routes.keys().cloned().collect();
                for topic in topics {
                    self.subscribe(topic);
                }
                // Retained availability messages follow for devices that
                // have them; until then, all but those known offline are
                // taken as back.
                self.broker_reachable(true);
            }
            Incoming::Lost(why) => {
                if self.connected {
                    tracing::warn!(%why, "lost the MQTT broker; reconnecting");
                } else if !self.complained {
                    tracing::warn!(%why, "cannot reach the MQTT broker; retrying");
                } else {
                    tracing::debug!(%why, "cannot reach the MQTT broker yet");
                }
                if self.connected {
                    self.broker_reachable(false);
                }
                self.connected = false;
                self.complained = true;
            }
            Incoming::Message { topic, payload } => {
                if payload.len() > MAX_PAYLOAD {
                    tracing::warn!(
                        %topic,
                        bytes = payload.len(),
                        limit = MAX_PAYLOAD,
                        "MQTT payload too large; dropped"
                    );
                    return;
                }
                if let Some(config) = ConfigTopic::parse(&topic) {
                    self.config(&topic, &config, &payload);
                } else if let Some(rest) = topic.strip_prefix("hearth/") {
                    self.diy(rest, &payload).await;
                } else {
                    self.state_message(&topic, &payload).await;
                }
            }
        }
    }

    /// Without the broker no MQTT device can be reached: each is unavailable
    /// until the broker is back and, if it has an availability topic, that
    /// says it is online.
    fn broker_reachable(&self, reachable: bool) {
        for id in self.entities.keys().chain(self.diy.keys()) {
            self.hub
                .set_available(id, reachable && !self.offline.contains(id));
        }
    }

    fn subscribe(&mut self, topic: String) {
        if !self.connected || self.subscribed.contains(&topic) {
            return;
        }
        match self.client.try_subscribe(&topic, QoS::AtLeastOnce) {
            Ok(()) => {
                self.subscribed.insert(topic);
            }
            Err(error) => tracing::warn!(%topic, %error, "cannot subscribe"),
        }
    }

    fn config(&mut self, topic: &str, config: &ConfigTopic, payload: &[u8]) {
        let found = match discovery::parse(config, payload) {
            Ok(Config::Removed) => Vec::new(),
            Ok(Config::Entities { entities, skipped }) => {
                for why in skipped {
                    tracing::warn!(%topic, %why, "MQTT discovery: entity skipped");
                }
                entities
            }
            Err(why) => {
                tracing::warn!(%topic, %why, "MQTT discovery: config ignored");
                return;
            }
        };
        let before = self.configs.remove(topic).unwrap_or_default();
        for gone in before
            .iter()
            .filter(|id| !found.iter().any(|e| e.id == **id))
        {
            self.entities.remove(gone);
            self.states.remove(gone);
            self.offline.remove(gone);
            self.fail_pending(gone, "it was removed");
            if self.hub.remove_device(gone) {
                tracing::info!(device = %gone, %topic, "MQTT device removed");
            }
        }
        let mut ids = Vec::new();
        for entity in found {
            ids.push(entity.id.clone());
            // Retained configs come back after every reconnect: unchanged, the
            // device and its latest readings stay as they are.
            if self.entities.get(&entity.id) == Some(&entity) {
                continue;
            }
            let snapshot = self
                .hub
                .register_device(entity.device(), DeviceState::default());
            tracing::info!(device = %entity.id, name = %entity.name, %topic, "MQTT device discovered");
            if !self.connected || self.offline.contains(&entity.id) {
                self.hub.set_available(&entity.id, false);
            }
            self.states.insert(entity.id.clone(), snapshot.state);
            self.entities.insert(entity.id.clone(), entity);
        }
        if !ids.is_empty() {
            self.configs.insert(topic.to_owned(), ids);
        }
        self.reroute();
    }

    /// Rebuilds the topic routes and subscribes to any new topic. Topics no
    /// longer used stay subscribed until the next session; their messages
    /// find no route and are ignored.
    fn reroute(&mut self) {
        self.routes.clear();
        for (id, entity) in &self.entities {
            for (topic, slot) in entity.topics() {
                self.routes
                    .entry(topic)
                    .or_default()
                    .push((id.clone(), slot));
            }
        }
        let topics: Vec<String> = self.routes.keys().cloned().collect();
        for topic in topics {
            self.subscribe(topic);
        }
    }

    async fn state_message(&mut self, topic: &str, payload: &[u8]) {
        let Some(routes) = self.routes.get(topic).cloned() else {
            return;
        };
        let Ok(text) = std::str::from_utf8(payload) else {
            tracing::warn!(%topic, "MQTT payload is not UTF-8; ignored");
            return;
        };
        for (id, slot) in routes {
            let Some(entity) = self.entities.get(&id) else {
                continue;
            };
            let current = self.states.get(&id).cloned().unwrap_or_default();
            match entity.interpret(slot, text, &current) {
                Err(why) => {
                    tracing::warn!(device = %id, %topic, payload = %text, %why, "MQTT payload not understood")
                }
                Ok(Update::Nothing) => {}
                Ok(Update::Reading(metric, value)) => {
                    // The hub logs a reading it refuses.
                    let _ = self
                        .hub
                        .ingest_reading(Reading::new(id.clone(), metric, value, Utc::now()))
                        .await;
                }
                Ok(Update::Available(online)) => self.available(&id, online, &current).await,
                Ok(Update::State { state, field }) => self.reached(&id, state, field).await,
            }
        }
    }

    async fn available(&mut self, id: &DeviceId, online: bool, state: &DeviceState) {
        self.hub.set_available(id, online);
        if online {
            if self.offline.remove(id) {
                tracing::info!(device = %id, "MQTT device back online");
            }
            // Marks the device as seen now.
            let _ = self.hub.set_state(id, state.clone()).await;
        } else if self.offline.insert(id.clone()) {
            tracing::warn!(device = %id, "MQTT device went offline");
            self.fail_pending(id, "it went offline");
        }
    }

    /// A state topic reported `state`, in which `field` is new.
    async fn reached(&mut self, id: &DeviceId, state: DeviceState, field: Field) {
        let changed = self.states.get(id) != Some(&state);
        self.states.insert(id.clone(), state.clone());
        let mut answered = false;
        if let Some(waiting) = self.pending.remove(id) {
            let (confirmed, still): (Vec<_>, Vec<_>) =
                waiting.into_iter().partition(|p| p.field == field);
            for pending in confirmed {
                // The hub records the state it is answered with.
                answered |= pending.reply.send(Ok(state.clone())).is_ok();
            }
            if !still.is_empty() {
                self.pending.insert(id.clone(), still);
            }
        }
        if changed && !answered {
            let _ = self.hub.set_state(id, state).await;
        }
    }

    fn command(&mut self, request: AdapterCommand) {
        let AdapterCommand {
            device,
            command,
            reply,
        } = request;
        let unavailable = |why: String| Err(CommandError::new(ErrorCode::Unavailable, why));
        let Some(entity) = self.entities.get(&device) else {
            let _ = reply.send(Err(CommandError::new(
                ErrorCode::Unsupported,
                format!("{device} only reports readings"),
            )));
            return;
        };
        if !self.connected {
            let _ = reply.send(unavailable(format!(
                "{} cannot be reached: the MQTT broker is not connected",
                entity.name
            )));
            return;
        }
        if self.offline.contains(&device) {
            let _ = reply.send(unavailable(format!("{} is offline", entity.name)));
            return;
        }
        let current = self.states.get(&device).cloned().unwrap_or_default();
        let plan = match entity.plan(&command, &current) {
            Ok(plan) => plan,
            Err(error) => {
                let _ = reply.send(Err(error));
                return;
            }
        };
        for (topic, payload) in &plan.messages {
            if let Err(error) =
                self.client
                    .try_publish(topic, QoS::AtLeastOnce, false, payload.clone())
            {
                tracing::warn!(%topic, %error, "cannot publish a command");
                let _ = reply.send(unavailable(format!(
                    "{} cannot be reached: {error}",
                    entity.name
                )));
                return;
            }
            tracing::debug!(device = %device, %topic, %payload, "command published");
        }
        match plan.confirm_by {
            None => {
                self.states.insert(device, plan.expected.clone());
                let _ = reply.send(Ok(plan.expected));
            }
            Some(field) => self.pending.entry(device).or_default().push(Pending {
                reply,
                field,
                deadline: Instant::now() + CONFIRM_TIMEOUT,
            }),
        }
    }

    /// Answers commands whose confirmation is overdue.
    fn expire(&mut self) {
        let now = Instant::now();
        let entities = &self.entities;
        self.pending.retain(|id, waiting| {
            let (late, still): (Vec<_>, Vec<_>) = std::mem::take(waiting)
                .into_iter()
                .partition(|p| p.deadline <= now);
            for pending in late {
                let name = entities.get(id).map_or(id.as_str(), |e| e.name.as_str());
                let _ = pending.reply.send(Err(CommandError::new(
                    ErrorCode::Unavailable,
                    format!(
                        "{name} did not confirm the change within {} s",
                        CONFIRM_TIMEOUT.as_secs()
                    ),
                )));
            }
            *waiting = still;
            !waiting.is_empty()
        });
    }

    fn fail_pending(&mut self, id: &DeviceId, why: &str) {
        for pending in self.pending.remove(id).unwrap_or_default() {
            let _ = pending.reply.send(Err(CommandError::new(
                ErrorCode::Unavailable,
                format!("{id} did not confirm the change: {why}"),
            )));
        }
    }

    /// `hearth/<device>/<metric>` with a plain number: the device is created
    /// on its first message and learns each metric as it reports it.
    async fn diy(&mut self, rest: &str, payload: &[u8]) {
        let Some((name, metric)) = rest.split_once('/') else {
            return;
        };
        let metric = match metric {
            "temperature" => Metric::Temperature,
            "humidity" => Metric::Humidity,
            "battery" => Metric::Battery,
            "occupancy" => Metric::Occupancy,
            other => {
                tracing::warn!(device = name, metric = other, "unknown DIY metric; ignored");
                return;
            }
        };
        let value = std::str::from_utf8(payload)
            .ok()
            .map(str::trim)
            .and_then(|text| match text {
                "ON" | "on" | "true" => Some(1.0),
                "OFF" | "off" | "false" => Some(0.0),
                number => number.parse::<f64>().ok().filter(|n| n.is_finite()),
            });
        let Some(value) = value else {
            tracing::warn!(
                device = name,
                ?metric,
                "DIY payload is not a number; ignored"
            );
            return;
        };
        let slug = discovery::slug(name);
        if slug.is_empty() {
            tracing::warn!(
                device = name,
                "DIY device name has no letters or digits; ignored"
            );
            return;
        }
        let id = DeviceId::new(format!("diy-{slug}"));
        let metrics = self.diy.entry(id.clone()).or_default();
        if !metrics.contains(&metric) {
            metrics.push(metric);
            let device = diy_device(&id, name, metrics);
            tracing::info!(device = %id, ?metric, "DIY MQTT device reports a new metric");
            self.hub.register_device(device, DeviceState::default());
        }
        let _ = self
            .hub
            .ingest_reading(Reading::new(id, metric, value, Utc::now()))
            .await;
    }
}

fn diy_device(id: &DeviceId, name: &str, metrics: &[Metric]) -> Device {
    let capabilities: Vec<Capability> = metrics
        .iter()
        .map(|metric| match metric {
            Metric::Temperature => Capability::Temperature,
            Metric::Humidity => Capability::Humidity,
            Metric::Battery => Capability::Battery,
            Metric::Occupancy => Capability::Occupancy,
        })
        .collect();
    let kind = match metrics {
        [Metric::Occupancy] => DeviceKind::OccupancySensor,
        _ => DeviceKind::Thermometer,
    };
    Device {
        id: id.clone(),
        name: name.to_owned(),
        room: "MQTT".into(),
        kind,
        capabilities,
        adapter: ADAPTER.into(),
    }
}
