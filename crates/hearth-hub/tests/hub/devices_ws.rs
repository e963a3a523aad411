//! `/api/devices/ws` as a device (or a gateway of several) meets it: a token,
//! a description, readings, commands relayed from a browser and answered, and
//! what happens when the connection drops and comes back.

use hearth_core::device_protocol::{DeviceDescription, DeviceMessage, HubMessage};
use hearth_core::protocol::{CommandOutcome, MAX_FRAME_BYTES};
use hearth_core::{Command, DeviceId, DeviceState, ErrorCode, Metric, ServerMessage};
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::ingest::token;
use crate::support::{self, Client, DeviceSocket, TestHub, data_dir, find};

fn thermometer() -> DeviceDescription {
    support::thermometer("shed-thermometer", "Shed thermometer", "Garden")
}

fn switch() -> DeviceDescription {
    support::switch("shed-switch", "Shed switch", "Garden")
}

fn reading(value: f64) -> DeviceMessage {
    DeviceMessage::Reading {
        device: DeviceId::new("shed-thermometer"),
        metric: Metric::Temperature,
        value,
        at: None,
    }
}

/// A browser's command to the shed switch, and its result.
async fn turn_on(browser: &mut Client, request_id: &str) -> CommandOutcome {
    browser
        .command(request_id, "shed-switch", Command::TurnOn)
        .await
}

/// Answers the next command the device gets with `on`.
async fn obey(device: &mut DeviceSocket) {
    let HubMessage::Command {
        request_id,
        device: id,
        command,
    } = device.next().await
    else {
        panic!("expected a command");
    };
    assert_eq!((id.as_str(), &command), ("shed-switch", &Command::TurnOn));
    device
        .send(&DeviceMessage::CommandResult {
            request_id,
            outcome: CommandOutcome::Ok {
                state: DeviceState {
                    on: Some(true),
                    ..DeviceState::default()
                },
            },
        })
        .await;
}

#[tokio::test]
async fn a_gateway_describes_its_devices_streams_readings_and_obeys_commands() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let token = token(&path, "shed gateway");
    let mut gateway = DeviceSocket::hello(&hub, &token).await;
    gateway.describe(vec![thermometer(), switch()]).await;

    let (mut browser, devices) = hub.connect_past_snapshot().await;
    let shed = find(&devices, "shed-switch");
    assert_eq!(shed.device.adapter, "websocket");
    assert_eq!(shed.state.on, Some(false));

    gateway.send(&reading(8.25)).await;
    let seen = browser
        .next_that(|message| match message {
            ServerMessage::Reading { reading } if reading.device.as_str() == "shed-thermometer" => {
                Some(reading.value)
            }
            _ => None,
        })
        .await;
    assert_eq!(seen, 8.25);

    let (answer, ()) = tokio::join!(turn_on(&mut browser, "b-1"), obey(&mut gateway));
    assert_eq!(
        answer,
        CommandOutcome::Ok {
            state: DeviceState {
                on: Some(true),
                ..DeviceState::default()
            }
        }
    );
    assert_eq!(
        find(&hub.devices().await, "shed-switch").state.on,
        Some(true)
    );

    // A device may change state on its own; browsers hear of it.
    gateway
        .send(&DeviceMessage::State {
            device: DeviceId::new("shed-switch"),
            state: DeviceState {
                on: Some(false),
                ..DeviceState::default()
            },
        })
        .await;
    // (The command's own `state_changed`, on, comes before it.)
    browser.until_switched("shed-switch", false).await;

    // A hub that stops says so to its devices.
    hub.shut_down().await.unwrap();
    let close = gateway.close_frame().await.expect("a Close frame");
    assert_eq!(
        (close.code, close.reason.as_str()),
        (CloseCode::Away, "hub shutting down")
    );
}

#[tokio::test]
async fn a_dropped_connection_leaves_its_devices_unavailable_until_it_returns() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let token = token(&path, "shed");
    let mut gateway = DeviceSocket::hello(&hub, &token).await;
    gateway.describe(vec![thermometer(), switch()]).await;
    gateway.send(&reading(9.5)).await;
    let (mut browser, _) = hub.connect_past_snapshot().await;
    drop(gateway);

    // Still listed, with its last reading, but commands are refused.
    let CommandOutcome::Rejected { error: outcome } = turn_on(&mut browser, "b-1").await else {
        panic!("a command to a disconnected device was obeyed");
    };
    assert_eq!(outcome.code, ErrorCode::Unavailable, "{}", outcome.message);
    let devices = hub.devices().await;
    let thermometer_now = find(&devices, "shed-thermometer");
    assert_eq!(thermometer_now.readings[0].value, 9.5);

    // Back, this time with the token on the upgrade: the same devices work again.
    let mut gateway = DeviceSocket::welcomed(&hub, &token).await;
    gateway.describe(vec![thermometer(), switch()]).await;
    let (answer, ()) = tokio::join!(turn_on(&mut browser, "b-2"), obey(&mut gateway));
    assert!(matches!(answer, CommandOutcome::Ok { .. }), "{answer:?}");
    let devices = hub.devices().await;
    assert_eq!(find(&devices, "shed-thermometer").readings[0].value, 9.5);
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn bad_tokens_are_refused_with_a_reason() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let revoked = token(&path, "old");
    let tokens = hearth_hub::Tokens::open(&path).unwrap();
    tokens
        .revoke(tokens.list().unwrap()[0].id, chrono::Utc::now())
        .unwrap();

    for (bearer, words) in [
        ("hearth_guess", "unknown token"),
        (revoked.as_str(), "revoked"),
    ] {
        match DeviceSocket::open(&hub, Some(bearer)).await {
            Err(WsError::Http(response)) => {
                assert_eq!(response.status(), 401);
                let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default())
                    .into_owned();
                assert!(body.contains(words), "{body}");
            }
            Err(other) => panic!("expected 401 for {bearer}, got {other:?}"),
            Ok(_) => panic!("{bearer} was let in"),
        }
    }

    // A plain request, not an upgrade, is told so in JSON.
    hub.expect_refusal("GET", "/api/devices/ws", "", 400, "bad_request")
        .await;

    let frames = [
        (
            DeviceMessage::Hello {
                token: "hearth_guess".into(),
            }
            .encode(),
            "unknown token",
        ),
        (
            DeviceMessage::Hello {
                token: revoked.clone(),
            }
            .encode(),
            "revoked",
        ),
        (reading(1.0).encode(), "hello"),
    ];
    for (first, words) in frames {
        let mut device = DeviceSocket::open(&hub, None).await.unwrap();
        device.send_raw(first.clone()).await;
        let close = device
            .close_frame()
            .await
            .expect("a Close frame with a reason");
        assert_eq!(close.code, CloseCode::Policy, "{first}");
        assert!(close.reason.contains(words), "{first}: {}", close.reason);
    }
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn bad_frames_get_an_error_and_the_connection_carries_on() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let token = token(&path, "clumsy");
    let mut device = DeviceSocket::hello(&hub, &token).await;
    device.describe(vec![thermometer()]).await;

    let ghost = DeviceMessage::Reading {
        device: DeviceId::new("ghost"),
        metric: Metric::Temperature,
        value: 1.0,
        at: None,
    };
    let huge = format!(
        r#"{{"type":"describe","devices":[],"pad":"{}"}}"#,
        "x".repeat(MAX_FRAME_BYTES)
    );
    let future = DeviceMessage::Reading {
        device: DeviceId::new("shed-thermometer"),
        metric: Metric::Temperature,
        value: 7.0,
        at: Some(chrono::Utc::now() + chrono::TimeDelta::hours(1)),
    };
    let answer = DeviceMessage::CommandResult {
        request_id: "nobody-asked".into(),
        outcome: CommandOutcome::Ok {
            state: DeviceState::default(),
        },
    };
    let table = [
        ("not json".to_owned(), ErrorCode::BadFrame, None),
        (
            r#"{"type":"teleport"}"#.to_owned(),
            ErrorCode::BadFrame,
            None,
        ),
        (huge, ErrorCode::FrameTooLarge, None),
        (ghost.encode(), ErrorCode::UnknownDevice, Some("ghost")),
        (
            reading(500.0).encode(),
            ErrorCode::InvalidValue,
            Some("shed-thermometer"),
        ),
        (
            future.encode(),
            ErrorCode::InvalidValue,
            Some("shed-thermometer"),
        ),
        (answer.encode(), ErrorCode::BadFrame, None),
        (
            DeviceMessage::Hello {
                token: token.clone(),
            }
            .encode(),
            ErrorCode::BadFrame,
            None,
        ),
    ];
    for (frame, want_code, want_device) in table {
        device.send_raw(frame.clone()).await;
        match device.next().await {
            HubMessage::Error {
                code,
                device,
                message,
            } => {
                assert_eq!(code, want_code, "{frame:.80}: {message}");
                assert_eq!(
                    device.as_ref().map(DeviceId::as_str),
                    want_device,
                    "{frame:.80}"
                );
            }
            other => panic!("{frame:.80}: expected an error, got {other:?}"),
        }
    }

    // A device id another adapter owns is refused; the rest of the describe is taken.
    let mut fridge = thermometer();
    fridge.id = DeviceId::new("fridge");
    device
        .send(&DeviceMessage::Describe {
            devices: vec![fridge, switch()],
        })
        .await;
    assert_eq!(
        device.next().await,
        HubMessage::Described {
            devices: vec![DeviceId::new("shed-switch")]
        }
    );
    match device.next().await {
        HubMessage::Error {
            code,
            device,
            message,
        } => {
            assert_eq!(code, ErrorCode::InvalidValue);
            assert_eq!(device, Some(DeviceId::new("fridge")));
            assert!(message.contains("simulator"), "{message}");
        }
        other => panic!("expected an error, got {other:?}"),
    }

    // A device another open connection holds is refused too.
    let mut rival = DeviceSocket::hello(&hub, &token).await;
    rival
        .send(&DeviceMessage::Describe {
            devices: vec![thermometer()],
        })
        .await;
    assert_eq!(
        rival.next().await,
        HubMessage::Described { devices: vec![] }
    );
    match rival.next().await {
        HubMessage::Error { code, message, .. } => {
            assert_eq!(code, ErrorCode::InvalidValue);
            assert!(message.contains("another connection"), "{message}");
        }
        other => panic!("expected an error, got {other:?}"),
    }

    // Still connected: a good reading reaches the hub.
    device.send(&reading(6.0)).await;
    let value = loop {
        let devices = hub.devices().await;
        if let Some(reading) = find(&devices, "shed-thermometer").readings.first() {
            break reading.value;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(value, 6.0);
    hub.shut_down().await.unwrap();
}
