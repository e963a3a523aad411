//! BTHome v2 advertisements (https://bthome.io/format/): the service data a
//! thermometer broadcasts under UUID 0xFCD2, decoded into measurements and
//! then hearth-core [`Reading`]s, for browsers whose Web Bluetooth offers
//! `watchAdvertisements` (no connection, so no battery drain on the device).
//!
//! The input is the service data as Web Bluetooth's `serviceData` map gives
//! it: the bytes after the UUID, starting with the device information byte.
//! Objects follow as an id and a little-endian value. Hearth decodes the few
//! ids a thermometer sends and steps over the other ids whose length the
//! specification fixes (`object_len`); at an id it does not know it must
//! stop, as the specification says, since the object's length is unknown.
//! What came before is kept: see [`Advertisement::stopped`].

use chrono::{DateTime, Utc};

use crate::device::DeviceId;
use crate::reading::{Metric, Reading};

#[cfg(test)]
mod tests;

/// The BTHome service data UUID (0xFCD2) on the Bluetooth base UUID.
pub const SERVICE_DATA_UUID: &str = "0000fcd2-0000-1000-8000-00805f9b34fb";

/// Device information byte, bit 0: the objects are encrypted (AES-CCM).
const ENCRYPTED: u8 = 0b0000_0001;
/// Device information byte, bit 2: the device advertises on events, not on a timer.
const TRIGGER_BASED: u8 = 0b0000_0100;
/// Device information byte, bits 5–7: the BTHome version.
const VERSION_SHIFT: u32 = 5;

/// Object ids Hearth turns into values.
const PACKET_ID: u8 = 0x00;
const BATTERY: u8 = 0x01;
const TEMPERATURE_CENTI: u8 = 0x02;
const HUMIDITY_CENTI: u8 = 0x03;
const VOLTAGE_MILLI: u8 = 0x0C;
const HUMIDITY_WHOLE: u8 = 0x2E;
const TEMPERATURE_DECI: u8 = 0x45;
/// Text (0x53) and raw (0x54) objects carry their own length in their first byte.
const TEXT: u8 = 0x53;
const RAW: u8 = 0x54;

/// One measured value from an advertisement, in Hearth's canonical units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measurement {
    /// Battery charge in % (0x01).
    Battery(u8),
    /// Temperature in °C (0x02 in 0.01 °C, or 0x45 in 0.1 °C).
    Temperature(f64),
    /// Relative humidity in % (0x03 in 0.01 %, or 0x2E in whole percent).
    Humidity(f64),
    /// Battery voltage in V (0x0C, in mV).
    Voltage(f64),
}

/// What one advertisement said.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Advertisement {
    /// The device advertises when something happens rather than on a timer,
    /// so silence does not mean it has gone away.
    pub trigger_based: bool,
    /// Increases with every new measurement; a repeat of the last one is a
    /// resend of the same data.
    pub packet_id: Option<u8>,
    /// In the order sent; a device may send several of one kind.
    pub measurements: Vec<Measurement>,
    /// Ids of the objects stepped over because Hearth has no use for them.
    pub ignored: Vec<u8>,
    /// Why decoding ended before the last byte, if it did. `measurements`
    /// holds everything before that point; the caller should log this.
    pub stopped: Option<ObjectError>,
}

impl Advertisement {
    /// The measurements Hearth records, as readings of `device` at `at`.
    /// Voltage has no metric of its own and is left out.
    pub fn readings(&self, device: &DeviceId, at: DateTime<Utc>) -> Vec<Reading> {
        self.measurements
            .iter()
            .filter_map(|measurement| match *measurement {
                Measurement::Battery(level) => Some((Metric::Battery, f64::from(level))),
                Measurement::Temperature(celsius) => Some((Metric::Temperature, celsius)),
                Measurement::Humidity(percent) => Some((Metric::Humidity, percent)),
                Measurement::Voltage(_) => None,
            })
            .map(|(metric, value)| Reading::new(device.clone(), metric, value, at))
            .collect()
    }
}

/// What Hearth cannot decode at all; nothing in the advertisement is usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsupported {
    /// The objects are encrypted with a key Hearth does not hold.
    Encrypted,
}

/// Why an advertisement was refused as a whole.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BtHomeError {
    #[error("BTHome service data is empty (it needs at least the device information byte)")]
    Empty,
    #[error("BTHome version {0} is not supported, only version 2")]
    Version(u8),
    #[error(
        "encrypted BTHome advertisements are not supported: set the device to send them unencrypted"
    )]
    Unsupported(Unsupported),
}

/// Why decoding stopped partway; the objects before it were decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ObjectError {
    #[error(
        "unsupported object 0x{id:02X} at byte {at}: its length is unknown, so nothing after it can be read"
    )]
    UnsupportedObject { id: u8, at: usize },
    #[error("object 0x{id:02X} at byte {at} needs {needed} byte(s) after its id, {left} left")]
    Truncated {
        id: u8,
        at: usize,
        needed: usize,
        left: usize,
    },
    #[error(
        "object 0x{id:02X} at byte {at} follows 0x{after:02X}: objects must be in numerical order"
    )]
    OutOfOrder { id: u8, at: usize, after: u8 },
    #[error("object 0x{id:02X} at byte {at}: value {value} is outside {min}..={max}")]
    OutOfRange {
        id: u8,
        at: usize,
        value: f64,
        min: f64,
        max: f64,
    },
}

/// Decodes BTHome v2 service data (the bytes after the 0xFCD2 UUID).
pub fn decode(service_data: &[u8]) -> Result<Advertisement, BtHomeError> {
    let (&info, mut rest) = service_data.split_first().ok_or(BtHomeError::Empty)?;
    let version = info >> VERSION_SHIFT;
    if version != 2 {
        return Err(BtHomeError::Version(version));
    }
    if info & ENCRYPTED != 0 {
        return Err(BtHomeError::Unsupported(Unsupported::Encrypted));
    }
    let mut advertisement = Advertisement {
        trigger_based: info & TRIGGER_BASED != 0,
        ..Advertisement::default()
    };
    let mut previous = None;
    while let Some((&id, after_id)) = rest.split_first() {
        let at = service_data.len() - rest.len();
        match next_object(id, at, previous, after_id, &mut advertisement) {
            Ok(len) => rest = &after_id[len..],
            Err(error) => {
                advertisement.stopped = Some(error);
                break;
            }
        }
        previous = Some(id);
    }
    Ok(advertisement)
}

/// Decodes the object `id` at byte `at` from its value bytes `data` (and
/// whatever follows), recording it in `advertisement`; answers how many bytes
/// of `data` it used.
fn next_object(
    id: u8,
    at: usize,
    previous: Option<u8>,
    data: &[u8],
    advertisement: &mut Advertisement,
) -> Result<usize, ObjectError> {
    if let Some(after) = previous.filter(|&after| id < after) {
        return Err(ObjectError::OutOfOrder { id, at, after });
    }
    let len = object_len(id, data).ok_or(ObjectError::UnsupportedObject { id, at })?;
    let value = data.get(..len).ok_or(ObjectError::Truncated {
        id,
        at,
        needed: len,
        left: data.len(),
    })?;
    let in_range = |value: f64, min: f64, max: f64| {
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(ObjectError::OutOfRange {
                id,
                at,
                value,
                min,
                max,
            })
        }
    };
    let u16_le = || f64::from(u16::from_le_bytes([value[0], value[1]]));
    let i16_le = || f64::from(i16::from_le_bytes([value[0], value[1]]));
    let measurement = match id {
        PACKET_ID => {
            advertisement.packet_id = Some(value[0]);
            None
        }
        BATTERY => {
            in_range(f64::from(value[0]), 0.0, 100.0)?;
            Some(Measurement::Battery(value[0]))
        }
        TEMPERATURE_CENTI => Some(Measurement::Temperature(in_range(
            i16_le() / 100.0,
            -273.15,
            327.67,
        )?)),
        TEMPERATURE_DECI => Some(Measurement::Temperature(in_range(
            i16_le() / 10.0,
            -273.15,
            3276.7,
        )?)),
        HUMIDITY_CENTI => Some(Measurement::Humidity(in_range(
            u16_le() / 100.0,
            0.0,
            100.0,
        )?)),
        HUMIDITY_WHOLE => Some(Measurement::Humidity(in_range(
            f64::from(value[0]),
            0.0,
            100.0,
        )?)),
        VOLTAGE_MILLI => Some(Measurement::Voltage(u16_le() / 1000.0)),
        _ => {
            advertisement.ignored.push(id);
            None
        }
    };
    advertisement.measurements.extend(measurement);
    Ok(len)
}

/// The length of object `id`'s value (after the id byte), from the tables of
/// https://bthome.io/format/ (sensor data, binary sensors, events, device
/// information), given the bytes that follow the id. `None` for ids the
/// tables do not list, and for the timestamp (0x50), whose stated type
/// (uint48) and size (4 bytes) disagree.
fn object_len(id: u8, data: &[u8]) -> Option<usize> {
    Some(match id {
        // Packet id, battery; count (uint8).
        0x00 | 0x01 | 0x09 => 1,
        // Generic boolean, power, opening; then every binary sensor from
        // battery low (0x15) to window (0x2D); humidity and moisture (uint8).
        0x0F..=0x11 | 0x15..=0x2F => 1,
        // Button event; UV index; temperature, count (sint8).
        0x3A | 0x46 | 0x57..=0x59 => 1,
        // Temperature, humidity, mass, dewpoint, voltage, pm2.5, pm10, co2,
        // tvoc, moisture (uint16 / sint16).
        0x02 | 0x03 | 0x06..=0x08 | 0x0C..=0x0E | 0x12..=0x14 => 2,
        // Dimmer event; count, rotation, distance (mm, m), current, speed,
        // temperature (0.1 °C), volume, volume (mL), flow rate, voltage (0.1 V).
        0x3C | 0x3D | 0x3F..=0x41 | 0x43..=0x45 | 0x47..=0x4A => 2,
        // Acceleration, gyroscope, conductivity; count (sint16), current
        // (sint16), direction, precipitation; device type id.
        0x51 | 0x52 | 0x56 | 0x5A | 0x5D..=0x5F | 0xF0 => 2,
        // Pressure, illuminance, energy, power, duration, gas (uint24);
        // firmware version (3 parts).
        0x04 | 0x05 | 0x0A | 0x0B | 0x42 | 0x4B | 0xF2 => 3,
        // Count, gas, energy, volume, water, volume storage, count (sint32),
        // power (sint32) (uint32 / sint32); firmware version (4 parts).
        0x3E | 0x4C..=0x4F | 0x55 | 0x5B | 0x5C | 0xF1 => 4,
        // Text and raw: a length byte, then that many bytes.
        // A missing length byte reads as zero, so the object is reported
        // truncated rather than unknown.
        TEXT | RAW => 1 + usize::from(data.first().copied().unwrap_or(0)),
        _ => return None,
    })
}
