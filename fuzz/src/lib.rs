//! The bodies of the fuzz targets: one function per target, taking the raw
//! input. `fuzz_targets/` runs them under libFuzzer; hearth-hub's
//! `fuzz_corpus` test includes this file and replays every committed corpus
//! file through them on stable, so CI keeps the corpus passing without
//! fuzzing. Each must return for every input: a panic is the bug found.
//!
//! Besides "no panic", the decoders must agree with their encoders: what
//! decodes, once encoded, decodes to the same value.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use hearth_core::device_protocol::{DeviceMessage, HubMessage};
use hearth_core::gatt::{Digital, Sensor};
use hearth_core::rules::{self, Rule};
use hearth_core::{
    Capability, ClientMessage, Device, DeviceId, DeviceKind, HvacMode, ServerMessage, Site,
};

/// A frame a browser sends the hub, or the hub a browser (`/api/ws`).
pub fn browser_frame(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = ClientMessage::decode(text) {
        assert_eq!(
            ClientMessage::decode(&message.encode()).as_ref(),
            Ok(&message)
        );
    }
    if let Ok(message) = ServerMessage::decode(text) {
        assert_eq!(
            ServerMessage::decode(&message.encode()).as_ref(),
            Ok(&message)
        );
    }
}

/// A frame a device sends the hub, or the hub a device (`/api/devices/ws`).
pub fn device_frame(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = DeviceMessage::decode(text) {
        assert_eq!(
            DeviceMessage::decode(&message.encode()).as_ref(),
            Ok(&message)
        );
    }
    if let Ok(message) = HubMessage::decode(text) {
        assert_eq!(HubMessage::decode(&message.encode()).as_ref(), Ok(&message));
    }
}

/// A rule document as `POST /api/rules` takes it: parsed, validated against
/// a small house, summarised, and its clock-driven firings predicted for a
/// day, as the hub and the automations page do.
pub fn rule_document(data: &[u8]) {
    let Ok(rule) = serde_json::from_slice::<Rule>(data) else {
        return;
    };
    let devices = house();
    let _ = rules::validate(&rule, devices.as_slice());
    let _ = rules::summary(&rule, devices.as_slice());
    let text = serde_json::to_string(&rule).expect("a rule serialises");
    let again: Rule = serde_json::from_str(&text).expect("a written rule reads back");
    assert_eq!(again, rule);
    let site = Site::new(51.5, -0.12).expect("a place on Earth");
    let _ = rules::next_firings(&rule, noon(), TimeDelta::days(1), &site, &Utc);
}

/// Every GATT characteristic decoder on the same bytes; the first byte also
/// picks an output of the Digital characteristic to switch.
pub fn gatt(data: &[u8]) {
    for sensor in Sensor::ALL {
        let _ = sensor.decode(data);
        let _ = sensor.reading(data, &DeviceId::new("ble"), noon());
    }
    let index = usize::from(data.first().copied().unwrap_or(0));
    if let Ok(digital) = Digital::decode(data) {
        for output in 0..digital.states().len() {
            let _ = digital.device_state(output);
        }
        let _ = digital.get(index);
        if let Ok(switched) = digital.with_output(index, true) {
            assert_eq!(Digital::decode(&switched.encode()), Ok(switched));
        }
    }
    let _ = hearth_core::gatt::digital::switch(data, index, false);
}

/// BTHome v2 service data, and the readings it makes.
pub fn bthome(data: &[u8]) {
    if let Ok(advertisement) = hearth_core::bthome::decode(data) {
        for reading in advertisement.readings(&DeviceId::new("bthome"), noon()) {
            assert!(reading.value.is_finite(), "{reading:?}");
        }
    }
}

/// A Home Assistant discovery config: `<topic>\n<payload>`.
pub fn mqtt_discovery(data: &[u8]) {
    let (topic, payload) = split_line(data);
    let Ok(topic) = std::str::from_utf8(topic) else {
        return;
    };
    hearth_hub::fuzzing::discovery_config(topic, payload);
}

/// A discovery config and a message on its entities' topics:
/// `<config topic>\n<config>\n<payload>`.
pub fn mqtt_payload(data: &[u8]) {
    let (topic, rest) = split_line(data);
    let (config, payload) = split_line(rest);
    let Ok(topic) = std::str::from_utf8(topic) else {
        return;
    };
    hearth_hub::fuzzing::state_payload(topic, config, payload);
}

/// The bytes before the first newline, and those after it.
fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0)
        .single()
        .expect("a valid time")
}

/// The devices rules may name: one of each kind of control.
fn house() -> Vec<Device> {
    let device = |id: &str, kind, capabilities| Device {
        id: DeviceId::new(id),
        name: id.into(),
        room: "Living room".into(),
        kind,
        capabilities,
        adapter: "simulator".into(),
    };
    vec![
        device(
            "living-room-thermometer",
            DeviceKind::Thermometer,
            vec![Capability::Temperature, Capability::Humidity],
        ),
        device("porch-light", DeviceKind::Light, vec![Capability::OnOff]),
        device(
            "living-room-ac",
            DeviceKind::AirConditioner,
            vec![
                Capability::OnOff,
                Capability::Setpoint {
                    min: 16.0,
                    max: 30.0,
                    step: 0.5,
                },
                Capability::Mode {
                    modes: vec![HvacMode::Cool, HvacMode::Heat],
                },
            ],
        ),
        device(
            "bedroom-fan",
            DeviceKind::Fan,
            vec![Capability::OnOff, Capability::FanSpeed { max: 3 }],
        ),
        device(
            "living-room-occupancy",
            DeviceKind::OccupancySensor,
            vec![Capability::Occupancy],
        ),
    ]
}
