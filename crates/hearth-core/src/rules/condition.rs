//! Conditions: what must hold at the moment a trigger fires for the rule to
//! run. They read the clock, the sun and the devices' latest values.

use chrono::{NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::Span;
use super::trigger::StateMatch;
use crate::device::DeviceId;
use crate::reading::Metric;
use crate::sun::SunEvent;

/// A test of the world at one instant. In JSON, the kind is under `"type"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Condition {
    And {
        conditions: Vec<Condition>,
    },
    Or {
        conditions: Vec<Condition>,
    },
    Not {
        condition: Box<Condition>,
    },
    /// Local time of day from `after` (inclusive) to `before` (exclusive);
    /// either may be left out. A window whose `after` is later than its
    /// `before` crosses midnight: 22:00 to 06:00 is the night.
    Time {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<NaiveTime>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<NaiveTime>,
    },
    /// The local day of the week is one of these.
    Weekday {
        weekdays: Vec<Weekday>,
    },
    /// After and/or before today's sun events, with offsets. When `after`
    /// falls later in the day than `before` (after sunset, before sunrise),
    /// the window crosses midnight, as a time window does.
    Sun {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<SunBound>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<SunBound>,
    },
    /// The sun's geometric elevation, degrees, above `above` and/or below
    /// `below`.
    Elevation {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        above: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        below: Option<f64>,
    },
    /// A device's latest value of `metric` is above `above` and/or below
    /// `below` (both: between them).
    Numeric {
        device: DeviceId,
        metric: Metric,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        above: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        below: Option<f64>,
    },
    /// A device is on or off, or in a mode: `{"type": "state", "device":
    /// "living-room-ac", "on": true}`.
    State {
        device: DeviceId,
        #[serde(flatten)]
        is: StateMatch,
    },
}

/// A sun event moved by an offset: `{"event": "sunset", "offset": {"minutes": -30}}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SunBound {
    #[serde(flatten)]
    pub event: SunEvent,
    #[serde(default)]
    pub offset: Span,
}
