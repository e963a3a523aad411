//! The device model: what a device is, what it can do, and its controllable state.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::protocol::{FrameError, need};
use crate::reading::Metric;

/// A device's stable identifier, unique within a hub (e.g. `living-room-thermometer`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceId(pub String);

impl DeviceId {
    pub fn new(id: impl Into<String>) -> Self {
        DeviceId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What sort of thing a device is; drives its icon and default card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    Thermometer,
    Light,
    Fan,
    AirConditioner,
    Heater,
    Fridge,
    Switch,
    OccupancySensor,
}

crate::wire_names!(pub DeviceKind {
    Thermometer = "thermometer",
    Light = "light",
    Fan = "fan",
    AirConditioner = "air_conditioner",
    Heater = "heater",
    Fridge = "fridge",
    Switch = "switch",
    OccupancySensor = "occupancy_sensor",
});

impl DeviceKind {
    pub fn label(self) -> &'static str {
        match self {
            DeviceKind::Thermometer => "Thermometer",
            DeviceKind::Light => "Light",
            DeviceKind::Fan => "Fan",
            DeviceKind::AirConditioner => "Air conditioner",
            DeviceKind::Heater => "Heater",
            DeviceKind::Fridge => "Fridge",
            DeviceKind::Switch => "Switch",
            DeviceKind::OccupancySensor => "Occupancy sensor",
        }
    }
}

/// Operating mode of a climate device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HvacMode {
    Cool,
    Heat,
    Auto,
    Dry,
    FanOnly,
}

crate::wire_names!(pub HvacMode {
    Cool = "cool",
    Heat = "heat",
    Auto = "auto",
    Dry = "dry",
    FanOnly = "fan_only",
});

impl HvacMode {
    pub const ALL: [HvacMode; 5] = [
        HvacMode::Cool,
        HvacMode::Heat,
        HvacMode::Auto,
        HvacMode::Dry,
        HvacMode::FanOnly,
    ];

    pub fn label(self) -> &'static str {
        match self {
            HvacMode::Cool => "Cool",
            HvacMode::Heat => "Heat",
            HvacMode::Auto => "Auto",
            HvacMode::Dry => "Dry",
            HvacMode::FanOnly => "Fan only",
        }
    }
}

/// One thing a device can sense or do. Sensing capabilities produce readings;
/// the others accept commands and appear in [`DeviceState`].
///
/// Read through `CapabilityFrame` rather than serde's internally tagged
/// support, for the same reason as `ServerMessage`; the JSON form is the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "CapabilityFrame")]
pub enum Capability {
    Temperature,
    Humidity,
    Battery,
    Occupancy,
    OnOff,
    /// A target temperature in °C, accepted in `step` increments within `[min, max]`.
    Setpoint {
        min: f64,
        max: f64,
        step: f64,
    },
    Mode {
        modes: Vec<HvacMode>,
    },
    /// Fan speed levels `1..=max`.
    FanSpeed {
        max: u8,
    },
}

impl Capability {
    /// The metric this capability reports, if it is a sensing capability.
    pub fn metric(&self) -> Option<Metric> {
        match self {
            Capability::Temperature => Some(Metric::Temperature),
            Capability::Humidity => Some(Metric::Humidity),
            Capability::Battery => Some(Metric::Battery),
            Capability::Occupancy => Some(Metric::Occupancy),
            _ => None,
        }
    }
}

/// The `type` of a [`Capability`].
#[derive(Clone, Copy)]
enum CapabilityKind {
    Temperature,
    Humidity,
    Battery,
    Occupancy,
    OnOff,
    Setpoint,
    Mode,
    FanSpeed,
}

crate::wire_names!(CapabilityKind {
    Temperature = "temperature",
    Humidity = "humidity",
    Battery = "battery",
    Occupancy = "occupancy",
    OnOff = "on_off",
    Setpoint = "setpoint",
    Mode = "mode",
    FanSpeed = "fan_speed",
});

/// Every field any [`Capability`] has. `max` is a float here because a
/// setpoint's is; a fan's must be a whole number from 0 to 255.
#[derive(Deserialize)]
struct CapabilityFrame {
    #[serde(rename = "type")]
    kind: CapabilityKind,
    min: Option<f64>,
    max: Option<f64>,
    step: Option<f64>,
    modes: Option<Vec<HvacMode>>,
}

impl TryFrom<CapabilityFrame> for Capability {
    type Error = FrameError;

    fn try_from(frame: CapabilityFrame) -> Result<Self, FrameError> {
        Ok(match frame.kind {
            CapabilityKind::Temperature => Capability::Temperature,
            CapabilityKind::Humidity => Capability::Humidity,
            CapabilityKind::Battery => Capability::Battery,
            CapabilityKind::Occupancy => Capability::Occupancy,
            CapabilityKind::OnOff => Capability::OnOff,
            CapabilityKind::Setpoint => Capability::Setpoint {
                min: need(frame.min, "min")?,
                max: need(frame.max, "max")?,
                step: need(frame.step, "step")?,
            },
            CapabilityKind::Mode => Capability::Mode {
                modes: need(frame.modes, "modes")?,
            },
            CapabilityKind::FanSpeed => {
                let max = need(frame.max, "max")?;
                if max.fract() != 0.0 || !(0.0..=255.0).contains(&max) {
                    return Err(FrameError::Invalid(
                        "a fan speed `max` must be a whole number from 0 to 255",
                    ));
                }
                Capability::FanSpeed { max: max as u8 }
            }
        })
    }
}

/// A device as the hub knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: DeviceId,
    pub name: String,
    /// The room (or area) the device belongs to; the dashboard groups cards by it.
    pub room: String,
    pub kind: DeviceKind,
    pub capabilities: Vec<Capability>,
    /// Which adapter owns the device (`simulator`, `mqtt`, ...); commands go through it.
    pub adapter: String,
}

impl Device {
    pub fn has(&self, metric: Metric) -> bool {
        self.capabilities.iter().any(|c| c.metric() == Some(metric))
    }

    pub fn can_switch(&self) -> bool {
        self.capabilities.contains(&Capability::OnOff)
    }

    pub fn setpoint_range(&self) -> Option<(f64, f64, f64)> {
        self.capabilities.iter().find_map(|c| match c {
            Capability::Setpoint { min, max, step } => Some((*min, *max, *step)),
            _ => None,
        })
    }

    pub fn modes(&self) -> Option<&[HvacMode]> {
        self.capabilities.iter().find_map(|c| match c {
            Capability::Mode { modes } => Some(modes.as_slice()),
            _ => None,
        })
    }

    pub fn max_fan_speed(&self) -> Option<u8> {
        self.capabilities.iter().find_map(|c| match c {
            Capability::FanSpeed { max } => Some(*max),
            _ => None,
        })
    }

    /// The sensing metrics of this device, in capability order.
    pub fn metrics(&self) -> impl Iterator<Item = Metric> + '_ {
        self.capabilities.iter().filter_map(Capability::metric)
    }
}

/// The controllable state of a device. A field is `None` when the device has no
/// such capability (or its value is not yet known).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<bool>,
    /// Target temperature in °C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setpoint: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<HvacMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_speed: Option<u8>,
}
