//! The MQTT adapter against a real Mosquitto (Debian's package) on a free
//! loopback port, with an rumqttc client playing a Tasmota-like device: Home
//! Assistant discovery in, readings and states to the API and the browser,
//! commands out to the device's command topic, and a broker restart survived.
//! `tls` does the same over `mqtts://`.

mod availability;
mod tls;

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::Duration;

use hearth_core::protocol::CommandOutcome;
use hearth_core::{ClientMessage, Command, Metric, ServerMessage};
use hearth_hub::{Config, MqttConfig, Retention, Server};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::sync::mpsc;

use crate::support::{HANG_GUARD, TestHub, data_dir, guard, ids};

/// A Mosquitto broker of the test's own, killed when dropped.
struct Mosquitto {
    port: u16,
    config: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

fn mosquitto_binary() -> PathBuf {
    let found = [
        "/usr/sbin/mosquitto",
        "/usr/local/sbin/mosquitto",
        "/usr/bin/mosquitto",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|path| path.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "the MQTT tests need Mosquitto, which is not installed: \
             run `scripts/setup.sh test` (or `apt-get install -y mosquitto`)"
        )
    })
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Mosquitto {
    async fn start() -> Mosquitto {
        Mosquitto::start_with("").await
    }

    /// A broker with a plain listener on `port` (for the devices) and `more`
    /// configuration after it, such as a TLS listener.
    async fn start_with(more: &str) -> Mosquitto {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("mosquitto.conf");
        std::fs::write(
            &config,
            format!(
                "per_listener_settings false\nallow_anonymous true\npersistence false\n\
                 listener {port} 127.0.0.1\n{more}"
            ),
        )
        .unwrap();
        let child = spawn(&config);
        let broker = Mosquitto {
            port,
            config,
            child,
            _dir: dir,
        };
        broker.wait_until_listening().await;
        broker
    }

    async fn wait_until_listening(&self) {
        let port = self.port;
        guard("Mosquitto to listen", async move {
            while tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the broker and starts a new one on the same port, as a restart
    /// of the service would.
    async fn restart(&mut self) {
        self.stop();
        self.child = spawn(&self.config);
        self.wait_until_listening().await;
    }
}

fn spawn(config: &Path) -> Child {
    Process::new(mosquitto_binary())
        .arg("-c")
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Mosquitto starts")
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A hub without the simulator, bringing in devices through `broker`.
async fn hub_on(broker: &Mosquitto, data_dir: &Path) -> TestHub {
    let mqtt = MqttConfig::from_url(&format!("mqtt://127.0.0.1:{}", broker.port)).unwrap();
    hub_with(mqtt, data_dir).await
}

/// A hub without the simulator, bringing in devices as `mqtt` says.
async fn hub_with(mqtt: MqttConfig, data_dir: &Path) -> TestHub {
    let config = Config {
        dist: data_dir.join("no-dashboard-here"),
        data_dir: data_dir.to_owned(),
        simulator: None,
        retention: Retention::default(),
    };
    let server = Server::open(config).expect("the hub opens").with_mqtt(mqtt);
    TestHub::serve(server).await
}

/// The device's end: publishes, and hears what it subscribed to.
struct FakeDevice {
    client: AsyncClient,
    heard: mpsc::UnboundedReceiver<(String, String)>,
}

impl FakeDevice {
    async fn connect(broker: &Mosquitto, subscribe: &[&str]) -> FakeDevice {
        let mut options = MqttOptions::new("tasmota-test", "127.0.0.1", broker.port);
        // Room for the oversized payload one test sends on purpose.
        options.set_max_packet_size(1 << 20, 1 << 20);
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        let (tell, heard) = mpsc::unbounded_channel();
        let (connected, mut ready) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        let _ = connected.send(());
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let payload = String::from_utf8_lossy(&p.payload).into_owned();
                        if tell.send((p.topic, payload)).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    // The test restarts the broker; keep trying.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        });
        for topic in subscribe {
            client.subscribe(*topic, QoS::AtLeastOnce).await.unwrap();
            guard("the device's subscription", ready.recv()).await;
        }
        FakeDevice { client, heard }
    }

    async fn publish(&self, topic: &str, retain: bool, payload: &str) {
        self.client
            .publish(topic, QoS::AtLeastOnce, retain, payload.as_bytes().to_vec())
            .await
            .unwrap();
    }

    async fn next_heard(&mut self) -> (String, String) {
        guard("a message for the device", self.heard.recv())
            .await
            .expect("the device's connection is alive")
    }
}

/// Publishes the sensor's state every 100 ms until the hub reports it: a
/// state published before the hub has subscribed to its topic is not kept.
async fn report_until_seen(hub: &TestHub, device: &FakeDevice, value: f64) {
    let started = tokio::time::Instant::now();
    loop {
        let payload = format!(r#"{{"AM2301":{{"Temperature":{value}}}}}"#);
        device.publish("tele/kitchen/SENSOR", false, &payload).await;
        let devices = hub.devices().await;
        if temperature(&devices, SENSOR_ID) == Some(value) {
            assert_eq!(devices.len(), 1, "no duplicates: {:?}", ids(&devices));
            return;
        }
        assert!(
            started.elapsed() < HANG_GUARD,
            "{value} never arrived: {devices:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls `/api/devices` until `done` holds for the list.
async fn devices_until(
    hub: &TestHub,
    what: &str,
    done: impl Fn(&[hearth_core::protocol::DeviceSnapshot]) -> bool,
) -> Vec<hearth_core::protocol::DeviceSnapshot> {
    let started = tokio::time::Instant::now();
    loop {
        let devices = hub.devices().await;
        if done(&devices) {
            return devices;
        }
        assert!(
            started.elapsed() < HANG_GUARD,
            "timed out waiting for {what}: {devices:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const SENSOR_CONFIG: &str = "homeassistant/sensor/kitchen/temperature/config";
const SENSOR_ID: &str = "mqtt-kitchen-temperature";
const SENSOR: &str = r#"{"~": "tele/kitchen", "name": "Temperature", "stat_t": "~/SENSOR",
    "dev_cla": "temperature", "unit_of_meas": "°C", "uniq_id": "kitchen_temperature",
    "val_tpl": "{{ value_json.AM2301.Temperature }}", "avty_t": "~/LWT",
    "dev": {"ids": ["kitchen"], "name": "Kitchen", "sa": "Kitchen"}}"#;

fn temperature(devices: &[hearth_core::protocol::DeviceSnapshot], id: &str) -> Option<f64> {
    devices
        .iter()
        .find(|d| d.device.id.as_str() == id)?
        .readings
        .iter()
        .find(|r| r.metric == Metric::Temperature)
        .map(|r| r.value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discovered_sensor_reports_to_the_api_and_the_browser() {
    let broker = Mosquitto::start().await;
    let (_dir, path) = data_dir();
    // The config is retained, as devices publish it, before the hub starts.
    let device = FakeDevice::connect(&broker, &[]).await;
    device.publish(SENSOR_CONFIG, true, SENSOR).await;
    let hub = hub_on(&broker, &path).await;
    let devices = devices_until(&hub, "the sensor", |d| ids(d).contains(SENSOR_ID)).await;
    let found = &devices
        .iter()
        .find(|d| d.device.id.as_str() == SENSOR_ID)
        .unwrap();
    assert_eq!(found.device.name, "Kitchen Temperature");
    assert_eq!(found.device.room, "Kitchen");
    assert_eq!(found.device.adapter, "mqtt");

    report_until_seen(&hub, &device, 20.0).await;
    let (mut browser, _) = hub.connect_past_snapshot().await;
    device
        .publish(
            "tele/kitchen/SENSOR",
            false,
            r#"{"AM2301":{"Temperature":21.5,"Humidity":40}}"#,
        )
        .await;
    let reading = browser
        .next_that(|message| match message {
            ServerMessage::Reading { reading } if reading.device.as_str() == SENSOR_ID => {
                Some(reading)
            }
            _ => None,
        })
        .await;
    assert_eq!((reading.metric, reading.value), (Metric::Temperature, 21.5));
    let devices = hub.devices().await;
    assert_eq!(temperature(&devices, SENSOR_ID), Some(21.5));

    // Garbage on the state topic is logged and changes nothing.
    device
        .publish("tele/kitchen/SENSOR", false, "not json")
        .await;
    device
        .publish("tele/kitchen/SENSOR", false, &"x".repeat(100_000))
        .await;
    device
        .publish(
            "tele/kitchen/SENSOR",
            false,
            r#"{"AM2301":{"Temperature":22}}"#,
        )
        .await;
    devices_until(&hub, "the next reading", |d| {
        temperature(d, SENSOR_ID) == Some(22.0)
    })
    .await;

    // An empty retained config removes the device.
    device.publish(SENSOR_CONFIG, true, "").await;
    devices_until(&hub, "the sensor to go", |d| !ids(d).contains(SENSOR_ID)).await;
    hub.shut_down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_toggles_a_discovered_switch_through_its_command_topic() {
    let broker = Mosquitto::start().await;
    let (_dir, path) = data_dir();
    let hub = hub_on(&broker, &path).await;
    let mut device = FakeDevice::connect(&broker, &["cmnd/plug/POWER"]).await;
    device
        .publish(
            "homeassistant/switch/plug/POWER/config",
            true,
            r#"{"name": "Desk plug", "cmd_t": "cmnd/plug/POWER", "stat_t": "stat/plug/POWER",
                "pl_on": "ON", "pl_off": "OFF", "uniq_id": "plug_power"}"#,
        )
        .await;
    devices_until(&hub, "the plug", |d| ids(d).contains("mqtt-plug-power")).await;

    let (mut browser, _) = hub.connect_past_snapshot().await;
    browser
        .send(&ClientMessage::Command {
            request_id: "1".into(),
            device: hearth_core::DeviceId::new("mqtt-plug-power"),
            command: Command::Toggle,
        })
        .await;
    // The plug hears ON and, as Tasmota does, reports its new state.
    assert_eq!(
        device.next_heard().await,
        ("cmnd/plug/POWER".to_owned(), "ON".to_owned())
    );
    device.publish("stat/plug/POWER", true, "ON").await;
    let outcome = browser
        .next_that(|message| match message {
            ServerMessage::CommandResult {
                request_id,
                outcome,
                ..
            } if request_id == "1" => Some(outcome),
            _ => None,
        })
        .await;
    let CommandOutcome::Ok { state } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(state.on, Some(true));

    // The plug switched off at its own button: the hub follows.
    device.publish("stat/plug/POWER", true, "OFF").await;
    let devices = devices_until(&hub, "the plug to be off", |d| {
        d.iter()
            .any(|d| d.device.id.as_str() == "mqtt-plug-power" && d.state.on == Some(false))
    })
    .await;
    assert_eq!(devices.len(), 1);
    // A command the plug never confirms is answered as unavailable.
    let refused = hub
        .hub
        .execute(
            &hearth_core::DeviceId::new("mqtt-plug-power"),
            Command::TurnOn,
        )
        .await
        .unwrap_err();
    assert_eq!(
        refused.code,
        hearth_core::ErrorCode::Unavailable,
        "{refused}"
    );
    hub.shut_down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_reconnects_after_a_broker_restart_without_duplicates() {
    let mut broker = Mosquitto::start().await;
    let (_dir, path) = data_dir();
    let hub = hub_on(&broker, &path).await;
    let device = FakeDevice::connect(&broker, &[]).await;
    device.publish(SENSOR_CONFIG, true, SENSOR).await;
    report_until_seen(&hub, &device, 20.0).await;

    // The restarted broker has no persistence: the device publishes its
    // config again when it reconnects, as Tasmota does.
    broker.restart().await;
    let device = FakeDevice::connect(&broker, &[]).await;
    device.publish(SENSOR_CONFIG, true, SENSOR).await;
    report_until_seen(&hub, &device, 23.0).await;
    hub.shut_down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diy_devices_publish_plain_numbers() {
    let broker = Mosquitto::start().await;
    let (_dir, path) = data_dir();
    let hub = hub_on(&broker, &path).await;
    let device = FakeDevice::connect(&broker, &[]).await;
    let started = tokio::time::Instant::now();
    loop {
        device
            .publish("hearth/shed/temperature", false, "12.5")
            .await;
        device.publish("hearth/shed/humidity", false, "80").await;
        let devices = hub.devices().await;
        let shed = devices.iter().find(|d| d.device.id.as_str() == "diy-shed");
        if shed.is_some_and(|shed| shed.readings.len() == 2) {
            assert_eq!(temperature(&devices, "diy-shed"), Some(12.5));
            break;
        }
        assert!(started.elapsed() < HANG_GUARD, "no DIY device: {devices:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    hub.shut_down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn climate_fan_and_json_light_commands_use_their_schemas() {
    let broker = Mosquitto::start().await;
    let (_dir, path) = data_dir();
    let hub = hub_on(&broker, &path).await;
    let mut device = FakeDevice::connect(&broker, &["ac/set/#", "fan/set/#", "lamp/set"]).await;
    let configs = [
        (
            "homeassistant/climate/ac/config",
            r#"{"~": "ac", "name": "Bedroom AC", "uniq_id": "ac", "modes": ["off", "cool", "heat"],
                "mode_cmd_t": "~/set/mode", "mode_stat_t": "~/mode",
                "temp_cmd_t": "~/set/temp", "temp_stat_t": "~/temp", "curr_temp_t": "~/current",
                "min_temp": 16, "max_temp": 30, "temp_step": 0.5}"#,
        ),
        (
            "homeassistant/fan/fan/config",
            r#"{"name": "Ceiling fan", "uniq_id": "fan", "cmd_t": "fan/set/power",
                "pct_cmd_t": "fan/set/pct"}"#,
        ),
        (
            "homeassistant/light/lamp/config",
            r#"{"name": "Lamp", "uniq_id": "lamp", "schema": "json", "cmd_t": "lamp/set"}"#,
        ),
    ];
    for (topic, config) in configs {
        device.publish(topic, true, config).await;
    }
    devices_until(&hub, "three devices", |d| d.len() == 3).await;
    let id = hearth_core::DeviceId::new;

    // No state topics: optimistic, as Home Assistant is.
    let state = hub
        .hub
        .execute(&id("mqtt-lamp"), Command::TurnOn)
        .await
        .unwrap();
    assert_eq!(state.on, Some(true));
    assert_eq!(
        device.next_heard().await,
        ("lamp/set".into(), r#"{"state":"ON"}"#.into())
    );
    let state = hub
        .hub
        .execute(&id("mqtt-fan"), Command::SetFanSpeed { speed: 2 })
        .await
        .unwrap();
    assert_eq!(state.fan_speed, Some(2));
    assert_eq!(
        device.next_heard().await,
        ("fan/set/pct".into(), "67".into())
    );

    // The AC confirms on its state topics.
    let hub_handle = hub.hub.clone();
    let setting = tokio::spawn(async move {
        hub_handle
            .execute(&id("mqtt-ac"), Command::SetSetpoint { value: 21.4 })
            .await
    });
    assert_eq!(
        device.next_heard().await,
        ("ac/set/temp".into(), "21.5".into())
    );
    device.publish("ac/temp", false, "21.5").await;
    let state = guard("the setpoint", setting).await.unwrap().unwrap();
    assert_eq!(state.setpoint, Some(21.5));

    let hub_handle = hub.hub.clone();
    let cooling = tokio::spawn(async move {
        hub_handle
            .execute(
                &id("mqtt-ac"),
                Command::SetMode {
                    mode: hearth_core::HvacMode::Cool,
                },
            )
            .await
    });
    assert_eq!(
        device.next_heard().await,
        ("ac/set/mode".into(), "cool".into())
    );
    device.publish("ac/mode", false, "cool").await;
    let state = guard("the mode", cooling).await.unwrap().unwrap();
    assert_eq!(
        (state.on, state.mode),
        (Some(true), Some(hearth_core::HvacMode::Cool))
    );
    hub.shut_down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_and_malformed_configs_are_handled_without_harm() {
    let broker = Mosquitto::start().await;
    let (_dir, path) = data_dir();
    let hub = hub_on(&broker, &path).await;
    let mut device = FakeDevice::connect(&broker, &["cmnd/relay/POWER"]).await;
    // Garbage and unsupported configs first: logged, and nothing else changes.
    let bad = [
        ("homeassistant/switch/broken/config", "{not json"),
        (
            "homeassistant/vacuum/robot/config",
            r#"{"cmd_t": "robot/set"}"#,
        ),
        (
            "homeassistant/sensor/weird/config",
            r#"{"stat_t": "w", "dev_cla": "temperature", "val_tpl": "{{ value | md5 }}"}"#,
        ),
    ];
    for (topic, config) in bad {
        device.publish(topic, true, config).await;
    }
    device
        .publish(
            "homeassistant/switch/relay/config",
            true,
            r#"{"name": "Relay", "uniq_id": "relay", "cmd_t": "cmnd/relay/POWER",
                "avty_t": "tele/relay/LWT", "pl_avail": "Online", "pl_not_avail": "Offline"}"#,
        )
        .await;
    let devices = devices_until(&hub, "the relay", |d| !d.is_empty()).await;
    assert_eq!(
        ids(&devices).into_iter().collect::<Vec<_>>(),
        ["mqtt-relay"]
    );
    let relay = hearth_core::DeviceId::new("mqtt-relay");

    device.publish("tele/relay/LWT", true, "Offline").await;
    let started = tokio::time::Instant::now();
    let refused = loop {
        match hub.hub.execute(&relay, Command::TurnOn).await {
            Err(refused) => break refused,
            // The offline message may not have been read yet; undo and retry.
            Ok(_) => {
                assert_eq!(device.next_heard().await.1, "ON");
                assert!(
                    started.elapsed() < HANG_GUARD,
                    "the relay never went offline"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    assert_eq!(refused.code, hearth_core::ErrorCode::Unavailable);
    assert!(refused.message.contains("offline"), "{refused}");

    device.publish("tele/relay/LWT", true, "Online").await;
    let started = tokio::time::Instant::now();
    while hub.hub.execute(&relay, Command::TurnOff).await.is_err() {
        assert!(started.elapsed() < HANG_GUARD, "the relay never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        device.next_heard().await,
        ("cmnd/relay/POWER".into(), "OFF".into())
    );
    hub.shut_down().await.unwrap();
}
