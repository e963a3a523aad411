//! Tokens bound to devices: a leaked shed token cannot fake the living room's
//! temperature, on the device socket or through ingest, while the shed's own
//! readings keep arriving and unbound tokens work as before.

use std::process::Command;

use chrono::Utc;
use hearth_core::device_protocol::{DeviceMessage, HubMessage};
use hearth_core::{DeviceId, DeviceState, ErrorCode, Metric, ServerMessage};
use serde_json::{Value, json};

use crate::support::{Auth, Client, DeviceSocket, TestHub, data_dir, find, thermometer};

/// Creates a token through the admin API; its secret and the answer.
async fn create(hub: &TestHub, body: Value) -> (u16, Value) {
    let (status, _, answer) = hub
        .http_with("POST", "/api/tokens", &body.to_string())
        .await;
    (status, serde_json::from_str(&answer).unwrap())
}

/// An ingest token for the shed thermometer alone.
async fn shed_token(hub: &TestHub) -> String {
    let body =
        json!({"name": "shed-sensor", "scopes": ["ingest"], "devices": ["shed-thermometer"]});
    let (status, answer) = create(hub, body).await;
    assert_eq!(status, 201, "{answer}");
    answer["secret"].as_str().unwrap().to_owned()
}

fn reading(device: &str, value: f64) -> DeviceMessage {
    DeviceMessage::Reading {
        device: DeviceId::new(device),
        metric: Metric::Temperature,
        value,
        at: None,
    }
}

/// Waits for a browser to see a temperature of `device`.
async fn seen(browser: &mut Client, device: &str) -> f64 {
    browser
        .next_that(|message| match message {
            ServerMessage::Reading { reading } if reading.device.as_str() == device => {
                Some(reading.value)
            }
            _ => None,
        })
        .await
}

async fn ingest(hub: &TestHub, token: &str, body: Value) -> (u16, String) {
    let (status, _, answer) = hub
        .http_as(
            Auth::Bearer(token),
            "POST",
            "/api/ingest",
            &body.to_string(),
        )
        .await;
    (status, answer)
}

fn probe(id: &str) -> Value {
    json!({"id": id, "name": id, "room": "Garden", "kind": "thermometer",
           "capabilities": [{"type": "temperature"}]})
}

#[tokio::test]
async fn a_bound_token_speaks_for_its_own_device_and_is_refused_for_another() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let token = shed_token(&hub).await;
    let (mut browser, _) = hub.connect_past_snapshot().await;
    let mut shed = DeviceSocket::welcomed(&hub, &token).await;
    shed.describe(vec![thermometer("shed-thermometer", "Shed", "Shed")])
        .await;

    shed.send(&DeviceMessage::Describe {
        devices: vec![thermometer("fake-thermometer", "Fake", "Living room")],
    })
    .await;
    assert_eq!(
        shed.next().await,
        HubMessage::Described {
            devices: Vec::new()
        }
    );
    let refusal = HubMessage::Error {
        code: ErrorCode::Forbidden,
        message: "token shed-sensor may not speak for fake-thermometer".into(),
        device: Some(DeviceId::new("fake-thermometer")),
    };
    assert_eq!(shed.next().await, refusal);
    // A reading for the simulated living room's thermometer, which exists.
    shed.send(&reading("living-room-thermometer", 35.0)).await;
    let HubMessage::Error { code, message, .. } = shed.next().await else {
        panic!("expected a refusal");
    };
    assert_eq!(code, ErrorCode::Forbidden);
    assert_eq!(
        message,
        "token shed-sensor may not speak for living-room-thermometer"
    );

    shed.send(&DeviceMessage::State {
        device: DeviceId::new("porch-light"),
        state: DeviceState {
            on: Some(true),
            ..DeviceState::default()
        },
    })
    .await;
    let HubMessage::Error { code, device, .. } = shed.next().await else {
        panic!("expected a refusal");
    };
    assert_eq!(
        (code, device.as_ref().map(DeviceId::as_str)),
        (ErrorCode::Forbidden, Some("porch-light"))
    );

    // The connection carries on for its own device.
    shed.send(&reading("shed-thermometer", 7.5)).await;
    assert_eq!(seen(&mut browser, "shed-thermometer").await, 7.5);
    let devices = hub.devices().await;
    assert!(
        devices
            .iter()
            .all(|d| d.device.id.as_str() != "fake-thermometer")
    );
    assert!(
        find(&devices, "living-room-thermometer")
            .readings
            .iter()
            .all(|r| r.value != 35.0)
    );
    assert_ne!(find(&devices, "porch-light").state.on, Some(true));
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn ingest_refuses_a_whole_batch_naming_a_device_the_token_is_not_bound_to() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let body = json!({"name": "garden", "scopes": ["ingest"], "devices": ["garden-probe"]});
    let (_, answer) = create(&hub, body).await;
    let token = answer["secret"].as_str().unwrap();

    let mixed = json!({
        "devices": [probe("garden-probe"), probe("pond-probe")],
        "readings": [
            {"device": "garden-probe", "metric": "temperature", "value": 11.5},
            {"device": "pond-probe", "metric": "temperature", "value": 9.0},
            {"device": "living-room-thermometer", "metric": "temperature", "value": 35.0}
        ]
    });
    let (status, answer) = ingest(&hub, token, mixed).await;
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer.contains("token garden may not speak for pond-probe, living-room-thermometer"),
        "{answer}"
    );
    let devices = hub.devices().await;
    assert!(
        devices
            .iter()
            .all(|d| !["garden-probe", "pond-probe"].contains(&d.device.id.as_str())),
        "nothing of the refused batch is kept"
    );

    let own = json!({
        "devices": [probe("garden-probe")],
        "readings": [{"device": "garden-probe", "metric": "temperature", "value": 12.0}]
    });
    let (status, answer) = ingest(&hub, token, own).await;
    assert_eq!(status, 200, "{answer}");
    let devices = hub.devices().await;
    assert_eq!(find(&devices, "garden-probe").readings[0].value, 12.0);
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn an_unbound_token_still_speaks_for_any_device() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let (status, answer) = create(&hub, json!({"name": "bridge", "scopes": ["ingest"]})).await;
    assert_eq!(
        (status, &answer["devices"]),
        (201, &Value::Null),
        "{answer}"
    );
    let token = answer["secret"].as_str().unwrap();
    let mut bridge = DeviceSocket::welcomed(&hub, token).await;
    bridge
        .describe(vec![
            thermometer("shed-thermometer", "Shed", "Shed"),
            thermometer("pond-thermometer", "Pond", "Garden"),
        ])
        .await;
    let batch = json!({
        "readings": [{"device": "shed-thermometer", "metric": "temperature", "value": 6.0}]
    });
    assert_eq!(ingest(&hub, token, batch).await.0, 200);
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn bindings_are_listed_audited_and_checked_when_created() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    shed_token(&hub).await;
    create(&hub, json!({"name": "script", "scopes": ["read"]})).await;

    let (status, _, listed) = hub.http("GET", "/api/tokens").await;
    assert_eq!(status, 200, "{listed}");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed[0]["devices"], json!(["shed-thermometer"]));
    assert_eq!(listed[1]["devices"], Value::Null);
    let (_, _, audit) = hub.http("GET", "/api/audit").await;
    assert!(
        audit.contains("only shed-thermometer") && audit.contains("any device"),
        "{audit}"
    );

    let too_many: Vec<String> = (0..101).map(|n| format!("probe-{n}")).collect();
    let table = [
        (
            json!({"name": "a", "scopes": ["read"], "devices": ["shed"]}),
            "add the ingest scope",
        ),
        (
            json!({"name": "b", "scopes": ["ingest"], "devices": ["a,b"]}),
            "no comma",
        ),
        (
            json!({"name": "c", "scopes": ["ingest"], "devices": []}),
            "at least one",
        ),
        (
            json!({"name": "d", "scopes": ["ingest"], "devices": too_many}),
            "at most 100",
        ),
    ];
    for (body, words) in table {
        let (status, answer) = create(&hub, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(words),
            "{answer}"
        );
    }
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn the_command_line_creates_and_lists_a_bound_token() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let dir = path.to_str().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hearth-hub"))
            .args(["--data-dir", dir])
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("the binary runs")
    };
    let created = run(&[
        "token",
        "create",
        "--name",
        "shed",
        "--devices",
        "shed-thermometer,shed-door",
    ]);
    assert!(created.status.success(), "{created:?}");
    let token = String::from_utf8(created.stdout).unwrap();
    let batch = json!({
        "readings": [{"device": "living-room-thermometer", "metric": "temperature",
                      "value": 35.0, "at": Utc::now().to_rfc3339()}]
    });
    assert_eq!(ingest(&hub, token.trim_end(), batch).await.0, 403);

    let listed = String::from_utf8(run(&["token", "list"]).stdout).unwrap();
    let row: Vec<&str> = listed.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!((row[1], row[5]), ("shed", "shed-thermometer,shed-door"));

    let refused = run(&[
        "token",
        "create",
        "--name",
        "x",
        "--scope",
        "read",
        "--devices",
        "shed",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("add the ingest scope"));
    hub.shut_down().await.unwrap();
}
