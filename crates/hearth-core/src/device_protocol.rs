//! Device protocol v1, spoken by devices and gateways (one connection holding
//! several devices, such as a browser relaying BLE sensors) on
//! `GET /api/devices/ws`, and the batch body of `POST /api/ingest`. Like the
//! browser protocol, every frame is a JSON object whose `type` names it;
//! `docs/protocol.md` ("Device endpoint") documents each one, and a test below
//! reads that page's examples back through these types so the two cannot drift.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::command::{Command, CommandError, ErrorCode};
use crate::device::{Capability, Device, DeviceId, DeviceKind, DeviceState};
use crate::protocol::{CommandOutcome, HubInfo, decode, encode};
use crate::reading::Metric;

/// Bumped on any change an older device could misread.
pub const DEVICE_PROTOCOL_VERSION: u32 = 1;

/// A device as it describes itself: the hub's [`Device`] without the adapter
/// (the hub fills that in), with the state it is in now if it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceDescription {
    pub id: DeviceId,
    pub name: String,
    pub room: String,
    pub kind: DeviceKind,
    pub capabilities: Vec<Capability>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<DeviceState>,
}

impl DeviceDescription {
    /// The device as the hub keeps it, owned by `adapter`.
    pub fn device(&self, adapter: &str) -> Device {
        Device {
            id: self.id.clone(),
            name: self.name.clone(),
            room: self.room.clone(),
            kind: self.kind,
            capabilities: self.capabilities.clone(),
            adapter: adapter.to_owned(),
        }
    }
}

/// Device → hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeviceMessage {
    /// The first frame, unless the upgrade carried `Authorization: Bearer`.
    Hello { token: String },
    /// Adds (or updates) the devices this connection speaks for; may be sent
    /// again, and several times, to describe more.
    Describe { devices: Vec<DeviceDescription> },
    /// One measurement; `at` defaults to when the hub receives it.
    Reading {
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
    /// The device's state changed on its own (a wall switch was pressed).
    State {
        device: DeviceId,
        state: DeviceState,
    },
    /// The answer to one `command`, matched by `request_id`.
    CommandResult {
        request_id: String,
        #[serde(flatten)]
        outcome: CommandOutcome,
    },
}

/// Hub → device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HubMessage {
    /// The token was accepted; the device may describe itself.
    Welcome { protocol: u32, hub: HubInfo },
    /// The devices of a `describe` that the hub took; refused ones get an
    /// `error` each.
    Described { devices: Vec<DeviceId> },
    /// Carry this out and answer with a `command_result` of the same `request_id`.
    Command {
        request_id: String,
        device: DeviceId,
        command: Command,
    },
    /// A frame the hub refused, naming the device when it was about one. The
    /// connection carries on.
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device: Option<DeviceId>,
    },
}

/// One reading of a `POST /api/ingest` batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestItem {
    pub device: DeviceId,
    pub metric: Metric,
    pub value: f64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::rfc3339::option"
    )]
    pub at: Option<DateTime<Utc>>,
}

/// The body of `POST /api/ingest`. Devices the hub does not know yet may be
/// declared in `devices`; they are owned by the ingest adapter and take no
/// commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestBatch {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceDescription>,
    pub readings: Vec<IngestItem>,
}

/// A reading of the batch that was not stored, by its index in `readings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestProblem {
    pub index: usize,
    pub code: ErrorCode,
    pub message: String,
}

/// The answer to `POST /api/ingest`, sent once the accepted readings are
/// committed to the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestReport {
    pub accepted: usize,
    pub rejected: usize,
    pub errors: Vec<IngestProblem>,
}

impl DeviceMessage {
    /// Parses one text frame, refusing oversized or malformed ones with an
    /// error fit to send back.
    pub fn decode(frame: &str) -> Result<DeviceMessage, CommandError> {
        decode(frame)
    }

    pub fn encode(&self) -> String {
        encode(self)
    }
}

impl HubMessage {
    pub fn decode(frame: &str) -> Result<HubMessage, CommandError> {
        decode(frame)
    }

    pub fn encode(&self) -> String {
        encode(self)
    }

    /// The `error` frame for `error`, about `device` if given.
    pub fn refusal(error: CommandError, device: Option<DeviceId>) -> HubMessage {
        HubMessage::Error {
            code: error.code,
            message: error.message,
            device,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::HvacMode;
    use crate::protocol::MAX_FRAME_BYTES;
    use chrono::TimeZone;
    use serde_json::{Value, json};

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
    }

    fn thermometer() -> DeviceDescription {
        DeviceDescription {
            id: DeviceId::new("shed-thermometer"),
            name: "Shed thermometer".into(),
            room: "Garden".into(),
            kind: DeviceKind::Thermometer,
            capabilities: vec![Capability::Temperature, Capability::Battery],
            state: None,
        }
    }

    fn switch(on: bool) -> DeviceDescription {
        DeviceDescription {
            id: DeviceId::new("shed-switch"),
            name: "Shed switch".into(),
            room: "Garden".into(),
            kind: DeviceKind::Switch,
            capabilities: vec![Capability::OnOff],
            state: Some(DeviceState {
                on: Some(on),
                ..DeviceState::default()
            }),
        }
    }

    fn check_device(message: DeviceMessage, want: Value) {
        let text = message.encode();
        let got: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(got, want, "JSON form of {message:?}");
        assert_eq!(DeviceMessage::decode(&text).unwrap(), message);
    }

    fn check_hub(message: HubMessage, want: Value) {
        let text = message.encode();
        let got: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(got, want, "JSON form of {message:?}");
        assert_eq!(HubMessage::decode(&text).unwrap(), message);
    }

    #[test]
    fn device_messages_round_trip_in_documented_form() {
        check_device(
            DeviceMessage::Hello {
                token: "hearth_0123".into(),
            },
            json!({"type": "hello", "token": "hearth_0123"}),
        );
        check_device(
            DeviceMessage::Describe {
                devices: vec![thermometer(), switch(false)],
            },
            json!({"type": "describe", "devices": [
                {"id": "shed-thermometer", "name": "Shed thermometer", "room": "Garden",
                 "kind": "thermometer",
                 "capabilities": [{"type": "temperature"}, {"type": "battery"}]},
                {"id": "shed-switch", "name": "Shed switch", "room": "Garden", "kind": "switch",
                 "capabilities": [{"type": "on_off"}], "state": {"on": false}}
            ]}),
        );
        check_device(
            DeviceMessage::Reading {
                device: DeviceId::new("shed-thermometer"),
                metric: Metric::Temperature,
                value: 7.5,
                at: Some(at()),
            },
            json!({"type": "reading", "device": "shed-thermometer", "metric": "temperature",
                   "value": 7.5, "at": "2026-11-26T12:00:00Z"}),
        );
        check_device(
            DeviceMessage::Reading {
                device: DeviceId::new("shed-thermometer"),
                metric: Metric::Battery,
                value: 88.0,
                at: None,
            },
            json!({"type": "reading", "device": "shed-thermometer", "metric": "battery",
                   "value": 88.0}),
        );
        check_device(
            DeviceMessage::State {
                device: DeviceId::new("shed-switch"),
                state: DeviceState {
                    on: Some(true),
                    ..DeviceState::default()
                },
            },
            json!({"type": "state", "device": "shed-switch", "state": {"on": true}}),
        );
        check_device(
            DeviceMessage::CommandResult {
                request_id: "7".into(),
                outcome: CommandOutcome::Ok {
                    state: DeviceState {
                        on: Some(true),
                        ..DeviceState::default()
                    },
                },
            },
            json!({"type": "command_result", "request_id": "7", "status": "ok",
                   "state": {"on": true}}),
        );
        check_device(
            DeviceMessage::CommandResult {
                request_id: "8".into(),
                outcome: CommandOutcome::Rejected {
                    error: CommandError::new(ErrorCode::Unavailable, "the relay is stuck"),
                },
            },
            json!({"type": "command_result", "request_id": "8", "status": "rejected",
                   "error": {"code": "unavailable", "message": "the relay is stuck"}}),
        );
    }

    #[test]
    fn hub_messages_round_trip_in_documented_form() {
        check_hub(
            HubMessage::Welcome {
                protocol: DEVICE_PROTOCOL_VERSION,
                hub: HubInfo {
                    name: "Hearth".into(),
                    version: "0.1.0".into(),
                },
            },
            json!({"type": "welcome", "protocol": 1, "hub": {"name": "Hearth", "version": "0.1.0"}}),
        );
        check_hub(
            HubMessage::Described {
                devices: vec![DeviceId::new("shed-switch")],
            },
            json!({"type": "described", "devices": ["shed-switch"]}),
        );
        check_hub(
            HubMessage::Command {
                request_id: "7".into(),
                device: DeviceId::new("shed-switch"),
                command: Command::SetMode {
                    mode: HvacMode::Heat,
                },
            },
            json!({"type": "command", "request_id": "7", "device": "shed-switch",
                   "command": {"action": "set_mode", "mode": "heat"}}),
        );
        check_hub(
            HubMessage::refusal(
                CommandError::new(ErrorCode::UnknownDevice, "describe ghost first"),
                Some(DeviceId::new("ghost")),
            ),
            json!({"type": "error", "code": "unknown_device", "message": "describe ghost first",
                   "device": "ghost"}),
        );
        check_hub(
            HubMessage::refusal(CommandError::new(ErrorCode::BadFrame, "malformed"), None),
            json!({"type": "error", "code": "bad_frame", "message": "malformed"}),
        );
    }

    #[test]
    fn ingest_batches_round_trip_and_default_what_they_leave_out() {
        let text = r#"{"readings":[{"device":"d","metric":"humidity","value":40}]}"#;
        let batch: IngestBatch = serde_json::from_str(text).unwrap();
        assert_eq!(
            batch,
            IngestBatch {
                devices: Vec::new(),
                readings: vec![IngestItem {
                    device: DeviceId::new("d"),
                    metric: Metric::Humidity,
                    value: 40.0,
                    at: None,
                }],
            }
        );
        let back: IngestBatch =
            serde_json::from_str(&serde_json::to_string(&batch).unwrap()).expect("round trip");
        assert_eq!(back, batch);
    }

    #[test]
    fn bad_device_frames_get_codes_not_panics() {
        let huge = format!(
            r#"{{"type":"hello","token":"{}"}}"#,
            "x".repeat(MAX_FRAME_BYTES)
        );
        let table: [(&str, ErrorCode); 7] = [
            ("", ErrorCode::BadFrame),
            ("[]", ErrorCode::BadFrame),
            (r#"{"type":"teleport"}"#, ErrorCode::BadFrame),
            (r#"{"type":"hello"}"#, ErrorCode::BadFrame),
            (
                r#"{"type":"reading","device":"d","metric":"pressure","value":1}"#,
                ErrorCode::BadFrame,
            ),
            (
                r#"{"type":"command_result","request_id":"1","status":"maybe"}"#,
                ErrorCode::BadFrame,
            ),
            (&huge, ErrorCode::FrameTooLarge),
        ];
        for (frame, want) in table {
            let err = DeviceMessage::decode(frame).expect_err(frame);
            assert_eq!(err.code, want, "frame {frame:.60}");
            assert!(!err.message.is_empty());
        }
    }

    /// Every JSON example in docs/protocol.md's "Device endpoint" section is a
    /// frame of this protocol (or an ingest body or answer) and reads back
    /// to the same JSON.
    #[test]
    fn the_documented_examples_are_frames_of_this_protocol() {
        let page = include_str!("../../../docs/protocol.md");
        let section = page
            .split("\n## Device endpoint")
            .nth(1)
            .expect("docs/protocol.md has a Device endpoint section");
        let section = section.split("\n## ").next().unwrap_or(section);
        let examples: Vec<&str> = section
            .split("```json")
            .skip(1)
            .map(|block| block.split("```").next().unwrap_or_default())
            .collect();
        assert!(examples.len() >= 8, "{} examples", examples.len());
        for example in examples {
            let want: Value = serde_json::from_str(example)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {example}"));
            let got = if let Ok(message) = DeviceMessage::decode(example) {
                serde_json::to_value(message)
            } else if let Ok(message) = HubMessage::decode(example) {
                serde_json::to_value(message)
            } else if let Ok(batch) = serde_json::from_str::<IngestBatch>(example) {
                serde_json::to_value(batch)
            } else if let Ok(report) = serde_json::from_str::<IngestReport>(example) {
                serde_json::to_value(report)
            } else {
                panic!("not a device protocol frame: {example}");
            };
            assert_eq!(got.unwrap(), want, "{example}");
        }
    }
}
