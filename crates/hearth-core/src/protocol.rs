//! Wire protocol v1 between the hub and browsers, carried as JSON text frames on
//! `GET /api/ws`. Every message is an object whose `type` field names its kind;
//! `docs/protocol.md` documents the JSON form and the tests below pin it.
//!
//! Later additions (auth, gateway devices) become new variants: a peer that
//! meets an unknown `type` answers `bad_frame` and keeps the connection.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::command::{Command, CommandError, ErrorCode};
use crate::device::{Device, DeviceId, DeviceState};
use crate::device_protocol::DeviceDescription;
use crate::reading::{Metric, Reading};
use crate::rules::{Notification, RuleStatus};

/// Bumped on any change an older peer could misread.
pub const PROTOCOL_VERSION: u32 = 1;

/// Frames larger than this are refused unread; no legitimate browser message
/// comes close.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Who the browser is talking to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubInfo {
    pub name: String,
    pub version: String,
}

/// Everything a browser needs to draw one device from scratch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceSnapshot {
    pub device: Device,
    pub state: DeviceState,
    /// The latest reading of each metric the device reports.
    pub readings: Vec<Reading>,
    /// When the hub last heard from the device.
    #[serde(default, with = "crate::rfc3339::option")]
    pub last_seen: Option<DateTime<Utc>>,
    /// Whether the device is connected to the hub now (its MQTT availability
    /// topic, its device socket); commands to one that is not fail as
    /// `unavailable`. Snapshots from before this field existed read as
    /// available.
    #[serde(default = "available_by_default")]
    pub available: bool,
}

fn available_by_default() -> bool {
    true
}

/// A rule as `GET /api/rules/{id}` answers it ([`RuleStatus`]: the document,
/// when it last fired, when it fires next), kept as the JSON text the hub
/// wrote. A browser that only needs to know a rule changed does not carry the
/// rule document's decoder, tens of kilobytes of wasm; [`RuleJson::parse`]
/// reads it where it is wanted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleJson(Box<RawValue>);

impl RuleJson {
    pub fn new(status: &RuleStatus) -> RuleJson {
        // As in `encode`: a rule status always serialises.
        match serde_json::value::to_raw_value(status) {
            Ok(text) => RuleJson(text),
            Err(_) => unreachable!("a rule status always serialises"),
        }
    }

    pub fn parse(&self) -> Result<RuleStatus, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    pub fn as_str(&self) -> &str {
        self.0.get()
    }
}

/// The same text is the same rule.
impl PartialEq for RuleJson {
    fn eq(&self, other: &RuleJson) -> bool {
        self.as_str() == other.as_str()
    }
}

/// Hub → browser.
///
/// Read through `ServerFrame` rather than serde's internally tagged support,
/// which buffers every message in an intermediate tree and costs the browser's
/// wasm kilobytes; the JSON form is the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "ServerFrame")]
pub enum ServerMessage {
    /// First message on every connection.
    Hello {
        protocol: u32,
        hub: HubInfo,
    },
    /// The whole current picture; sent after `hello` and on `resync`. It replaces
    /// whatever the browser held.
    Snapshot {
        #[serde(with = "crate::rfc3339")]
        at: DateTime<Utc>,
        devices: Vec<DeviceSnapshot>,
        /// The hub's most recent notifications since it started, oldest first.
        notifications: Vec<Notification>,
    },
    Reading {
        reading: Reading,
    },
    StateChanged {
        device: DeviceId,
        state: DeviceState,
        #[serde(with = "crate::rfc3339")]
        at: DateTime<Utc>,
    },
    /// The answer to one `command`, matched by `request_id`.
    CommandResult {
        request_id: String,
        device: DeviceId,
        #[serde(flatten)]
        outcome: CommandOutcome,
    },
    /// A problem with something the browser sent that has no request id of its
    /// own (a malformed frame), or with the connection itself.
    Error {
        code: ErrorCode,
        message: String,
    },
    Pong {
        nonce: u64,
    },
    /// A rule was created, replaced, enabled or disabled, or fired: `rule`
    /// is the whole of it as it is now.
    RuleChanged {
        id: String,
        rule: RuleJson,
    },
    RuleRemoved {
        id: String,
    },
    /// A rule's `notify` action ran.
    Notification {
        notification: Notification,
    },
    /// The devices of a `gateway_attach` that the hub took for this browser;
    /// a refused one gets an `error` naming it.
    GatewayAttached {
        attached: Vec<DeviceId>,
    },
    /// Carry this out on a device this browser holds and answer with a
    /// `gateway_command_result` of the same `request_id`.
    GatewayCommand {
        request_id: String,
        device: DeviceId,
        command: Command,
    },
    /// A device became available or unavailable `since` then.
    DeviceAvailability {
        device: DeviceId,
        available: bool,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::rfc3339::option"
        )]
        since: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CommandOutcome {
    /// The device obeyed; `state` is what it reports now.
    Ok {
        state: DeviceState,
    },
    Rejected {
        error: CommandError,
    },
}

/// The `status` of a `command_result`.
#[derive(Clone, Copy)]
enum OutcomeStatus {
    Ok,
    Rejected,
}

crate::wire_names!(OutcomeStatus {
    Ok = "ok",
    Rejected = "rejected",
});

/// The `type` of a [`ServerMessage`].
#[derive(Clone, Copy)]
enum ServerKind {
    Hello,
    Snapshot,
    Reading,
    StateChanged,
    CommandResult,
    Error,
    Pong,
    RuleChanged,
    RuleRemoved,
    Notification,
    DeviceAvailability,
    GatewayAttached,
    GatewayCommand,
}

crate::wire_names!(ServerKind {
    Hello = "hello",
    Snapshot = "snapshot",
    Reading = "reading",
    StateChanged = "state_changed",
    CommandResult = "command_result",
    Error = "error",
    Pong = "pong",
    RuleChanged = "rule_changed",
    RuleRemoved = "rule_removed",
    Notification = "notification",
    GatewayAttached = "gateway_attached",
    GatewayCommand = "gateway_command",
    DeviceAvailability = "device_availability",
});

/// Every field any [`ServerMessage`] has, each optional: serde reads this
/// straight from the text, in any field order, and `ServerMessage::try_from`
/// then checks that the fields the `type` needs are present.
#[derive(Deserialize)]
struct ServerFrame {
    #[serde(rename = "type")]
    kind: ServerKind,
    protocol: Option<u32>,
    hub: Option<HubInfo>,
    #[serde(default, with = "crate::rfc3339::option")]
    at: Option<DateTime<Utc>>,
    devices: Option<Vec<DeviceSnapshot>>,
    reading: Option<Reading>,
    device: Option<DeviceId>,
    state: Option<DeviceState>,
    request_id: Option<String>,
    status: Option<OutcomeStatus>,
    error: Option<CommandError>,
    code: Option<ErrorCode>,
    message: Option<String>,
    nonce: Option<u64>,
    notifications: Option<Vec<Notification>>,
    id: Option<String>,
    rule: Option<RuleJson>,
    notification: Option<Notification>,
    attached: Option<Vec<DeviceId>>,
    command: Option<Command>,
    available: Option<bool>,
    #[serde(default, with = "crate::rfc3339::option")]
    since: Option<DateTime<Utc>>,
}

/// Why a frame serde read (a `*Frame` struct) is not a valid value of its
/// `type`: serde reports it as the frame's error.
#[derive(Debug)]
pub(crate) enum FrameError {
    /// A field this `type` needs is absent.
    Missing(&'static str),
    /// A field holds a value this `type` cannot take.
    Invalid(&'static str),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            FrameError::Missing(field) => write!(f, "missing field `{field}`"),
            FrameError::Invalid(why) => f.write_str(why),
        }
    }
}

/// The value of a field the frame's `type` needs.
pub(crate) fn need<T>(value: Option<T>, field: &'static str) -> Result<T, FrameError> {
    value.ok_or(FrameError::Missing(field))
}

impl TryFrom<ServerFrame> for ServerMessage {
    type Error = FrameError;

    fn try_from(frame: ServerFrame) -> Result<Self, FrameError> {
        Ok(match frame.kind {
            ServerKind::Hello => ServerMessage::Hello {
                protocol: need(frame.protocol, "protocol")?,
                hub: need(frame.hub, "hub")?,
            },
            ServerKind::Snapshot => ServerMessage::Snapshot {
                at: need(frame.at, "at")?,
                devices: need(frame.devices, "devices")?,
                // A snapshot kept from before notifications existed has none.
                notifications: frame.notifications.unwrap_or_default(),
            },
            ServerKind::Reading => ServerMessage::Reading {
                reading: need(frame.reading, "reading")?,
            },
            ServerKind::StateChanged => ServerMessage::StateChanged {
                device: need(frame.device, "device")?,
                state: need(frame.state, "state")?,
                at: need(frame.at, "at")?,
            },
            ServerKind::CommandResult => ServerMessage::CommandResult {
                request_id: need(frame.request_id, "request_id")?,
                device: need(frame.device, "device")?,
                outcome: match need(frame.status, "status")? {
                    OutcomeStatus::Ok => CommandOutcome::Ok {
                        state: need(frame.state, "state")?,
                    },
                    OutcomeStatus::Rejected => CommandOutcome::Rejected {
                        error: need(frame.error, "error")?,
                    },
                },
            },
            ServerKind::Error => ServerMessage::Error {
                code: need(frame.code, "code")?,
                message: need(frame.message, "message")?,
            },
            ServerKind::Pong => ServerMessage::Pong {
                nonce: need(frame.nonce, "nonce")?,
            },
            ServerKind::RuleChanged => ServerMessage::RuleChanged {
                id: need(frame.id, "id")?,
                rule: need(frame.rule, "rule")?,
            },
            ServerKind::RuleRemoved => ServerMessage::RuleRemoved {
                id: need(frame.id, "id")?,
            },
            ServerKind::Notification => ServerMessage::Notification {
                notification: need(frame.notification, "notification")?,
            },
            ServerKind::GatewayAttached => ServerMessage::GatewayAttached {
                attached: need(frame.attached, "attached")?,
            },
            ServerKind::GatewayCommand => ServerMessage::GatewayCommand {
                request_id: need(frame.request_id, "request_id")?,
                device: need(frame.device, "device")?,
                command: need(frame.command, "command")?,
            },
            ServerKind::DeviceAvailability => ServerMessage::DeviceAvailability {
                device: need(frame.device, "device")?,
                available: need(frame.available, "available")?,
                since: frame.since,
            },
        })
    }
}

/// Browser → hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// `request_id` is chosen by the browser and echoed in the `command_result`.
    Command {
        request_id: String,
        device: DeviceId,
        command: Command,
    },
    /// Ask for a fresh `snapshot`.
    Resync,
    Ping {
        nonce: u64,
    },
    /// This browser holds these devices (over Bluetooth) and relays them to
    /// the hub until it disconnects; may be sent again to add more.
    GatewayAttach {
        devices: Vec<DeviceDescription>,
    },
    /// A measurement from a device this browser holds; `at` defaults to when
    /// the hub receives it.
    GatewayReading {
        device: DeviceId,
        metric: Metric,
        value: f64,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::rfc3339::option"
        )]
        at: Option<DateTime<Utc>>,
    },
    /// A held device's state changed on its own (its switch was used here).
    GatewayState {
        device: DeviceId,
        state: DeviceState,
    },
    /// The answer to one `gateway_command`, matched by `request_id`.
    GatewayCommandResult {
        request_id: String,
        #[serde(flatten)]
        outcome: CommandOutcome,
    },
}

impl ClientMessage {
    /// Parses one text frame, refusing oversized or malformed ones with an error
    /// fit to send back to the peer.
    pub fn decode(frame: &str) -> Result<ClientMessage, CommandError> {
        decode(frame)
    }

    pub fn encode(&self) -> String {
        encode(self)
    }
}

impl ServerMessage {
    pub fn decode(frame: &str) -> Result<ServerMessage, CommandError> {
        decode(frame)
    }

    pub fn encode(&self) -> String {
        encode(self)
    }

    /// The message to send back for a frame that could not be decoded.
    pub fn from_error(error: CommandError) -> ServerMessage {
        ServerMessage::Error {
            code: error.code,
            message: error.message,
        }
    }
}

/// Reads one JSON frame of either protocol (browsers' and devices'), refusing
/// it whole beyond `MAX_FRAME_BYTES`.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(frame: &str) -> Result<T, CommandError> {
    if frame.len() > MAX_FRAME_BYTES {
        return Err(CommandError::new(
            ErrorCode::FrameTooLarge,
            format!(
                "frame of {} bytes exceeds the {MAX_FRAME_BYTES}-byte limit",
                frame.len()
            ),
        ));
    }
    serde_json::from_str(frame)
        .map_err(|e| CommandError::new(ErrorCode::BadFrame, format!("malformed message: {e}")))
}

pub(crate) fn encode<T: Serialize>(message: &T) -> String {
    // Serialising these types cannot fail: every map key is a string and no
    // custom Serialize impl can error. Not `expect`: its `Debug` formatting of
    // the error would cost the browser's wasm about a kilobyte.
    match serde_json::to_string(message) {
        Ok(text) => text,
        Err(_) => unreachable!("protocol types always serialise"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Capability, DeviceKind, HvacMode};
    use crate::reading::Metric;
    use crate::rules::NotifyLevel;
    use chrono::TimeZone;
    use serde_json::json;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
    }

    fn device() -> Device {
        Device {
            id: DeviceId::new("living-room-ac"),
            name: "Living room AC".into(),
            room: "Living room".into(),
            kind: DeviceKind::AirConditioner,
            capabilities: vec![
                Capability::OnOff,
                Capability::Setpoint {
                    min: 16.0,
                    max: 30.0,
                    step: 0.5,
                },
                Capability::Mode {
                    modes: vec![HvacMode::Cool],
                },
            ],
            adapter: "simulator".into(),
        }
    }

    /// Each message must serialise to exactly the documented JSON and parse back
    /// to itself.
    fn check_server(message: ServerMessage, want: serde_json::Value) {
        let text = message.encode();
        let got: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(got, want, "JSON form of {message:?}");
        assert_eq!(ServerMessage::decode(&text).unwrap(), message);
    }

    fn check_client(message: ClientMessage, want: serde_json::Value) {
        let text = message.encode();
        let got: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(got, want, "JSON form of {message:?}");
        assert_eq!(ClientMessage::decode(&text).unwrap(), message);
    }

    #[test]
    fn server_messages_round_trip_in_documented_form() {
        check_server(
            ServerMessage::Hello {
                protocol: PROTOCOL_VERSION,
                hub: HubInfo {
                    name: "Hearth".into(),
                    version: "0.1.0".into(),
                },
            },
            json!({"type": "hello", "protocol": 1, "hub": {"name": "Hearth", "version": "0.1.0"}}),
        );
        check_server(
            ServerMessage::Snapshot {
                at: at(),
                devices: vec![DeviceSnapshot {
                    device: device(),
                    state: DeviceState {
                        on: Some(false),
                        setpoint: Some(24.0),
                        mode: Some(HvacMode::Cool),
                        fan_speed: None,
                    },
                    readings: vec![],
                    last_seen: Some(at()),
                    available: true,
                }],
                notifications: vec![notification()],
            },
            json!({"type": "snapshot", "at": "2026-11-26T12:00:00Z", "devices": [{
                "device": {
                    "id": "living-room-ac", "name": "Living room AC", "room": "Living room",
                    "kind": "air_conditioner", "adapter": "simulator",
                    "capabilities": [
                        {"type": "on_off"},
                        {"type": "setpoint", "min": 16.0, "max": 30.0, "step": 0.5},
                        {"type": "mode", "modes": ["cool"]}
                    ]
                },
                "state": {"on": false, "setpoint": 24.0, "mode": "cool"},
                "readings": [],
                "last_seen": "2026-11-26T12:00:00Z",
                "available": true
            }], "notifications": [{
                "id": 1795003200000_u64, "rule": "fridge-alert", "title": "Fridge too warm",
                "message": "Is the door shut?", "level": "warning", "at": "2026-11-26T12:00:00Z"
            }]}),
        );
        check_server(
            ServerMessage::Reading {
                reading: Reading::new(DeviceId::new("fridge"), Metric::Temperature, 4.25, at()),
            },
            json!({"type": "reading", "reading": {
                "device": "fridge", "metric": "temperature", "value": 4.25,
                "unit": "celsius", "at": "2026-11-26T12:00:00Z"
            }}),
        );
        check_server(
            ServerMessage::StateChanged {
                device: DeviceId::new("porch-light"),
                state: DeviceState {
                    on: Some(true),
                    ..DeviceState::default()
                },
                at: at(),
            },
            json!({"type": "state_changed", "device": "porch-light", "state": {"on": true},
                   "at": "2026-11-26T12:00:00Z"}),
        );
        check_server(
            ServerMessage::CommandResult {
                request_id: "r1".into(),
                device: DeviceId::new("porch-light"),
                outcome: CommandOutcome::Ok {
                    state: DeviceState {
                        on: Some(true),
                        ..DeviceState::default()
                    },
                },
            },
            json!({"type": "command_result", "request_id": "r1", "device": "porch-light",
                   "status": "ok", "state": {"on": true}}),
        );
        check_server(
            ServerMessage::CommandResult {
                request_id: "r2".into(),
                device: DeviceId::new("ghost"),
                outcome: CommandOutcome::Rejected {
                    error: CommandError::new(ErrorCode::UnknownDevice, "no device ghost"),
                },
            },
            json!({"type": "command_result", "request_id": "r2", "device": "ghost",
                   "status": "rejected",
                   "error": {"code": "unknown_device", "message": "no device ghost"}}),
        );
        check_server(
            ServerMessage::Error {
                code: ErrorCode::BadFrame,
                message: "malformed".into(),
            },
            json!({"type": "error", "code": "bad_frame", "message": "malformed"}),
        );
        check_server(
            ServerMessage::Pong { nonce: 7 },
            json!({"type": "pong", "nonce": 7}),
        );
        check_server(
            ServerMessage::RuleChanged {
                id: "fridge-alert".into(),
                rule: RuleJson::new(&fridge_alert()),
            },
            json!({"type": "rule_changed", "id": "fridge-alert", "rule": {
                "rule": {
                    "id": "fridge-alert", "name": "Fridge too warm", "enabled": false,
                    "mode": "single",
                    "triggers": [{"type": "numeric", "device": "fridge", "metric": "temperature",
                                  "crossing": "above", "threshold": 8.0, "hysteresis": 1.0,
                                  "for": {"minutes": 15}}],
                    "actions": [{"type": "notify", "message": "Is the door shut?",
                                 "level": "warning"}]
                },
                "last_fired": "2026-11-26T12:00:00Z",
                "next_firing": null
            }}),
        );
        check_server(
            ServerMessage::RuleRemoved {
                id: "fridge-alert".into(),
            },
            json!({"type": "rule_removed", "id": "fridge-alert"}),
        );
        check_server(
            ServerMessage::Notification {
                notification: notification(),
            },
            json!({"type": "notification", "notification": {
                "id": 1795003200000_u64, "rule": "fridge-alert", "title": "Fridge too warm",
                "message": "Is the door shut?", "level": "warning", "at": "2026-11-26T12:00:00Z"
            }}),
        );
    }

    #[test]
    fn device_availability_round_trips_with_and_without_since() {
        check_server(
            ServerMessage::DeviceAvailability {
                device: DeviceId::new("porch-plug"),
                available: false,
                since: Some(at()),
            },
            json!({"type": "device_availability", "device": "porch-plug", "available": false,
                   "since": "2026-11-26T12:00:00Z"}),
        );
        check_server(
            ServerMessage::DeviceAvailability {
                device: DeviceId::new("porch-plug"),
                available: true,
                since: None,
            },
            json!({"type": "device_availability", "device": "porch-plug", "available": true}),
        );
        let err = ServerMessage::decode(r#"{"type":"device_availability","device":"p"}"#)
            .expect_err("no available");
        assert!(
            err.message.contains("missing field `available`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_device_snapshot_from_before_availability_reads_as_available() {
        let old = r#"{"device":{"id":"f","name":"F","room":"R","kind":"fridge",
            "adapter":"s","capabilities":[]},"state":{},"readings":[],"last_seen":null}"#;
        let snapshot: DeviceSnapshot = serde_json::from_str(old).unwrap();
        assert!(snapshot.available);
    }

    fn notification() -> Notification {
        Notification {
            id: 1_795_003_200_000,
            rule: "fridge-alert".into(),
            title: "Fridge too warm".into(),
            message: "Is the door shut?".into(),
            level: NotifyLevel::Warning,
            at: at(),
        }
    }

    fn fridge_alert() -> RuleStatus {
        let document = json!({
            "id": "fridge-alert", "name": "Fridge too warm", "enabled": false,
            "triggers": [{"type": "numeric", "device": "fridge", "metric": "temperature",
                          "crossing": "above", "threshold": 8.0, "hysteresis": 1.0,
                          "for": {"minutes": 15}}],
            "actions": [{"type": "notify", "message": "Is the door shut?", "level": "warning"}]
        });
        RuleStatus {
            rule: serde_json::from_value(document).unwrap(),
            last_fired: Some(at()),
            next_firing: None,
        }
    }

    #[test]
    fn a_pushed_rule_reads_back_as_the_status_it_was_made_from() {
        let status = fridge_alert();
        assert_eq!(RuleJson::new(&status).parse().unwrap(), status);
    }

    #[test]
    fn gateway_frames_round_trip_in_documented_form() {
        let on = DeviceState {
            on: Some(true),
            ..DeviceState::default()
        };
        check_client(
            ClientMessage::GatewayAttach {
                devices: vec![DeviceDescription {
                    id: DeviceId::new("ble-fan"),
                    name: "Desk fan".into(),
                    room: "Bluetooth".into(),
                    kind: DeviceKind::Switch,
                    capabilities: vec![Capability::OnOff],
                    state: Some(on.clone()),
                }],
            },
            json!({"type": "gateway_attach", "devices": [{"id": "ble-fan", "name": "Desk fan",
                   "room": "Bluetooth", "kind": "switch", "capabilities": [{"type": "on_off"}],
                   "state": {"on": true}}]}),
        );
        check_client(
            ClientMessage::GatewayReading {
                device: DeviceId::new("ble-atc"),
                metric: Metric::Temperature,
                value: 21.5,
                at: Some(at()),
            },
            json!({"type": "gateway_reading", "device": "ble-atc", "metric": "temperature",
                   "value": 21.5, "at": "2026-11-26T12:00:00Z"}),
        );
        check_client(
            ClientMessage::GatewayState {
                device: DeviceId::new("ble-fan"),
                state: on.clone(),
            },
            json!({"type": "gateway_state", "device": "ble-fan", "state": {"on": true}}),
        );
        check_client(
            ClientMessage::GatewayCommandResult {
                request_id: "3".into(),
                outcome: CommandOutcome::Rejected {
                    error: CommandError::new(ErrorCode::Unavailable, "ble-fan is out of reach"),
                },
            },
            json!({"type": "gateway_command_result", "request_id": "3", "status": "rejected",
                   "error": {"code": "unavailable", "message": "ble-fan is out of reach"}}),
        );
        check_server(
            ServerMessage::GatewayAttached {
                attached: vec![DeviceId::new("ble-fan")],
            },
            json!({"type": "gateway_attached", "attached": ["ble-fan"]}),
        );
        check_server(
            ServerMessage::GatewayCommand {
                request_id: "3".into(),
                device: DeviceId::new("ble-fan"),
                command: Command::TurnOff,
            },
            json!({"type": "gateway_command", "request_id": "3", "device": "ble-fan",
                   "command": {"action": "turn_off"}}),
        );
        let err =
            ServerMessage::decode(r#"{"type":"gateway_command","request_id":"3","device":"d"}"#)
                .expect_err("no command");
        assert!(
            err.message.contains("missing field `command`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_snapshot_kept_from_before_notifications_reads_with_none() {
        let old = r#"{"type":"snapshot","at":"2026-11-26T12:00:00Z","devices":[]}"#;
        assert_eq!(
            ServerMessage::decode(old).unwrap(),
            ServerMessage::Snapshot {
                at: at(),
                devices: vec![],
                notifications: vec![],
            }
        );
    }

    #[test]
    fn server_frames_lacking_what_their_type_needs_are_refused() {
        let fan = r#"{"type":"snapshot","at":"2026-11-26T12:00:00Z","devices":[{"device":{
            "id":"f","name":"F","room":"R","kind":"fan","adapter":"s",
            "capabilities":[{"type":"fan_speed","max":2.5}]},
            "state":{},"readings":[],"last_seen":null}]}"#;
        let table = [
            (r#"{"type":"hello","protocol":1}"#, "missing field `hub`"),
            (
                r#"{"type":"command_result","request_id":"r","device":"d","status":"ok"}"#,
                "missing field `state`",
            ),
            (
                r#"{"type":"command_result","request_id":"r","device":"d","status":"maybe"}"#,
                "unknown variant `maybe`",
            ),
            (r#"{"type":"teleport"}"#, "unknown variant `teleport`"),
            (r#"{"nonce":1}"#, "missing field `type`"),
            (
                r#"{"type":"rule_changed","id":"r"}"#,
                "missing field `rule`",
            ),
            (r#"{"type":"rule_removed"}"#, "missing field `id`"),
            (
                r#"{"type":"notification","notification":{"id":1,"rule":"r"}}"#,
                "missing field `title`",
            ),
            (
                r#"{"type":"snapshot","at":"yesterday","devices":[]}"#,
                "RFC 3339",
            ),
            (fan, "whole number"),
        ];
        for (frame, want) in table {
            let err = ServerMessage::decode(frame).expect_err(frame);
            assert_eq!(err.code, ErrorCode::BadFrame, "{frame}");
            assert!(err.message.contains(want), "{frame}: {}", err.message);
        }
    }

    #[test]
    fn server_frames_may_order_fields_freely_and_carry_unknown_ones() {
        assert_eq!(
            ServerMessage::decode(r#"{"nonce":7,"later":true,"type":"pong"}"#).unwrap(),
            ServerMessage::Pong { nonce: 7 }
        );
    }

    #[test]
    fn client_messages_round_trip_in_documented_form() {
        check_client(
            ClientMessage::Command {
                request_id: "b-1".into(),
                device: DeviceId::new("living-room-ac"),
                command: Command::SetSetpoint { value: 22.5 },
            },
            json!({"type": "command", "request_id": "b-1", "device": "living-room-ac",
                   "command": {"action": "set_setpoint", "value": 22.5}}),
        );
        check_client(
            ClientMessage::Command {
                request_id: "b-2".into(),
                device: DeviceId::new("porch-light"),
                command: Command::Toggle,
            },
            json!({"type": "command", "request_id": "b-2", "device": "porch-light",
                   "command": {"action": "toggle"}}),
        );
        check_client(ClientMessage::Resync, json!({"type": "resync"}));
        check_client(
            ClientMessage::Ping { nonce: 1 },
            json!({"type": "ping", "nonce": 1}),
        );
    }

    /// Every JSON example in docs/protocol.md's "Hub → browser" and "Browser
    /// → hub" sections is a message of this protocol and reads back to the
    /// same JSON.
    #[test]
    fn the_documented_examples_are_messages_of_this_protocol() {
        let page = include_str!("../../../docs/protocol.md");
        let section = |title: &str| {
            let start = page
                .split(&format!("\n## {title}\n"))
                .nth(1)
                .unwrap_or_else(|| panic!("docs/protocol.md has a {title} section"));
            start.split("\n## ").next().unwrap_or(start).to_owned()
        };
        let mut checked = 0;
        for (title, server) in [("Hub → browser", true), ("Browser → hub", false)] {
            for block in section(title).split("```json").skip(1) {
                let block = block.split("```").next().unwrap_or_default();
                // A block may hold several messages, one after another.
                let stream =
                    serde_json::Deserializer::from_str(block).into_iter::<serde_json::Value>();
                for want in stream {
                    let want = want.unwrap_or_else(|e| panic!("not JSON ({e}): {block}"));
                    let text = want.to_string();
                    let got = if server {
                        ServerMessage::decode(&text).map(|m| m.encode())
                    } else {
                        ClientMessage::decode(&text).map(|m| m.encode())
                    };
                    let got = got.unwrap_or_else(|e| panic!("{}: {text}", e.message));
                    let got: serde_json::Value = serde_json::from_str(&got).unwrap();
                    assert_eq!(got, want, "{text}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 22, "examples checked");
    }

    #[test]
    fn bad_frames_get_codes_not_panics() {
        let huge = format!(
            r#"{{"type":"ping","nonce":1,"pad":"{}"}}"#,
            "x".repeat(MAX_FRAME_BYTES)
        );
        let table: [(&str, ErrorCode); 7] = [
            ("", ErrorCode::BadFrame),
            ("not json", ErrorCode::BadFrame),
            ("[]", ErrorCode::BadFrame),
            (r#"{"type":"launch_rockets"}"#, ErrorCode::BadFrame),
            (
                r#"{"type":"command","request_id":"x"}"#,
                ErrorCode::BadFrame,
            ),
            (
                r#"{"type":"command","request_id":"x","device":"d","command":{"action":"explode"}}"#,
                ErrorCode::BadFrame,
            ),
            (&huge, ErrorCode::FrameTooLarge),
        ];
        for (frame, want) in table {
            let err = ClientMessage::decode(frame).expect_err(frame);
            assert_eq!(err.code, want, "frame {:.60}", frame);
            assert!(!err.message.is_empty());
        }
    }
}
