//! An MQTT device's availability topic and the hub's own broker connection,
//! as browsers (`device_availability`) and `/api/devices` (`available`) see
//! them.

use hearth_core::ServerMessage;

use super::{FakeDevice, Mosquitto, devices_until, hub_on};
use crate::support::{Client, data_dir, find};

const RELAY_CONFIG: &str = r#"{"name": "Relay", "uniq_id": "relay", "cmd_t": "cmnd/relay/POWER",
    "avty_t": "tele/relay/LWT", "pl_avail": "Online", "pl_not_avail": "Offline"}"#;

/// Waits for the relay's next `device_availability` frame and returns whether
/// it says available.
async fn relay_available(browser: &mut Client) -> bool {
    browser
        .next_that(|message| match message {
            ServerMessage::DeviceAvailability {
                device, available, ..
            } if device.as_str() == "mqtt-relay" => Some(available),
            _ => None,
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_availability_topic_and_the_broker_decide_whether_a_device_is_available() {
    let mut broker = Mosquitto::start().await;
    let (_dir, path) = data_dir();
    let hub = hub_on(&broker, &path).await;
    let device = FakeDevice::connect(&broker, &[]).await;
    device
        .publish("homeassistant/switch/relay/config", true, RELAY_CONFIG)
        .await;
    let devices = devices_until(&hub, "the relay", |d| !d.is_empty()).await;
    assert!(find(&devices, "mqtt-relay").available);
    let (mut browser, _) = hub.connect_past_snapshot().await;

    device.publish("tele/relay/LWT", true, "Offline").await;
    assert!(!relay_available(&mut browser).await);
    assert!(!find(&hub.devices().await, "mqtt-relay").available);

    device.publish("tele/relay/LWT", true, "Online").await;
    assert!(relay_available(&mut browser).await);
    assert!(find(&hub.devices().await, "mqtt-relay").available);

    // Without its broker the hub cannot reach the relay; once the broker is
    // back, it can again.
    broker.stop();
    assert!(!relay_available(&mut browser).await);
    assert!(!find(&hub.devices().await, "mqtt-relay").available);
    broker.restart().await;
    assert!(relay_available(&mut browser).await);
    assert!(find(&hub.devices().await, "mqtt-relay").available);
    hub.shut_down().await.unwrap();
}
