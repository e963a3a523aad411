//! BTHome v2 advertisements from a held device, where the browser offers
//! `watchAdvertisements` (Chromium with experimental web platform features):
//! each event's 0xFCD2 service data is decoded by `hearth_core::bthome` and
//! goes where a GATT reading goes, to the card and through the gateway to
//! the hub.

use hearth_core::Metric;
use hearth_core::bthome::{self, BtHomeError, Measurement, Unsupported};
use js_sys::{DataView, Function, Reflect};
use leptos::logging::warn;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::BluetoothDevice;

use super::Bluetooth;
use super::gatt_io;
use super::held::HeldDevice;

/// What the card says for an encrypted advertisement: Hearth holds no keys.
pub(crate) const ENCRYPTED: &str = "Encrypted BTHome is not supported";

/// What the advertisements of one device have said so far.
#[derive(Debug, Default)]
pub(crate) struct Heard {
    /// The last packet id: a device resends each measurement several times.
    packet_id: Option<u8>,
    /// A device that sends what Hearth cannot read sends it every few
    /// seconds; one log line says so.
    logged: bool,
}

/// Starts watching `device`'s advertisements where the browser can; elsewhere
/// the device is only read over GATT.
pub(crate) fn watch(bluetooth: Bluetooth, held: HeldDevice, device: &BluetoothDevice) {
    let can_watch =
        Reflect::has(device, &JsValue::from_str("watchAdvertisements")).unwrap_or(false);
    if !can_watch {
        return;
    }
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        received(bluetooth, held, &event);
    });
    device.set_onadvertisementreceived(Some(listener.as_ref().unchecked_ref()));
    // The device object lives as long as the page; so does its listener.
    listener.forget();
    let watching = device.watch_advertisements();
    leptos::task::spawn_local(async move {
        if let Err(error) = watching.await {
            warn!(
                "{}: not watching advertisements: {}",
                held.id.get_value(),
                gatt_io::message(&error)
            );
        }
    });
}

/// One `advertisementreceived` event; those without BTHome service data
/// (most of them, from a device with GATT services) change nothing.
pub(crate) fn received(bluetooth: Bluetooth, held: HeldDevice, event: &JsValue) {
    if let Some(data) = service_data(event) {
        advertised(bluetooth, held, &data);
    }
}

/// The BTHome bytes of an event's `serviceData` map, if it has them.
fn service_data(event: &JsValue) -> Option<Vec<u8>> {
    let map = Reflect::get(event, &JsValue::from_str("serviceData")).ok()?;
    let get = Reflect::get(&map, &JsValue::from_str("get"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    let view = get
        .call1(&map, &JsValue::from_str(bthome::SERVICE_DATA_UUID))
        .ok()?
        .dyn_into::<DataView>()
        .ok()?;
    Some(gatt_io::bytes(&view))
}

/// Decodes BTHome service data and records its measurements.
fn advertised(bluetooth: Bluetooth, held: HeldDevice, data: &[u8]) {
    let advertisement = match bthome::decode(data) {
        Ok(advertisement) => advertisement,
        Err(error @ BtHomeError::Unsupported(Unsupported::Encrypted)) => {
            log_once(held, &error);
            held.problem.set(Some(ENCRYPTED.to_owned()));
            return;
        }
        Err(error) => {
            log_once(held, &error);
            return;
        }
    };
    if let Some(error) = &advertisement.stopped {
        log_once(held, error);
    }
    let resent = held.heard.try_update_value(|heard| {
        let resent =
            advertisement.packet_id.is_some() && heard.packet_id == advertisement.packet_id;
        heard.packet_id = advertisement.packet_id;
        resent
    });
    if resent != Some(false) {
        return;
    }
    let readings: Vec<_> = advertisement
        .measurements
        .iter()
        .filter_map(|measurement| match *measurement {
            Measurement::Temperature(celsius) => Some((Metric::Temperature, celsius)),
            Measurement::Humidity(percent) => Some((Metric::Humidity, percent)),
            Measurement::Battery(level) => Some((Metric::Battery, f64::from(level))),
            // The hub has no voltage metric: it stays on the card.
            Measurement::Voltage(volts) => {
                held.voltage.set(Some(volts));
                None
            }
        })
        .collect();
    let mut found = held.found.get_untracked();
    for (metric, _) in &readings {
        match metric {
            Metric::Temperature => found.temperature = true,
            Metric::Humidity => found.humidity = true,
            _ => found.battery = true,
        }
    }
    if found != held.found.get_untracked() {
        held.found.set(found);
        // The hub refuses readings of a metric the device was not attached with.
        bluetooth.attach(held);
    }
    let id = held.id.get_value();
    for (metric, value) in readings {
        let signal = match metric {
            Metric::Temperature => held.temperature,
            Metric::Humidity => held.humidity,
            _ => held.battery,
        };
        signal.set(Some(Some(value)));
        bluetooth.forward_reading(id.clone(), metric, value);
    }
}

fn log_once(held: HeldDevice, error: &impl std::fmt::Display) {
    let first = held
        .heard
        .try_update_value(|heard| !std::mem::replace(&mut heard.logged, true))
        .unwrap_or(false);
    if first {
        warn!("{}: BTHome advertisement: {error}", held.id.get_value());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::channel::mpsc::UnboundedReceiver;
    use hearth_core::{Capability, ClientMessage};
    use js_sys::{Array, Map, Object, Uint8Array};
    use wasm_bindgen_test::wasm_bindgen_test;

    use crate::hub_client::connection_state::ConnectionState;
    use crate::hub_client::{HubHandle, Input};

    /// A held device that never connects (its `gatt` is missing), the
    /// Bluetooth state it belongs to, and what reaches the hub.
    fn thermometer() -> (Bluetooth, HeldDevice, UnboundedReceiver<Input>) {
        thermometer_on(RwSignal::new(ConnectionState::Connected))
    }

    /// The same, with the hub link as `connection` says.
    fn thermometer_on(
        connection: RwSignal<ConnectionState>,
    ) -> (Bluetooth, HeldDevice, UnboundedReceiver<Input>) {
        let (hub, inputs) = HubHandle::new();
        let bluetooth = Bluetooth::new(hub, connection);
        let device = Object::new();
        Reflect::set(&device, &"id".into(), &"BTHome+1".into()).unwrap();
        Reflect::set(&device, &"name".into(), &"ATC_F02AED".into()).unwrap();
        let (held, _wakes) = HeldDevice::new(&device.unchecked_into::<BluetoothDevice>());
        (bluetooth, held, inputs)
    }

    /// An object shaped like `BluetoothAdvertisingEvent` (Chromium will not
    /// construct the real one): `serviceData` maps the BTHome UUID to a
    /// `DataView` of `bytes`.
    fn event(bytes: &[u8]) -> JsValue {
        let view = DataView::new(&Uint8Array::from(bytes).buffer(), 0, bytes.len());
        let service_data = Map::new();
        service_data.set(&bthome::SERVICE_DATA_UUID.into(), &view);
        let event = Object::new();
        Reflect::set(&event, &"serviceData".into(), &service_data).unwrap();
        event.into()
    }

    /// What was sent to the hub since last asked.
    fn sent(inputs: &mut UnboundedReceiver<Input>) -> Vec<ClientMessage> {
        let mut messages = Vec::new();
        while let Ok(input) = inputs.try_recv() {
            if let Input::Send(message) = input {
                messages.push(message);
            }
        }
        messages
    }

    /// The readings among `messages`, as (metric, value).
    fn readings(messages: &[ClientMessage]) -> Vec<(Metric, f64)> {
        messages
            .iter()
            .filter_map(|message| match message {
                ClientMessage::GatewayReading { metric, value, .. } => Some((*metric, *value)),
                _ => None,
            })
            .collect()
    }

    fn forwarded(inputs: &mut UnboundedReceiver<Input>) -> Vec<(Metric, f64)> {
        readings(&sent(inputs))
    }

    /// Packet id 7, battery 93 %, 21.50 °C, 45.67 %, 3.012 V.
    const READINGS: [u8; 14] = [
        0x40, 0x00, 0x07, 0x01, 0x5D, 0x02, 0x66, 0x08, 0x03, 0xD7, 0x11, 0x0C, 0xC4, 0x0B,
    ];

    #[wasm_bindgen_test]
    fn an_advertisement_updates_the_card_and_reaches_the_hub() {
        let (bluetooth, held, mut inputs) = thermometer();
        received(bluetooth, held, &event(&READINGS));
        assert_eq!(held.temperature.get_untracked(), Some(Some(21.5)));
        assert_eq!(held.humidity.get_untracked(), Some(Some(45.67)));
        assert_eq!(held.battery.get_untracked(), Some(Some(93.0)));
        assert_eq!(held.voltage.get_untracked(), Some(3.012));
        let found = held.found.get_untracked();
        assert!(found.temperature && found.humidity && found.battery);
        let messages = sent(&mut inputs);
        // The hub learns what the device measures before its first reading.
        let Some(ClientMessage::GatewayAttach { devices }) = messages.first() else {
            panic!("no gateway_attach first: {messages:?}");
        };
        assert_eq!(
            devices[0].capabilities,
            [
                Capability::Temperature,
                Capability::Humidity,
                Capability::Battery
            ]
        );
        assert_eq!(
            readings(&messages),
            [
                (Metric::Battery, 93.0),
                (Metric::Temperature, 21.5),
                (Metric::Humidity, 45.67)
            ]
        );
        // The same packet id again is a resend, not a new reading.
        received(bluetooth, held, &event(&READINGS));
        assert_eq!(forwarded(&mut inputs), []);
        assert_eq!(held.problem.get_untracked(), None);
    }

    #[wasm_bindgen_test]
    fn an_encrypted_advertisement_says_so_on_the_card() {
        let (bluetooth, held, mut inputs) = thermometer();
        // Device information 0x41: version 2, encrypted.
        received(bluetooth, held, &event(&[0x41, 0x12, 0x34, 0x56]));
        assert_eq!(held.problem.get_untracked().as_deref(), Some(ENCRYPTED));
        assert_eq!(held.temperature.get_untracked(), None);
        assert_eq!(forwarded(&mut inputs), []);
    }

    #[wasm_bindgen_test]
    fn an_undecodable_advertisement_leaves_the_card_as_it_was() {
        let (bluetooth, held, mut inputs) = thermometer();
        received(bluetooth, held, &event(&READINGS));
        forwarded(&mut inputs);
        // BTHome version 1, then an event with no service data at all.
        received(bluetooth, held, &event(&[0x20, 0x02, 0x00, 0x00]));
        let other = Object::new();
        Reflect::set(&other, &"serviceData".into(), &Map::new()).unwrap();
        Reflect::set(&other, &"uuids".into(), &Array::new()).unwrap();
        received(bluetooth, held, &other.into());
        assert_eq!(held.temperature.get_untracked(), Some(Some(21.5)));
        assert_eq!(held.problem.get_untracked(), None);
        assert_eq!(forwarded(&mut inputs), []);
    }

    #[wasm_bindgen_test]
    fn readings_heard_while_the_hub_is_away_follow_the_attach_when_it_is_back() {
        let connection = RwSignal::new(ConnectionState::Offline);
        let (bluetooth, held, mut inputs) = thermometer_on(connection);
        bluetooth.devices.update(|devices| devices.push(held));
        let id = held.id.get_value();
        received(bluetooth, held, &event(&READINGS));
        // Packet id 8, 22.00 °C.
        received(
            bluetooth,
            held,
            &event(&[0x40, 0x00, 0x08, 0x02, 0x98, 0x08]),
        );
        assert_eq!(held.temperature.get_untracked(), Some(Some(22.0)));
        assert_eq!(forwarded(&mut inputs), []);
        assert_eq!(bluetooth.waiting_for(&id), 4);

        connection.set(ConnectionState::Connected);
        bluetooth.hub_greeted();
        let messages = sent(&mut inputs);
        assert!(
            matches!(messages.first(), Some(ClientMessage::GatewayAttach { .. })),
            "the device is attached before its readings: {messages:?}"
        );
        assert_eq!(
            readings(&messages),
            [
                (Metric::Battery, 93.0),
                (Metric::Temperature, 21.5),
                (Metric::Humidity, 45.67),
                (Metric::Temperature, 22.0)
            ]
        );
        let stamped = messages.iter().all(|message| match message {
            ClientMessage::GatewayReading { at, .. } => at.is_some(),
            _ => true,
        });
        assert!(stamped, "every reading carries its measurement time");
        assert_eq!(bluetooth.waiting_for(&id), 0);

        // Live again: the next reading goes straight out.
        received(
            bluetooth,
            held,
            &event(&[0x40, 0x00, 0x09, 0x02, 0x34, 0x08]),
        );
        assert_eq!(forwarded(&mut inputs), [(Metric::Temperature, 21.0)]);
    }
}
