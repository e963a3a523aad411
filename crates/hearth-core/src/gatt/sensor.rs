//! The sensing characteristics (temperature, humidity, battery level): one
//! decoder per characteristic, and [`Sensor`] to turn a notified value into a
//! hearth-core [`Reading`].

use chrono::{DateTime, Utc};

use super::CodecError;
use crate::device::DeviceId;
use crate::reading::{Metric, Reading};

/// Absolute zero, the lowest temperature either temperature characteristic may carry.
const ABSOLUTE_ZERO: f64 = -273.15;

/// A characteristic that measures something; each maps to one [`Metric`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sensor {
    /// Temperature (0x2A6E), 0.01 °C.
    Temperature,
    /// Temperature Celsius (0x2A1F), 0.1 °C.
    TemperatureCelsius,
    /// Humidity (0x2A6F), 0.01 %.
    Humidity,
    /// Battery Level (0x2A19), whole percent.
    BatteryLevel,
}

impl Sensor {
    /// In the order the dashboard should look for them: the 0.01 °C
    /// temperature before its 0.1 °C fallback.
    pub const ALL: [Sensor; 4] = [
        Sensor::Temperature,
        Sensor::TemperatureCelsius,
        Sensor::Humidity,
        Sensor::BatteryLevel,
    ];

    /// The characteristic's full 128-bit UUID.
    pub fn uuid(self) -> &'static str {
        match self {
            Sensor::Temperature => super::TEMPERATURE,
            Sensor::TemperatureCelsius => super::TEMPERATURE_CELSIUS,
            Sensor::Humidity => super::HUMIDITY,
            Sensor::BatteryLevel => super::BATTERY_LEVEL,
        }
    }

    /// The service the characteristic lives in.
    pub fn service(self) -> &'static str {
        match self {
            Sensor::BatteryLevel => super::BATTERY_SERVICE,
            _ => super::ENVIRONMENTAL_SENSING,
        }
    }

    /// The sensor a characteristic UUID names, in any letter case, as a
    /// notification's `event.target.uuid` reports it.
    pub fn from_uuid(uuid: &str) -> Option<Sensor> {
        Sensor::ALL
            .into_iter()
            .find(|sensor| sensor.uuid().eq_ignore_ascii_case(uuid))
    }

    pub fn metric(self) -> Metric {
        match self {
            Sensor::Temperature | Sensor::TemperatureCelsius => Metric::Temperature,
            Sensor::Humidity => Metric::Humidity,
            Sensor::BatteryLevel => Metric::Battery,
        }
    }

    /// The value in the metric's canonical unit (°C or %), or `None` when the
    /// device reports it as unknown.
    pub fn decode(self, value: &[u8]) -> Result<Option<f64>, CodecError> {
        match self {
            Sensor::Temperature => temperature(value),
            Sensor::TemperatureCelsius => temperature_celsius(value),
            Sensor::Humidity => humidity(value),
            Sensor::BatteryLevel => battery_level(value).map(|level| Some(f64::from(level))),
        }
    }

    /// The value as a reading of `device` taken at `at`, or `None` when the
    /// device reports it as unknown (there is nothing to record then).
    pub fn reading(
        self,
        value: &[u8],
        device: &DeviceId,
        at: DateTime<Utc>,
    ) -> Result<Option<Reading>, CodecError> {
        Ok(self
            .decode(value)?
            .map(|v| Reading::new(device.clone(), self.metric(), v, at)))
    }
}

/// Temperature (0x2A6E) in °C: sint16 in 0.01 °C; 0x8000 means unknown.
pub fn temperature(value: &[u8]) -> Result<Option<f64>, CodecError> {
    const NAME: &str = "Temperature (0x2A6E)";
    let raw = i16::from_le_bytes(exact(NAME, value)?);
    if raw == i16::MIN {
        return Ok(None);
    }
    in_range(NAME, f64::from(raw) / 100.0, ABSOLUTE_ZERO, 327.67).map(Some)
}

/// Temperature Celsius (0x2A1F) in °C: sint16 in 0.1 °C. It defines no
/// "unknown" value; anything below absolute zero (0x8000 among them) is an error.
pub fn temperature_celsius(value: &[u8]) -> Result<Option<f64>, CodecError> {
    const NAME: &str = "Temperature Celsius (0x2A1F)";
    let raw = i16::from_le_bytes(exact(NAME, value)?);
    in_range(NAME, f64::from(raw) / 10.0, ABSOLUTE_ZERO, 3276.7).map(Some)
}

/// Humidity (0x2A6F) in %: uint16 in 0.01 %; 0xFFFF means unknown.
pub fn humidity(value: &[u8]) -> Result<Option<f64>, CodecError> {
    const NAME: &str = "Humidity (0x2A6F)";
    let raw = u16::from_le_bytes(exact(NAME, value)?);
    if raw == u16::MAX {
        return Ok(None);
    }
    in_range(NAME, f64::from(raw) / 100.0, 0.0, 100.0).map(Some)
}

/// Battery Level (0x2A19) in %: uint8 from 0 to 100. It has no "unknown" value.
pub fn battery_level(value: &[u8]) -> Result<u8, CodecError> {
    const NAME: &str = "Battery Level (0x2A19)";
    let [level] = exact(NAME, value)?;
    in_range(NAME, f64::from(level), 0.0, 100.0)?;
    Ok(level)
}

/// The value as an array of exactly `N` bytes.
fn exact<const N: usize>(
    characteristic: &'static str,
    value: &[u8],
) -> Result<[u8; N], CodecError> {
    value.try_into().map_err(|_| CodecError::WrongLength {
        characteristic,
        expected: N,
        got: value.len(),
    })
}

fn in_range(
    characteristic: &'static str,
    value: f64,
    min: f64,
    max: f64,
) -> Result<f64, CodecError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(CodecError::OutOfRange {
            characteristic,
            value,
            min,
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// What a decode should give: a value, "unknown", or an error's message.
    #[derive(Debug, PartialEq)]
    enum Want {
        Value(f64),
        Unknown,
        Error(&'static str),
    }
    use Want::*;

    fn check(sensor: Sensor, table: &[(&[u8], Want)]) {
        for (bytes, want) in table {
            let got = match sensor.decode(bytes) {
                Ok(Some(v)) => Value(v),
                Ok(None) => Unknown,
                Err(e) => {
                    let message = e.to_string();
                    match want {
                        Error(expected) if message == *expected => continue,
                        _ => panic!("{sensor:?} {bytes:02X?}: error {message:?}, want {want:?}"),
                    }
                }
            };
            assert_eq!(&got, want, "{sensor:?} {bytes:02X?}");
        }
    }

    #[test]
    fn temperature_table() {
        check(
            Sensor::Temperature,
            &[
                (&[0x66, 0x08], Value(21.5)),
                (&[0x00, 0x00], Value(0.0)),
                (&[0x01, 0x00], Value(0.01)),
                (&[0xFF, 0xFF], Value(-0.01)),
                (&[0x0C, 0xFE], Value(-5.0)),
                (&[0xFF, 0x7F], Value(327.67)),
                (&[0x4D, 0x95], Value(-273.15)),
                (&[0x00, 0x80], Unknown),
                (
                    &[0x4C, 0x95],
                    Error("Temperature (0x2A6E) value -273.16 is outside -273.15..=327.67"),
                ),
                (
                    &[],
                    Error("Temperature (0x2A6E) value must be 2 byte(s) long, got 0"),
                ),
                (
                    &[0x66],
                    Error("Temperature (0x2A6E) value must be 2 byte(s) long, got 1"),
                ),
                (
                    &[0x66, 0x08, 0x00],
                    Error("Temperature (0x2A6E) value must be 2 byte(s) long, got 3"),
                ),
            ],
        );
    }

    #[test]
    fn temperature_celsius_table() {
        check(
            Sensor::TemperatureCelsius,
            &[
                (&[0xD7, 0x00], Value(21.5)),
                (&[0xCE, 0xFF], Value(-5.0)),
                (&[0xFF, 0x7F], Value(3276.7)),
                (&[0x55, 0xF5], Value(-273.1)),
                (
                    &[0x54, 0xF5],
                    Error("Temperature Celsius (0x2A1F) value -273.2 is outside -273.15..=3276.7"),
                ),
                (
                    &[0x00, 0x80],
                    Error("Temperature Celsius (0x2A1F) value -3276.8 is outside -273.15..=3276.7"),
                ),
                (
                    &[0xD7],
                    Error("Temperature Celsius (0x2A1F) value must be 2 byte(s) long, got 1"),
                ),
            ],
        );
    }

    #[test]
    fn humidity_table() {
        check(
            Sensor::Humidity,
            &[
                (&[0x6C, 0x1A], Value(67.64)),
                (&[0x00, 0x00], Value(0.0)),
                (&[0x10, 0x27], Value(100.0)),
                (&[0xFF, 0xFF], Unknown),
                (
                    &[0x11, 0x27],
                    Error("Humidity (0x2A6F) value 100.01 is outside 0..=100"),
                ),
                (
                    &[0xFE, 0xFF],
                    Error("Humidity (0x2A6F) value 655.34 is outside 0..=100"),
                ),
                (
                    &[0xFF],
                    Error("Humidity (0x2A6F) value must be 2 byte(s) long, got 1"),
                ),
                (
                    &[0x00, 0x00, 0x00, 0x00],
                    Error("Humidity (0x2A6F) value must be 2 byte(s) long, got 4"),
                ),
            ],
        );
    }

    #[test]
    fn battery_level_table() {
        check(
            Sensor::BatteryLevel,
            &[
                (&[0], Value(0.0)),
                (&[57], Value(57.0)),
                (&[100], Value(100.0)),
                (
                    &[101],
                    Error("Battery Level (0x2A19) value 101 is outside 0..=100"),
                ),
                (
                    &[0xFF],
                    Error("Battery Level (0x2A19) value 255 is outside 0..=100"),
                ),
                (
                    &[],
                    Error("Battery Level (0x2A19) value must be 1 byte(s) long, got 0"),
                ),
                (
                    &[50, 0],
                    Error("Battery Level (0x2A19) value must be 1 byte(s) long, got 2"),
                ),
            ],
        );
    }

    #[test]
    fn a_notified_value_becomes_a_reading_of_the_sensors_metric() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let device = DeviceId::new("ble-atc-f02aed");
        let table: [(Sensor, &[u8], Option<Reading>); 5] = [
            (
                Sensor::Temperature,
                &[0x66, 0x08],
                Some(Reading::new(device.clone(), Metric::Temperature, 21.5, at)),
            ),
            (
                Sensor::TemperatureCelsius,
                &[0xD7, 0x00],
                Some(Reading::new(device.clone(), Metric::Temperature, 21.5, at)),
            ),
            (
                Sensor::Humidity,
                &[0x6C, 0x1A],
                Some(Reading::new(device.clone(), Metric::Humidity, 67.64, at)),
            ),
            (
                Sensor::BatteryLevel,
                &[88],
                Some(Reading::new(device.clone(), Metric::Battery, 88.0, at)),
            ),
            (Sensor::Temperature, &[0x00, 0x80], None),
        ];
        for (sensor, bytes, want) in table {
            assert_eq!(sensor.reading(bytes, &device, at), Ok(want), "{sensor:?}");
        }
    }

    #[test]
    fn sensors_are_found_by_uuid_in_any_case() {
        for sensor in Sensor::ALL {
            assert_eq!(Sensor::from_uuid(sensor.uuid()), Some(sensor));
            assert_eq!(
                Sensor::from_uuid(&sensor.uuid().to_uppercase()),
                Some(sensor)
            );
        }
        assert_eq!(Sensor::from_uuid(super::super::DIGITAL), None);
        assert_eq!(Sensor::from_uuid("2a6e"), None);
    }
}
