//! Readings: one measured value of one metric of one device at one instant.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::device::{Device, DeviceId};
use crate::units::Unit;

/// What a reading measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    Temperature,
    Humidity,
    Battery,
    Occupancy,
}

crate::wire_names!(pub Metric {
    Temperature = "temperature",
    Humidity = "humidity",
    Battery = "battery",
    Occupancy = "occupancy",
});

impl Metric {
    /// The canonical unit the hub stores and sends this metric in.
    pub fn unit(self) -> Unit {
        match self {
            Metric::Temperature => Unit::Celsius,
            Metric::Humidity | Metric::Battery => Unit::Percent,
            Metric::Occupancy => Unit::Boolean,
        }
    }

    /// The physically plausible range; values outside it are rejected as bad input.
    pub fn valid_range(self) -> (f64, f64) {
        match self {
            Metric::Temperature => (-90.0, 150.0),
            Metric::Humidity | Metric::Battery => (0.0, 100.0),
            Metric::Occupancy => (0.0, 1.0),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::Temperature => "Temperature",
            Metric::Humidity => "Humidity",
            Metric::Battery => "Battery",
            Metric::Occupancy => "Occupancy",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub device: DeviceId,
    pub metric: Metric,
    pub value: f64,
    pub unit: Unit,
    #[serde(with = "crate::rfc3339")]
    pub at: DateTime<Utc>,
}

/// Why a reading was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadingError {
    #[error("device {device} does not report {metric:?}")]
    UnsupportedMetric { device: DeviceId, metric: Metric },
    #[error("{metric:?} must be sent in {expected:?}, got {got:?}")]
    WrongUnit {
        metric: Metric,
        expected: Unit,
        got: Unit,
    },
    #[error("{metric:?} value {value} is outside {min}..={max}")]
    OutOfRange {
        metric: Metric,
        value: f64,
        min: f64,
        max: f64,
    },
}

impl Reading {
    /// A reading in the metric's canonical unit.
    pub fn new(device: DeviceId, metric: Metric, value: f64, at: DateTime<Utc>) -> Self {
        Reading {
            device,
            metric,
            value,
            unit: metric.unit(),
            at,
        }
    }

    /// Whether `latest` (a device's latest reading of each metric) holds one
    /// of this metric measured after this one. Such a late reading (relayed
    /// by a gateway after an outage, or ingested from a backlog) belongs to
    /// history, not to what the device reads now.
    pub fn is_outdated_by(&self, latest: &[Reading]) -> bool {
        latest
            .iter()
            .any(|known| known.metric == self.metric && known.at > self.at)
    }

    /// Makes this the latest reading of its metric in `latest` unless a newer
    /// one is there; whether it did.
    pub fn keep_in(self, latest: &mut Vec<Reading>) -> bool {
        if self.is_outdated_by(latest) {
            return false;
        }
        match latest.iter_mut().find(|known| known.metric == self.metric) {
            Some(known) => *known = self,
            None => latest.push(self),
        }
        true
    }

    /// Checks the reading against the device that claims to have produced it.
    pub fn validate(&self, device: &Device) -> Result<(), ReadingError> {
        if !device.has(self.metric) {
            return Err(ReadingError::UnsupportedMetric {
                device: device.id.clone(),
                metric: self.metric,
            });
        }
        let expected = self.metric.unit();
        if self.unit != expected {
            return Err(ReadingError::WrongUnit {
                metric: self.metric,
                expected,
                got: self.unit,
            });
        }
        let (min, max) = self.metric.valid_range();
        // `!(a <= v <= b)` also rejects NaN.
        if !(min..=max).contains(&self.value) {
            return Err(ReadingError::OutOfRange {
                metric: self.metric,
                value: self.value,
                min,
                max,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Capability, DeviceKind};
    use chrono::TimeZone;

    fn sensor() -> Device {
        Device {
            id: DeviceId::new("bathroom"),
            name: "Bathroom sensor".into(),
            room: "Bathroom".into(),
            kind: DeviceKind::Thermometer,
            capabilities: vec![Capability::Temperature, Capability::Humidity],
            adapter: "simulator".into(),
        }
    }

    #[test]
    fn validation_table() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let id = DeviceId::new("bathroom");
        let reading = |metric, value| Reading::new(id.clone(), metric, value, at);
        let wrong_unit = Reading {
            unit: Unit::Percent,
            ..reading(Metric::Temperature, 20.0)
        };
        let table = [
            (reading(Metric::Temperature, 21.5), true),
            (reading(Metric::Temperature, -40.0), true),
            (reading(Metric::Temperature, 151.0), false),
            (reading(Metric::Temperature, f64::NAN), false),
            (reading(Metric::Temperature, f64::INFINITY), false),
            (reading(Metric::Humidity, 55.0), true),
            (reading(Metric::Humidity, 100.5), false),
            (reading(Metric::Battery, 80.0), false),
            (wrong_unit, false),
        ];
        for (reading, ok) in table {
            assert_eq!(reading.validate(&sensor()).is_ok(), ok, "{reading:?}");
        }
    }

    #[test]
    fn the_newest_reading_of_each_metric_is_kept_whatever_order_they_arrive_in() {
        let id = DeviceId::new("shed");
        let at = |minute| Utc.with_ymd_and_hms(2026, 11, 26, 12, minute, 0).unwrap();
        let reading = |metric, value, minute| Reading::new(id.clone(), metric, value, at(minute));
        let mut latest = Vec::new();
        // (reading, kept, then the latest temperature and humidity)
        let table = [
            (
                reading(Metric::Temperature, 21.0, 30),
                true,
                (Some(21.0), None),
            ),
            (
                reading(Metric::Humidity, 50.0, 10),
                true,
                (Some(21.0), Some(50.0)),
            ),
            (
                reading(Metric::Temperature, 28.0, 10),
                false,
                (Some(21.0), Some(50.0)),
            ),
            (
                reading(Metric::Temperature, 21.5, 30),
                true,
                (Some(21.5), Some(50.0)),
            ),
            (
                reading(Metric::Temperature, 22.0, 31),
                true,
                (Some(22.0), Some(50.0)),
            ),
        ];
        for (reading, kept, (temperature, humidity)) in table {
            let label = format!("{reading:?}");
            assert_eq!(reading.clone().is_outdated_by(&latest), !kept, "{label}");
            assert_eq!(reading.keep_in(&mut latest), kept, "{label}");
            let value = |metric| {
                latest
                    .iter()
                    .find(|r: &&Reading| r.metric == metric)
                    .map(|r| r.value)
            };
            assert_eq!(
                (value(Metric::Temperature), value(Metric::Humidity)),
                (temperature, humidity),
                "{label}"
            );
        }
        assert_eq!(latest.len(), 2, "one reading per metric");
    }
}
