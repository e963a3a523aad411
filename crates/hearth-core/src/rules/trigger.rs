//! Triggers: the moments that start a rule. Some are instants on the clock
//! (sun events, elevation crossings, times of day, schedules); the others are
//! edges in what devices report (a value crossing a threshold, a state
//! changing, a device going quiet).

use chrono::{NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::Span;
use crate::device::{DeviceId, DeviceState, HvacMode};
use crate::reading::Metric;
use crate::sun::{Direction, SunEvent};

/// What starts a rule. In JSON, the kind is under `"type"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Trigger {
    /// A named sun event at the site, moved by `offset` (negative: before).
    /// `{"type": "sun", "event": "dusk", "twilight": "civil", "offset": {"minutes": 15}}`
    Sun {
        #[serde(flatten)]
        event: SunEvent,
        #[serde(default, skip_serializing_if = "Span::is_zero")]
        offset: Span,
    },
    /// The sun's centre crossing `elevation` degrees (geometric, as
    /// [`crate::sun::position`] gives it) going up or down.
    Elevation {
        elevation: f64,
        direction: Direction,
    },
    /// A local time of day in the site's zone, on the given weekdays (every
    /// day when empty).
    Time {
        at: NaiveTime,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        weekdays: Vec<Weekday>,
    },
    /// Every `every` through each local day, starting at `from` (midnight
    /// when absent): `from`, `from + every`, ... up to the day's end.
    Every {
        every: Span,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<NaiveTime>,
    },
    /// A device's metric crossing `threshold` in the `crossing` direction, and
    /// staying past it for `for` when given. After firing, the trigger re-arms
    /// only once the value is back `hysteresis` beyond the threshold, so a
    /// value hovering at it does not fire again and again.
    Numeric {
        device: DeviceId,
        metric: Metric,
        crossing: Crossing,
        threshold: f64,
        #[serde(default, skip_serializing_if = "is_zero")]
        hysteresis: f64,
        #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
        hold: Option<Span>,
    },
    /// A device's on/off state or mode changing `from` one value `to` another
    /// (either may be left out), and staying so for `for` when given.
    State {
        device: DeviceId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<StateMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<StateMatch>,
        #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
        hold: Option<Span>,
    },
    /// Nothing heard from a device (no reading, no state) for `for`. Fires
    /// once per silence.
    Unavailable {
        device: DeviceId,
        #[serde(rename = "for")]
        hold: Span,
    },
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

/// Which way a value must cross its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Crossing {
    /// From at or below the threshold to above it.
    Above,
    /// From at or above the threshold to below it.
    Below,
}

impl Crossing {
    pub fn label(self) -> &'static str {
        match self {
            Crossing::Above => "above",
            Crossing::Below => "below",
        }
    }

    /// Whether `value` is past `threshold` in this direction.
    pub fn past(self, value: f64, threshold: f64) -> bool {
        match self {
            Crossing::Above => value > threshold,
            Crossing::Below => value < threshold,
        }
    }

    /// Whether `value` is back far enough on the other side to re-arm.
    pub fn reset(self, value: f64, threshold: f64, hysteresis: f64) -> bool {
        match self {
            Crossing::Above => value <= threshold - hysteresis,
            Crossing::Below => value >= threshold + hysteresis,
        }
    }
}

/// One value of a device's controllable state: `{"on": true}` or
/// `{"mode": "cool"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateMatch {
    On(bool),
    Mode(HvacMode),
}

impl StateMatch {
    pub fn matches(self, state: &DeviceState) -> bool {
        match self {
            StateMatch::On(on) => state.on == Some(on),
            StateMatch::Mode(mode) => state.mode == Some(mode),
        }
    }

    /// Whether the part of the state this looks at differs between `a` and `b`.
    pub fn changed(self, a: &DeviceState, b: &DeviceState) -> bool {
        match self {
            StateMatch::On(_) => a.on != b.on,
            StateMatch::Mode(_) => a.mode != b.mode,
        }
    }
}
