//! Starting, stopping and starting again: graceful shutdown and what survives a
//! restart.

use std::time::Duration;

use hearth_core::protocol::DeviceSnapshot;
use hearth_core::{ClientMessage, Command, DeviceId, ServerMessage};
use hearth_hub::{Error, Server, StoreError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{TestHub, config, data_dir, find, guard};

#[tokio::test]
async fn shutting_down_closes_every_websocket_with_going_away() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let (mut first, _) = hub.connect_past_snapshot().await;
    let (mut second, _) = hub.connect_past_snapshot().await;

    let (stopped, first_close, second_close) =
        tokio::join!(hub.shut_down(), first.close_frame(), second.close_frame());
    stopped.expect("a clean shutdown");
    for close in [first_close, second_close] {
        let close = close.expect("a Close frame with a code");
        assert_eq!(close.code, CloseCode::Away);
        assert_eq!(close.reason.as_str(), "hub shutting down");
    }
}

/// Every sensor has reported every metric it measures.
fn fully_reported(devices: &[DeviceSnapshot]) -> bool {
    devices
        .iter()
        .all(|d| d.readings.len() == d.device.metrics().count())
}

#[tokio::test]
async fn a_restarted_hub_remembers_states_and_latest_readings() {
    let (_dir, path) = data_dir();
    let first = TestHub::start(&path).await;
    let (mut client, _) = first.connect_past_snapshot().await;
    let light = DeviceId::new("living-room-light");
    client
        .send(&ClientMessage::Command {
            request_id: "on".into(),
            device: light.clone(),
            command: Command::TurnOn,
        })
        .await;
    client
        .next_that(|message| matches!(message, ServerMessage::CommandResult { .. }).then_some(()))
        .await;
    guard("every sensor to report", async {
        while !fully_reported(&first.devices().await) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let hub = first.hub.clone();
    first.shut_down().await.unwrap();
    // Everything the first hub knew when it stopped, now that nothing changes it.
    let before = hub.snapshot();

    // Sensors on the second hub stay quiet for the length of the test, so any
    // reading it shows came from the store.
    let second = TestHub::start_with(config(&path, Duration::from_secs(3600))).await;
    let (_client, after) = second.connect_past_snapshot().await;
    assert_eq!(find(&after, light.as_str()).state.on, Some(true));
    assert!(fully_reported(&after));
    for device in &before {
        let restored = find(&after, device.device.id.as_str());
        assert_eq!(restored.state, device.state, "{}", device.device.id);
        assert_eq!(restored.readings, device.readings, "{}", device.device.id);
    }
    assert_eq!(second.devices().await, after);
    second.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_second_hub_on_the_same_data_dir_is_refused_with_a_clear_error() {
    let (_dir, path) = data_dir();
    let first = TestHub::start(&path).await;
    let refused = Server::open(config(&path, Duration::from_millis(50)));
    match refused {
        Err(error @ Error::Store(StoreError::Locked { .. })) => {
            assert!(error.to_string().contains("another hub"), "{error}");
        }
        other => panic!("expected a locked-database error, got {other:?}"),
    }
    first.shut_down().await.unwrap();
}
