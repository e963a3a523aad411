//! Whether a device is connected, as browsers and `/api/devices` see it: a
//! device on the device socket is unavailable from the moment its connection
//! drops until it is back, and simulated devices are always available. (MQTT
//! availability is tested with the broker in `mqtt/availability.rs`.)

use hearth_core::ServerMessage;

use crate::ingest::token;
use crate::support::{self, Client, DeviceSocket, TestHub, data_dir, find};

/// Connects as a device and describes the shed switch, waiting until the hub
/// has taken it.
async fn connect_switch(hub: &TestHub, token: &str) -> DeviceSocket {
    let mut socket = DeviceSocket::welcomed(hub, token).await;
    socket
        .describe(vec![support::switch(
            "shed-switch",
            "Shed switch",
            "Garden",
        )])
        .await;
    socket
}

/// The next `device_availability` frame the browser gets, as (device,
/// available).
async fn availability(browser: &mut Client) -> (String, bool) {
    browser
        .next_that(|message| match message {
            ServerMessage::DeviceAvailability {
                device,
                available,
                since,
            } => {
                assert!(since.is_some(), "the hub says since when");
                Some((device.to_string(), available))
            }
            _ => None,
        })
        .await
}

#[tokio::test]
async fn a_device_socket_dropping_makes_its_device_unavailable_until_it_returns() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let token = token(&path, "shed");
    let socket = connect_switch(&hub, &token).await;
    let (mut browser, devices) = hub.connect_past_snapshot().await;
    assert!(find(&devices, "shed-switch").available);
    // The simulated house is always there.
    assert!(devices.iter().all(|d| d.available), "{devices:?}");

    drop(socket);
    assert_eq!(
        availability(&mut browser).await,
        ("shed-switch".to_owned(), false)
    );
    let devices = hub.devices().await;
    assert!(!find(&devices, "shed-switch").available);
    assert!(find(&devices, "porch-light").available);
    // A browser arriving now learns it from its snapshot.
    let (_late, devices) = hub.connect_past_snapshot().await;
    assert!(!find(&devices, "shed-switch").available);

    let _socket = connect_switch(&hub, &token).await;
    assert_eq!(
        availability(&mut browser).await,
        ("shed-switch".to_owned(), true)
    );
    assert!(find(&hub.devices().await, "shed-switch").available);
    hub.shut_down().await.unwrap();
}
