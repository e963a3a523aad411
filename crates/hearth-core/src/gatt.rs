//! Bluetooth GATT codecs for the devices the browser pairs over Web Bluetooth:
//! Environmental Sensing thermometers, the Battery service, and Automation IO
//! switches. Pure byte-slice decoders and one encoder, so the dashboard, the
//! tests and later fuzz targets all share exactly one reading of the bytes.
//!
//! Every decoder takes the characteristic's value as Web Bluetooth hands it
//! over (a `DataView`'s bytes, little-endian as GATT specifies) and answers
//! `Ok(None)` when the device itself says the value is unknown. A buffer of the
//! wrong length or a value outside the characteristic's range is a
//! [`CodecError`] naming the characteristic, never a panic; logging it is the
//! caller's job, since core performs no I/O. See docs/bluetooth.md.

pub mod digital;
#[cfg(test)]
mod robustness;
mod sensor;

pub use digital::{Digital, DigitalState};
pub use sensor::{Sensor, battery_level, humidity, temperature, temperature_celsius};

/// Environmental Sensing service (0x181A): temperature and humidity.
pub const ENVIRONMENTAL_SENSING: &str = "0000181a-0000-1000-8000-00805f9b34fb";
/// Automation IO service (0x1815): switches and other digital outputs.
pub const AUTOMATION_IO: &str = "00001815-0000-1000-8000-00805f9b34fb";
/// Battery service (0x180F).
pub const BATTERY_SERVICE: &str = "0000180f-0000-1000-8000-00805f9b34fb";

/// Temperature (0x2A6E): sint16, 0.01 °C, 0x8000 = unknown.
pub const TEMPERATURE: &str = "00002a6e-0000-1000-8000-00805f9b34fb";
/// Temperature Celsius (0x2A1F): sint16, 0.1 °C; read when 0x2A6E is absent.
pub const TEMPERATURE_CELSIUS: &str = "00002a1f-0000-1000-8000-00805f9b34fb";
/// Humidity (0x2A6F): uint16, 0.01 %, 0xFFFF = unknown.
pub const HUMIDITY: &str = "00002a6f-0000-1000-8000-00805f9b34fb";
/// Battery Level (0x2A19): uint8, 0–100 %.
pub const BATTERY_LEVEL: &str = "00002a19-0000-1000-8000-00805f9b34fb";
/// Digital (0x2A56): 2 bits per output, 4 outputs per byte, least significant first.
pub const DIGITAL: &str = "00002a56-0000-1000-8000-00805f9b34fb";

/// Client Characteristic Configuration descriptor (0x2902): what
/// `startNotifications()` writes, and what the e2e tests watch for.
pub const CLIENT_CHARACTERISTIC_CONFIGURATION: &str = "00002902-0000-1000-8000-00805f9b34fb";

/// The services `requestDevice` must name so the page may use them once a
/// device is chosen through a name-prefix filter, which grants no services.
pub const OPTIONAL_SERVICES: [&str; 3] = [ENVIRONMENTAL_SENSING, AUTOMATION_IO, BATTERY_SERVICE];

/// Name prefixes for `requestDevice`'s `namePrefix` filters: thermometers
/// running pvvx's custom firmware (github.com/pvvx/ATC_MiThermometer), which
/// serve Environmental Sensing over GATT but, advertising BTHome or their own
/// service data, may not list 0x181A among their advertised services.
///
/// pvvx names a device from its model and the last three bytes of its MAC
/// (`ble_get_name` in the firmware's `src/ble.c`): `ATC_` for the Xiaomi
/// LYWSD03MMC and models without a prefix of their own (and atc1441's
/// original firmware uses `ATC_` too), `MHO_` for the MHO-C401, `CGG_` for the
/// Qingping CGG1 and `CGD_` for the CGDK2. `LYWSD03MMC` is the stock Xiaomi
/// name, which pvvx's README tells Xiaomi Gateway 3 owners to give their
/// flashed thermometers; a stock device offered through it has no
/// Environmental Sensing service, which the dashboard must explain. Any other
/// name a user sets with pvvx's configurator is not covered.
pub const NAME_PREFIXES: [&str; 5] = ["ATC_", "MHO_", "CGG_", "CGD_", "LYWSD03MMC"];

/// Why a characteristic's value could not be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CodecError {
    #[error("{characteristic} value must be {expected} byte(s) long, got {got}")]
    WrongLength {
        characteristic: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("{characteristic} value is empty")]
    Empty { characteristic: &'static str },
    #[error("{characteristic} value {value} is outside {min}..={max}")]
    OutOfRange {
        characteristic: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("output {index} does not exist: the Digital value holds {count} outputs")]
    NoSuchOutput { index: usize, count: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16-bit assigned number on the Bluetooth base UUID, as Web Bluetooth
    /// spells it (`BluetoothUUID.canonicalUUID`).
    fn canonical(short: u16) -> String {
        format!("0000{short:04x}-0000-1000-8000-00805f9b34fb")
    }

    #[test]
    fn uuids_are_the_assigned_numbers_on_the_base_uuid() {
        let table = [
            (ENVIRONMENTAL_SENSING, 0x181A),
            (AUTOMATION_IO, 0x1815),
            (BATTERY_SERVICE, 0x180F),
            (TEMPERATURE, 0x2A6E),
            (TEMPERATURE_CELSIUS, 0x2A1F),
            (HUMIDITY, 0x2A6F),
            (BATTERY_LEVEL, 0x2A19),
            (DIGITAL, 0x2A56),
            (CLIENT_CHARACTERISTIC_CONFIGURATION, 0x2902),
            (crate::bthome::SERVICE_DATA_UUID, 0xFCD2),
        ];
        for (uuid, short) in table {
            assert_eq!(uuid, canonical(short), "0x{short:04X}");
        }
    }

    #[test]
    fn every_sensor_belongs_to_an_optional_service() {
        for sensor in Sensor::ALL {
            assert!(
                OPTIONAL_SERVICES.contains(&sensor.service()),
                "{sensor:?} lives in {}, which requestDevice would not grant",
                sensor.service()
            );
        }
    }
}
