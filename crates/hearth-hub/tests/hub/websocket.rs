//! `/api/ws` as a browser uses it: the opening picture, the live stream,
//! commands, and frames the hub cannot read.

use hearth_core::protocol::{CommandOutcome, MAX_FRAME_BYTES};
use hearth_core::{ClientMessage, Command, DeviceId, ErrorCode, PROTOCOL_VERSION, ServerMessage};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{HOUSE, TestHub, data_dir, find, ids};

#[tokio::test]
async fn a_browser_is_greeted_then_shown_the_whole_house() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let mut client = hub.connect().await;

    match client.next().await {
        ServerMessage::Hello { protocol, hub } => {
            assert_eq!(protocol, PROTOCOL_VERSION);
            assert_eq!(protocol, 1);
            assert_eq!(hub.name, "Hearth");
        }
        other => panic!("the first frame must be hello, got {other:?}"),
    }
    let devices = match client.next().await {
        ServerMessage::Snapshot { devices, .. } => devices,
        other => panic!("the second frame must be the snapshot, got {other:?}"),
    };
    let rooms: Vec<(&str, &str)> = HOUSE
        .iter()
        .map(|(id, _)| (*id, find(&devices, id).device.room.as_str()))
        .collect();
    assert_eq!(rooms, HOUSE);
    assert_eq!(devices.len(), HOUSE.len());
    let sorted: Vec<(&str, &str)> = devices
        .iter()
        .map(|d| (d.device.room.as_str(), d.device.name.as_str()))
        .collect();
    assert!(sorted.is_sorted(), "sorted by room, then name: {sorted:?}");

    assert_eq!(ids(&hub.devices().await), ids(&devices));
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn live_readings_stream_in_with_plausible_values() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let (mut client, devices) = hub.connect_past_snapshot().await;

    for _ in 0..20 {
        let reading = client
            .next_that(|message| match message {
                ServerMessage::Reading { reading } => Some(reading),
                _ => None,
            })
            .await;
        let device = &find(&devices, reading.device.as_str()).device;
        assert!(reading.validate(device).is_ok(), "{reading:?}");
        let (low, high) = reading.metric.valid_range();
        assert!((low..=high).contains(&reading.value), "{reading:?}");
    }
    hub.shut_down().await.unwrap();
}

fn command(request_id: &str, device: &str, command: Command) -> ClientMessage {
    ClientMessage::Command {
        request_id: request_id.into(),
        device: DeviceId::new(device),
        command,
    }
}

#[tokio::test]
async fn a_command_changes_the_device_for_everyone() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let (mut alice, devices) = hub.connect_past_snapshot().await;
    let (mut bob, _) = hub.connect_past_snapshot().await;
    assert_eq!(find(&devices, "porch-light").state.on, Some(false));

    alice
        .send(&command("a-1", "porch-light", Command::Toggle))
        .await;
    let (device, outcome) = alice
        .next_that(|message| match message {
            ServerMessage::CommandResult {
                request_id,
                device,
                outcome,
            } if request_id == "a-1" => Some((device, outcome)),
            _ => None,
        })
        .await;
    assert_eq!(device.as_str(), "porch-light");
    match outcome {
        CommandOutcome::Ok { state } => assert_eq!(state.on, Some(true)),
        other => panic!("the toggle should succeed, got {other:?}"),
    }

    let seen_by_bob = bob.next_state("porch-light").await;
    assert_eq!(seen_by_bob.on, Some(true));
    assert_eq!(
        find(&hub.devices().await, "porch-light").state.on,
        Some(true)
    );
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn impossible_commands_are_rejected_with_the_right_code() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let (mut client, _) = hub.connect_past_snapshot().await;

    let table = [
        (
            "living-room-ac",
            Command::SetSetpoint { value: 35.0 },
            ErrorCode::InvalidValue,
        ),
        (
            "fridge",
            Command::SetSetpoint { value: 0.5 },
            ErrorCode::InvalidValue,
        ),
        (
            "bedroom-fan",
            Command::SetFanSpeed { speed: 4 },
            ErrorCode::InvalidValue,
        ),
        ("garage-door", Command::TurnOn, ErrorCode::UnknownDevice),
        (
            "outdoor-thermometer",
            Command::TurnOn,
            ErrorCode::Unsupported,
        ),
        (
            "porch-light",
            Command::SetSetpoint { value: 20.0 },
            ErrorCode::Unsupported,
        ),
    ];
    for (n, (device, cmd, want)) in table.into_iter().enumerate() {
        let request_id = format!("r-{n}");
        let outcome = client.command(&request_id, device, cmd.clone()).await;
        match outcome {
            CommandOutcome::Rejected { error } => {
                assert_eq!(error.code, want, "{cmd:?} on {device}: {}", error.message);
                assert!(!error.message.is_empty());
            }
            other => panic!("{cmd:?} on {device} should be rejected, got {other:?}"),
        }
    }
    // Nothing was changed by the refusals.
    let devices = hub.devices().await;
    assert_eq!(find(&devices, "living-room-ac").state.setpoint, Some(24.0));
    assert_eq!(find(&devices, "fridge").state.setpoint, Some(4.0));
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn unreadable_frames_get_errors_and_the_connection_stays_usable() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let (mut client, _) = hub.connect_past_snapshot().await;

    let big = "x".repeat(100 * 1024);
    assert!(big.len() > MAX_FRAME_BYTES);
    let table = [
        ("not JSON", Message::text("not json"), ErrorCode::BadFrame),
        (
            "unknown type",
            Message::text(r#"{"type":"nope"}"#),
            ErrorCode::BadFrame,
        ),
        (
            "command without a device",
            Message::text(r#"{"type":"command","request_id":"x"}"#),
            ErrorCode::BadFrame,
        ),
        (
            "binary frame",
            Message::binary(vec![1, 2, 3]),
            ErrorCode::BadFrame,
        ),
        (
            "100 KiB text frame",
            Message::text(big),
            ErrorCode::FrameTooLarge,
        ),
    ];
    for (nonce, (what, frame, want)) in (1..).zip(table) {
        client.send_raw(frame).await;
        let code = client
            .next_that(|message| match message {
                ServerMessage::Error { code, .. } => Some(code),
                _ => None,
            })
            .await;
        assert_eq!(code, want, "{what}");

        client.send(&ClientMessage::Ping { nonce }).await;
        let pong = client
            .next_that(|message| match message {
                ServerMessage::Pong { nonce } => Some(nonce),
                _ => None,
            })
            .await;
        assert_eq!(pong, nonce, "a ping after the {what} is answered");
    }
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn resync_sends_a_fresh_snapshot() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let (mut client, _) = hub.connect_past_snapshot().await;
    client
        .send(&command("c", "bedroom-light", Command::TurnOn))
        .await;
    client
        .next_that(|message| matches!(message, ServerMessage::CommandResult { .. }).then_some(()))
        .await;

    client.send(&ClientMessage::Resync).await;
    let devices = client
        .next_that(|message| match message {
            ServerMessage::Snapshot { devices, .. } => Some(devices),
            _ => None,
        })
        .await;
    assert_eq!(devices.len(), HOUSE.len());
    assert_eq!(find(&devices, "bedroom-light").state.on, Some(true));
    hub.shut_down().await.unwrap();
}
