//! A browser relaying devices it holds (Bluetooth) on its own `/api/ws`
//! connection: `gateway_attach`, readings into history, commands from
//! elsewhere relayed to it, and its devices unreachable once it has gone.

use std::time::Duration;

use chrono::{SecondsFormat, TimeDelta, Utc};
use hearth_core::device_protocol::DeviceDescription;
use hearth_core::protocol::CommandOutcome;
use hearth_core::{
    ClientMessage, Command, DeviceId, DeviceState, ErrorCode, HistoryResponse, Metric,
    ServerMessage,
};

use crate::support::{self, Client, TestHub, data_dir, find, guard};

fn thermometer() -> DeviceDescription {
    support::thermometer("ble-atc", "ATC_F02AED", "Bluetooth")
}

fn fan() -> DeviceDescription {
    support::switch("ble-fan", "Desk fan", "Bluetooth")
}

fn on(on: bool) -> DeviceState {
    DeviceState {
        on: Some(on),
        ..DeviceState::default()
    }
}

/// Attaches `devices` and returns the ids the hub took.
async fn attach(browser: &mut Client, devices: Vec<DeviceDescription>) -> Vec<DeviceId> {
    browser
        .send(&ClientMessage::GatewayAttach { devices })
        .await;
    browser
        .next_that(|message| match message {
            ServerMessage::GatewayAttached { attached } => Some(attached),
            _ => None,
        })
        .await
}

/// Another browser turns the fan on and waits for the result.
async fn turn_on_fan(other: &mut Client, request_id: &str) -> CommandOutcome {
    other.command(request_id, "ble-fan", Command::TurnOn).await
}

/// The holding browser carries out the next relayed command and says so.
async fn obey(holder: &mut Client) {
    let (request_id, device, command) = holder
        .next_that(|message| match message {
            ServerMessage::GatewayCommand {
                request_id,
                device,
                command,
            } => Some((request_id, device, command)),
            _ => None,
        })
        .await;
    assert_eq!((device.as_str(), command), ("ble-fan", Command::TurnOn));
    holder
        .send(&ClientMessage::GatewayCommandResult {
            request_id,
            outcome: CommandOutcome::Ok { state: on(true) },
        })
        .await;
}

/// The thermometer's temperatures the hub has stored in the last hour.
async fn stored(hub: &TestHub) -> Vec<f64> {
    let from = (Utc::now() - TimeDelta::hours(1)).to_rfc3339_opts(SecondsFormat::Millis, true);
    let query = format!("/api/history?device=ble-atc&metric=temperature&from={from}");
    let (status, _, body) = hub.http("GET", &query).await;
    assert_eq!(status, 200, "{body}");
    let history: HistoryResponse = serde_json::from_str(&body).expect("a history response");
    history.line.iter().map(|point| point.v).collect()
}

#[tokio::test]
async fn a_browser_relays_its_bluetooth_devices_to_the_hub() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let (mut holder, _) = hub.connect_past_snapshot().await;
    let (mut other, _) = hub.connect_past_snapshot().await;

    let taken = attach(&mut holder, vec![thermometer(), fan()]).await;
    assert_eq!(
        taken,
        [DeviceId::new("ble-atc"), DeviceId::new("ble-fan")],
        "both devices taken"
    );
    let devices = hub.devices().await;
    assert_eq!(find(&devices, "ble-fan").device.adapter, "browser");
    assert_eq!(find(&devices, "ble-fan").state.on, Some(false));

    // A reading reaches every browser and the history.
    holder
        .send(&ClientMessage::GatewayReading {
            device: DeviceId::new("ble-atc"),
            metric: Metric::Temperature,
            value: 21.5,
            at: None,
        })
        .await;
    let seen = other
        .next_that(|message| match message {
            ServerMessage::Reading { reading } if reading.device.as_str() == "ble-atc" => {
                Some(reading.value)
            }
            _ => None,
        })
        .await;
    assert_eq!(seen, 21.5);
    guard("the reading to be stored", async {
        while stored(&hub).await != [21.5] {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;

    // A command from another browser is relayed to the one holding the fan.
    let (answer, ()) = tokio::join!(turn_on_fan(&mut other, "o-1"), obey(&mut holder));
    assert_eq!(answer, CommandOutcome::Ok { state: on(true) });
    assert_eq!(find(&hub.devices().await, "ble-fan").state.on, Some(true));

    // The fan was switched in the holding browser: everyone hears of it.
    holder
        .send(&ClientMessage::GatewayState {
            device: DeviceId::new("ble-fan"),
            state: on(false),
        })
        .await;
    other.until_switched("ble-fan", false).await;

    // A reading for a device this browser did not attach is refused by name.
    holder
        .send(&ClientMessage::GatewayReading {
            device: DeviceId::new("fridge"),
            metric: Metric::Temperature,
            value: 30.0,
            at: None,
        })
        .await;
    let (code, message) = holder
        .next_that(|message| match message {
            ServerMessage::Error { code, message } => Some((code, message)),
            _ => None,
        })
        .await;
    assert_eq!(code, ErrorCode::UnknownDevice, "{message}");
    assert!(message.contains("fridge"), "{message}");

    // Once the holding browser has gone, its devices stay listed but no
    // command reaches them.
    drop(holder);
    let answer = guard("the fan to become unreachable", async {
        let mut n = 0;
        loop {
            n += 1;
            let answer = turn_on_fan(&mut other, &format!("o-gone-{n}")).await;
            match answer {
                CommandOutcome::Rejected { error } => return error,
                // The hub has not yet noticed the socket closing.
                CommandOutcome::Ok { .. } => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    })
    .await;
    assert_eq!(answer.code, ErrorCode::Unavailable, "{}", answer.message);
    assert!(answer.message.contains("ble-fan"), "{}", answer.message);
    let devices = hub.devices().await;
    assert_eq!(find(&devices, "ble-atc").readings[0].value, 21.5);
    // Every browser is told so, and its card says Unavailable.
    assert!(
        !find(&devices, "ble-fan").available,
        "ble-fan still available"
    );
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_device_another_connection_holds_is_refused() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let (mut first, _) = hub.connect_past_snapshot().await;
    let (mut second, _) = hub.connect_past_snapshot().await;
    assert_eq!(attach(&mut first, vec![fan()]).await.len(), 1);

    second
        .send(&ClientMessage::GatewayAttach {
            devices: vec![fan()],
        })
        .await;
    let refusal = second
        .next_that(|message| match message {
            ServerMessage::Error { message, .. } => Some(message),
            _ => None,
        })
        .await;
    assert!(
        refusal.contains("ble-fan") && refusal.contains("another connection"),
        "{refusal}"
    );
    // A simulated device cannot be taken over by a browser either.
    let mut fridge = thermometer();
    fridge.id = DeviceId::new("fridge");
    second
        .send(&ClientMessage::GatewayAttach {
            devices: vec![fridge],
        })
        .await;
    let refusal = second
        .next_that(|message| match message {
            ServerMessage::Error { message, .. } => Some(message),
            _ => None,
        })
        .await;
    assert!(refusal.contains("simulator adapter"), "{refusal}");
    hub.shut_down().await.unwrap();
}
