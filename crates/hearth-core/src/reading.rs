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
}
