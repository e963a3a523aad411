//! The Web Bluetooth calls themselves (web-sys, unstable API): asking for a
//! device, connecting, finding the characteristics Hearth understands,
//! reading, subscribing and writing. Values are decoded by `hearth_core::gatt`,
//! never here.

use hearth_core::bthome;
use hearth_core::gatt::{self, Sensor};
use js_sys::{JsString, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    Bluetooth, BluetoothDevice, BluetoothLeScanFilterInit, BluetoothRemoteGattCharacteristic,
    BluetoothRemoteGattServer, BluetoothRemoteGattService, RequestDeviceOptions,
};

use super::link::Found;

/// The browser's message for a failed Web Bluetooth call.
pub(crate) fn message(error: &JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => format!("{error:?}"),
    }
}

/// `navigator.bluetooth`, where the browser has it.
pub(crate) fn bluetooth() -> Option<Bluetooth> {
    web_sys::window()?.navigator().bluetooth()
}

/// Asks the user to choose a thermometer or switch: the chooser lists devices
/// advertising Environmental Sensing or Automation IO, or named like the
/// common thermometer firmwares; every service Hearth reads is requested
/// since a device matched by name alone is granted none.
pub(crate) async fn request_device(bluetooth: &Bluetooth) -> Result<BluetoothDevice, String> {
    let mut filters = Vec::new();
    for service in [gatt::ENVIRONMENTAL_SENSING, gatt::AUTOMATION_IO] {
        let filter = BluetoothLeScanFilterInit::new();
        filter.set_services(&[JsString::from(service)]);
        filters.push(filter);
    }
    for prefix in gatt::NAME_PREFIXES {
        let filter = BluetoothLeScanFilterInit::new();
        filter.set_name_prefix(prefix);
        filters.push(filter);
    }
    let options = RequestDeviceOptions::new();
    options.set_filters(&filters);
    // Chromium hands an advertisement's service data only for the services
    // the user granted, so BTHome's is asked for too.
    let optional: Vec<JsString> = gatt::OPTIONAL_SERVICES
        .into_iter()
        .chain([bthome::SERVICE_DATA_UUID])
        .map(JsString::from)
        .collect();
    options.set_optional_services(&optional);
    bluetooth
        .request_device(&options)
        .await
        .map_err(|e| message(&e))
}

/// The devices this origin was granted before, where the browser can say
/// (`getDevices()` is still behind a flag in Chrome).
pub(crate) async fn permitted_devices(bluetooth: &Bluetooth) -> Vec<BluetoothDevice> {
    let supported =
        js_sys::Reflect::has(bluetooth, &JsValue::from_str("getDevices")).unwrap_or(false);
    if !supported {
        return Vec::new();
    }
    match bluetooth.get_devices().await {
        Ok(devices) => devices.iter().collect(),
        Err(error) => {
            leptos::logging::warn!("getDevices() failed: {}", message(&error));
            Vec::new()
        }
    }
}

/// Revokes this origin's permission for `device` and disconnects it, where
/// the browser has `BluetoothDevice.forget()` (web-sys has no binding yet, so
/// it is looked up); false where it has not.
pub(crate) async fn forget(device: &BluetoothDevice) -> Result<bool, String> {
    let forget = js_sys::Reflect::get(device, &JsValue::from_str("forget"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(forget) = forget else {
        return Ok(false);
    };
    let promise = forget
        .call0(device)
        .map_err(|e| message(&e))?
        .dyn_into::<js_sys::Promise>()
        .map_err(|_| "forget() did not return a promise".to_owned())?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| message(&e))?;
    Ok(true)
}

/// A connected device's characteristics that Hearth understands.
#[derive(Debug, Clone)]
pub(crate) struct Characteristics {
    pub(crate) sensors: Vec<(Sensor, BluetoothRemoteGattCharacteristic)>,
    pub(crate) digital: Option<BluetoothRemoteGattCharacteristic>,
}

impl Characteristics {
    pub(crate) fn found(&self) -> Found {
        let has = |wanted: &[Sensor]| self.sensors.iter().any(|(s, _)| wanted.contains(s));
        Found {
            temperature: has(&[Sensor::Temperature, Sensor::TemperatureCelsius]),
            humidity: has(&[Sensor::Humidity]),
            battery: has(&[Sensor::BatteryLevel]),
            switch: self.digital.is_some(),
        }
    }
}

/// Connects to `device` and finds its characteristics: Temperature, or
/// Temperature Celsius without it; Humidity; Battery Level; Digital.
pub(crate) async fn connect(device: &BluetoothDevice) -> Result<Characteristics, String> {
    let server: BluetoothRemoteGattServer = device
        .gatt()
        .ok_or_else(|| "this device has no GATT server".to_owned())?;
    let server = server.connect().await.map_err(|e| message(&e))?;
    let mut sensors = Vec::new();
    let environment = service(&server, gatt::ENVIRONMENTAL_SENSING).await;
    let battery = service(&server, gatt::BATTERY_SERVICE).await;
    for sensor in Sensor::ALL {
        let owner = if sensor == Sensor::BatteryLevel {
            &battery
        } else {
            &environment
        };
        let fallback_needless = sensor == Sensor::TemperatureCelsius
            && sensors.iter().any(|(s, _)| *s == Sensor::Temperature);
        if fallback_needless {
            continue;
        }
        if let Some(owner) = owner
            && let Some(found) = characteristic(owner, sensor.uuid()).await
        {
            sensors.push((sensor, found));
        }
    }
    let digital = match service(&server, gatt::AUTOMATION_IO).await {
        Some(aio) => characteristic(&aio, gatt::DIGITAL).await,
        None => None,
    };
    Ok(Characteristics { sensors, digital })
}

/// A primary service, or `None` when the device lacks it.
async fn service(
    server: &BluetoothRemoteGattServer,
    uuid: &str,
) -> Option<BluetoothRemoteGattService> {
    server.get_primary_service_with_str(uuid).await.ok()
}

async fn characteristic(
    service: &BluetoothRemoteGattService,
    uuid: &str,
) -> Option<BluetoothRemoteGattCharacteristic> {
    service.get_characteristic_with_str(uuid).await.ok()
}

/// Reads a characteristic's value.
pub(crate) async fn read(
    characteristic: &BluetoothRemoteGattCharacteristic,
) -> Result<Vec<u8>, String> {
    let view = characteristic.read_value().await.map_err(|e| message(&e))?;
    Ok(bytes(&view))
}

/// The bytes of a `DataView`.
pub(crate) fn bytes(view: &js_sys::DataView) -> Vec<u8> {
    Uint8Array::new_with_byte_offset_and_length(
        &view.buffer(),
        view.byte_offset() as u32,
        view.byte_length() as u32,
    )
    .to_vec()
}

/// Subscribes to notifications (the browser writes the characteristic's
/// 0x2902 descriptor); `on_value` runs with every value that arrives, from a
/// notification or a read.
pub(crate) async fn subscribe(
    characteristic: &BluetoothRemoteGattCharacteristic,
    on_value: impl Fn(Vec<u8>) + 'static,
) -> Result<Closure<dyn FnMut(JsValue)>, String> {
    let source = characteristic.clone();
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
        if let Some(view) = source.value() {
            on_value(bytes(&view));
        }
    });
    characteristic.set_oncharacteristicvaluechanged(Some(listener.as_ref().unchecked_ref()));
    characteristic
        .start_notifications()
        .await
        .map_err(|e| message(&e))?;
    Ok(listener)
}

/// Writes `value`, waiting for the device to confirm it.
pub(crate) async fn write(
    characteristic: &BluetoothRemoteGattCharacteristic,
    value: &[u8],
) -> Result<(), String> {
    characteristic
        .write_value_with_response_with_u8_slice(value)
        .map_err(|e| message(&e))?
        .await
        .map_err(|e| message(&e))?;
    Ok(())
}
