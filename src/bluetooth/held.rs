//! One Bluetooth device this browser holds: its signals for the card, and
//! the task that keeps it connected (reconnecting with backoff after
//! `gattserverdisconnected`), reads it on connection, every 30 s and on
//! "Refresh", and carries out switch commands.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use hearth_core::gatt::{Digital, Sensor, digital};
use hearth_core::{DeviceId, DeviceState, Metric};
use leptos::logging::warn;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{BluetoothDevice, BluetoothRemoteGattCharacteristic};

use super::Bluetooth;
use super::advertisements::{self, Heard};
use super::gatt_io::{self, Characteristics};
use super::link::{Found, LinkState, MAX_ATTEMPTS};
use crate::hub_client::backoff::Backoff;

/// How often a connected device is read again. Some devices never notify,
/// and Chromium's emulation cannot send a notification at all.
const REREAD_EVERY: Duration = Duration::from_secs(30);

/// A read and the notification it also fires arrive within this long of each
/// other; the second is the same value and is not recorded twice.
const SAME_VALUE_MS: f64 = 1_000.0;

/// What wakes a device's task besides its timers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wake {
    Disconnected,
    /// "Refresh" (read now), or "Reconnect" once reconnection has stopped.
    Refresh,
    Remove,
}

/// The last value of each characteristic and when it came.
type Seen = Vec<(Sensor, Vec<u8>, f64)>;

/// What a connection holds: the characteristics and the listeners that must
/// live as long as it does.
struct Live {
    characteristics: Characteristics,
    _listeners: Vec<Closure<dyn FnMut(JsValue)>>,
}

#[derive(Clone, Copy)]
pub(crate) struct HeldDevice {
    pub(crate) id: StoredValue<DeviceId>,
    pub(crate) name: StoredValue<String>,
    pub(crate) link: RwSignal<LinkState>,
    pub(crate) found: RwSignal<Found>,
    pub(crate) temperature: RwSignal<Option<Option<f64>>>,
    pub(crate) humidity: RwSignal<Option<Option<f64>>>,
    pub(crate) battery: RwSignal<Option<Option<f64>>>,
    /// Battery voltage in V, which only BTHome advertisements carry.
    pub(crate) voltage: RwSignal<Option<f64>>,
    /// The last Digital value read, which a switch re-encodes.
    digital: RwSignal<Option<Vec<u8>>>,
    pub(crate) pending: RwSignal<bool>,
    /// The last thing that went wrong, for the card.
    pub(crate) problem: RwSignal<Option<String>>,
    wake: StoredValue<UnboundedSender<Wake>>,
    device: StoredValue<BluetoothDevice, LocalStorage>,
    live: StoredValue<Option<Live>, LocalStorage>,
    seen: StoredValue<Seen>,
    pub(super) heard: StoredValue<Heard>,
}

impl HeldDevice {
    /// Holds `device` from now on: its task starts connecting at once.
    pub(crate) fn hold(bluetooth: Bluetooth, device: BluetoothDevice) -> HeldDevice {
        let (held, wakes) = HeldDevice::new(&device);
        let wake = held.wake.get_value();
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
            let _ = wake.unbounded_send(Wake::Disconnected);
        });
        device.set_ongattserverdisconnected(Some(listener.as_ref().unchecked_ref()));
        // The device object lives as long as the page; so does its listener.
        listener.forget();
        advertisements::watch(bluetooth, held, &device);
        leptos::task::spawn_local(run(bluetooth, held, wakes));
        held
    }

    /// The signals of `device`, before anything is connected or watched.
    pub(super) fn new(device: &BluetoothDevice) -> (HeldDevice, UnboundedReceiver<Wake>) {
        let (wake, wakes) = unbounded();
        let name = device.name().filter(|n| !n.is_empty());
        let held = HeldDevice {
            id: StoredValue::new(super::link::device_id(&device.id())),
            name: StoredValue::new(name.unwrap_or_else(|| "Bluetooth device".into())),
            link: RwSignal::new(LinkState::Connecting),
            found: RwSignal::new(Found::default()),
            temperature: RwSignal::new(None),
            humidity: RwSignal::new(None),
            battery: RwSignal::new(None),
            voltage: RwSignal::new(None),
            digital: RwSignal::new(None),
            pending: RwSignal::new(false),
            problem: RwSignal::new(None),
            wake: StoredValue::new(wake),
            device: StoredValue::new_local(device.clone()),
            live: StoredValue::new_local(None),
            seen: StoredValue::new(Vec::new()),
            heard: StoredValue::new(Heard::default()),
        };
        (held, wakes)
    }

    pub(crate) fn wake(&self, wake: Wake) {
        self.wake.with_value(|sender| {
            let _ = sender.unbounded_send(wake);
        });
    }

    /// The browser's own id of the device (`BluetoothDevice.id`).
    pub(crate) fn raw_id(&self) -> String {
        self.device.with_value(BluetoothDevice::id)
    }

    /// Disconnects and gives up the browser's permission for the device,
    /// where the browser can (`BluetoothDevice.forget()`); elsewhere it is
    /// only disconnected, and the browser may offer it again.
    pub(crate) fn forget(&self) {
        let device = self.device.get_value();
        let id = self.id.get_value();
        leptos::task::spawn_local(async move {
            match gatt_io::forget(&device).await {
                Ok(true) => {}
                Ok(false) => warn!(
                    "{id}: this browser cannot forget a Bluetooth device; \
                     its permission stays until the site's settings clear it"
                ),
                Err(error) => warn!("{id}: forgetting failed: {error}"),
            }
        });
    }

    /// On or off as last read, if this is a switch and it has been read;
    /// reactive.
    pub(crate) fn on(&self) -> Option<bool> {
        self.digital.with(|value| first_output(value.as_deref()))
    }

    pub(crate) fn on_untracked(&self) -> Option<bool> {
        self.digital
            .with_untracked(|value| first_output(value.as_deref()))
    }

    pub(crate) fn value(&self, metric: Metric) -> Option<Option<f64>> {
        match metric {
            Metric::Temperature => self.temperature.get(),
            Metric::Humidity => self.humidity.get(),
            Metric::Battery => self.battery.get(),
            _ => None,
        }
    }

    /// Turns the switch's first output on or off and reads it back; the
    /// state it reports then.
    pub(crate) async fn switch(&self, on: bool) -> Result<DeviceState, String> {
        let characteristic = self
            .live
            .with_value(|live| live.as_ref()?.characteristics.digital.clone())
            .ok_or_else(|| format!("{} is not connected", self.name.get_value()))?;
        let current = self
            .digital
            .get_untracked()
            .ok_or_else(|| "the switch's state has not been read yet".to_owned())?;
        let next = digital::switch(&current, 0, on).map_err(|e| e.to_string())?;
        self.pending.set(true);
        let written = gatt_io::write(&characteristic, &next).await;
        let confirmed = match written {
            Ok(()) => gatt_io::read(&characteristic).await,
            Err(error) => Err(error),
        };
        self.pending.set(false);
        let value = confirmed.inspect_err(|error| {
            warn!("switching {} failed: {error}", self.id.get_value());
            self.problem.set(Some(format!("Switching failed: {error}")));
        })?;
        self.digital.set(Some(value.clone()));
        Digital::decode(&value)
            .and_then(|d| d.device_state(0))
            .map_err(|e| e.to_string())
    }

    /// Reads every characteristic; each value goes where a notification's would.
    async fn read_all(&self, bluetooth: Bluetooth) {
        let Some(characteristics) = self
            .live
            .with_value(|live| live.as_ref().map(|l| l.characteristics.clone()))
        else {
            return;
        };
        for (sensor, characteristic) in &characteristics.sensors {
            match gatt_io::read(characteristic).await {
                Ok(value) => self.sensor_value(bluetooth, *sensor, value),
                Err(error) => self.read_failed(&error),
            }
        }
        if let Some(characteristic) = &characteristics.digital {
            match gatt_io::read(characteristic).await {
                Ok(value) => self.digital_value(bluetooth, value),
                Err(error) => self.read_failed(&error),
            }
        }
    }

    fn read_failed(&self, error: &str) {
        warn!("reading {} failed: {error}", self.id.get_value());
        self.problem.set(Some(format!("Reading failed: {error}")));
    }

    /// Whether `value` of `sensor` is the one that came a moment ago (a read
    /// fires the notification listener too); records it if not.
    fn repeated(&self, sensor: Sensor, value: &[u8]) -> bool {
        let now = js_sys::Date::now();
        self.seen
            .try_update_value(|seen| {
                let same = seen
                    .iter()
                    .any(|(s, v, at)| *s == sensor && v == value && now - at < SAME_VALUE_MS);
                if !same {
                    seen.retain(|(s, _, _)| *s != sensor);
                    seen.push((sensor, value.to_vec(), now));
                }
                same
            })
            .unwrap_or(true)
    }

    fn sensor_value(&self, bluetooth: Bluetooth, sensor: Sensor, value: Vec<u8>) {
        if self.repeated(sensor, &value) {
            return;
        }
        let signal = match sensor.metric() {
            Metric::Temperature => self.temperature,
            Metric::Humidity => self.humidity,
            _ => self.battery,
        };
        match sensor.decode(&value) {
            Ok(decoded) => {
                signal.set(Some(decoded));
                if let Some(value) = decoded {
                    bluetooth.forward_reading(self.id.get_value(), sensor.metric(), value);
                }
            }
            Err(error) => {
                warn!("{}: {error}", self.id.get_value());
                self.problem.set(Some(error.to_string()));
            }
        }
    }

    fn digital_value(&self, bluetooth: Bluetooth, value: Vec<u8>) {
        if let Err(error) = Digital::decode(&value) {
            warn!("{}: {error}", self.id.get_value());
            self.problem.set(Some(error.to_string()));
            return;
        }
        let before = self.on_untracked();
        self.digital.set(Some(value));
        let after = self.on_untracked();
        // A change nobody here asked for (the device's own button) is news
        // to the hub; a command's result reaches it with the command.
        if before.is_some() && before != after && !self.pending.get_untracked() {
            bluetooth.forward_state(self.id.get_value(), after);
        }
    }

    /// Connects, finds the characteristics, subscribes and reads them once.
    async fn connect(&self, bluetooth: Bluetooth) -> Result<(), String> {
        let device = self.device.get_value();
        let characteristics = gatt_io::connect(&device).await?;
        let found = characteristics.found();
        if !found.anything() {
            return Err("this device has none of the characteristics Hearth reads \
                 (Environmental Sensing, Battery, Automation IO)"
                .into());
        }
        self.found.set(found);
        // Attached before the first reading, which the hub would refuse for
        // a device it does not know yet.
        bluetooth.attach(*self);
        let mut listeners = Vec::new();
        let held = *self;
        for (sensor, characteristic) in &characteristics.sensors {
            let sensor = *sensor;
            let on_value = move |value| held.sensor_value(bluetooth, sensor, value);
            listeners.extend(self.subscribe(characteristic, on_value).await);
        }
        if let Some(characteristic) = &characteristics.digital {
            let on_value = move |value| held.digital_value(bluetooth, value);
            listeners.extend(self.subscribe(characteristic, on_value).await);
        }
        self.live.set_value(Some(Live {
            characteristics,
            _listeners: listeners,
        }));
        self.read_all(bluetooth).await;
        if found.switch {
            bluetooth.forward_state(self.id.get_value(), self.on_untracked());
        }
        Ok(())
    }

    /// Subscribes to a characteristic; one that cannot notify is still read
    /// periodically, so its failure is only logged.
    async fn subscribe(
        &self,
        characteristic: &BluetoothRemoteGattCharacteristic,
        on_value: impl Fn(Vec<u8>) + 'static,
    ) -> Option<Closure<dyn FnMut(JsValue)>> {
        match gatt_io::subscribe(characteristic, on_value).await {
            Ok(listener) => Some(listener),
            Err(error) => {
                warn!(
                    "{}: no notifications from {}: {error}",
                    self.id.get_value(),
                    characteristic.uuid()
                );
                None
            }
        }
    }

    fn connected(&self) -> bool {
        self.device
            .with_value(|device| device.gatt().is_some_and(|server| server.connected()))
    }

    fn disconnect(&self) {
        self.live.set_value(None);
        self.device.with_value(|device| {
            if let Some(server) = device.gatt() {
                server.disconnect();
            }
        });
    }
}

/// Whether a Digital value's first output is on.
fn first_output(value: Option<&[u8]>) -> Option<bool> {
    Digital::decode(value?).ok()?.get(0).ok()?.on()
}

/// The device's task: connect, serve, and after a disconnection try again
/// with backoff, until the device is removed or the app stops.
async fn run(bluetooth: Bluetooth, held: HeldDevice, mut wakes: UnboundedReceiver<Wake>) {
    let mut backoff = Backoff::new(1_000, 60_000);
    loop {
        held.link.set(LinkState::Connecting);
        match held.connect(bluetooth).await {
            Ok(()) => {
                backoff.reset();
                held.problem.set(None);
                held.link.set(LinkState::Connected);
                if !serve(bluetooth, held, &mut wakes).await {
                    held.disconnect();
                    return;
                }
            }
            Err(error) => {
                warn!("connecting to {} failed: {error}", held.id.get_value());
                held.problem.set(Some(error));
            }
        }
        held.live.set_value(None);
        if backoff.attempt() >= MAX_ATTEMPTS {
            held.link.set(LinkState::Stopped);
            loop {
                match wakes.next().await {
                    None | Some(Wake::Remove) => return,
                    Some(Wake::Refresh) => break,
                    Some(Wake::Disconnected) => {}
                }
            }
            backoff.reset();
            continue;
        }
        let delay = backoff.next_delay(js_sys::Math::random());
        let delay_ms = delay.as_millis() as u32;
        held.link.set(LinkState::Reconnecting {
            attempt: backoff.attempt(),
            next_retry_at: Utc::now() + TimeDelta::milliseconds(i64::from(delay_ms)),
        });
        let mut timer = TimeoutFuture::new(delay_ms);
        loop {
            match select(wakes.next(), &mut timer).await {
                Either::Left((None | Some(Wake::Remove), _)) => return,
                Either::Left((Some(Wake::Disconnected), _)) => {}
                Either::Left((Some(Wake::Refresh), _)) | Either::Right(_) => break,
            }
        }
    }
}

/// Reads the connected device periodically and on request until it
/// disconnects (true) or is removed (false).
async fn serve(
    bluetooth: Bluetooth,
    held: HeldDevice,
    wakes: &mut UnboundedReceiver<Wake>,
) -> bool {
    loop {
        let timer = TimeoutFuture::new(REREAD_EVERY.as_millis() as u32);
        match select(wakes.next(), timer).await {
            Either::Left((None | Some(Wake::Remove), _)) => return false,
            // A late event from an earlier connection says nothing about this one.
            Either::Left((Some(Wake::Disconnected), _)) if !held.connected() => return true,
            Either::Left((Some(Wake::Disconnected), _)) => {}
            Either::Left((Some(Wake::Refresh), _)) | Either::Right(_) => {
                held.read_all(bluetooth).await;
            }
        }
    }
}
