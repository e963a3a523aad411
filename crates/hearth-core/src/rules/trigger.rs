//! Triggers: the moments that start a rule. Some are instants on the clock
//! (sun events, elevation crossings, times of day, schedules); the others are
//! edges in what devices report (a value crossing a threshold, a state
//! changing, a device going quiet).

use std::fmt;

use chrono::{NaiveTime, Weekday};
use serde::de::{self, IgnoredAny, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::Span;
use super::decode::{SunName, TextOr, need, sun_event, time_of_day};
use crate::device::{DeviceId, DeviceState, HvacMode};
use crate::reading::Metric;
use crate::sun::{Direction, SunEvent, Twilight};

/// What starts a rule. In JSON, the kind is under `"type"`.
///
/// Read through `TriggerFrame` rather than serde's internally tagged support
/// (see the `decode` module); the JSON form is the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "TriggerFrame")]
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

#[derive(Clone, Copy)]
enum TriggerKind {
    Sun,
    Elevation,
    Time,
    Every,
    Numeric,
    State,
    Unavailable,
}

crate::wire_names!(TriggerKind {
    Sun = "sun",
    Elevation = "elevation",
    Time = "time",
    Every = "every",
    Numeric = "numeric",
    State = "state",
    Unavailable = "unavailable",
});

/// Every field any [`Trigger`] has, each optional; `Trigger::try_from` then
/// checks that the fields the `type` needs are present.
#[derive(Deserialize)]
struct TriggerFrame {
    #[serde(rename = "type")]
    kind: TriggerKind,
    event: Option<SunName>,
    twilight: Option<Twilight>,
    offset: Option<Span>,
    elevation: Option<f64>,
    direction: Option<Direction>,
    at: Option<NaiveTime>,
    weekdays: Option<Vec<Weekday>>,
    every: Option<Span>,
    /// A time of day for `every`, a state for `state`.
    from: Option<TextOr<StateMatch>>,
    device: Option<DeviceId>,
    metric: Option<Metric>,
    crossing: Option<Crossing>,
    threshold: Option<f64>,
    hysteresis: Option<f64>,
    to: Option<StateMatch>,
    #[serde(rename = "for")]
    hold: Option<Span>,
}

impl TryFrom<TriggerFrame> for Trigger {
    type Error = String;

    fn try_from(frame: TriggerFrame) -> Result<Self, String> {
        Ok(match frame.kind {
            TriggerKind::Sun => Trigger::Sun {
                event: sun_event(frame.event, frame.twilight)?,
                offset: frame.offset.unwrap_or_default(),
            },
            TriggerKind::Elevation => Trigger::Elevation {
                elevation: need(frame.elevation, "elevation")?,
                direction: need(frame.direction, "direction")?,
            },
            TriggerKind::Time => Trigger::Time {
                at: need(frame.at, "at")?,
                weekdays: frame.weekdays.unwrap_or_default(),
            },
            TriggerKind::Every => Trigger::Every {
                every: need(frame.every, "every")?,
                from: time_of_day(frame.from)?,
            },
            TriggerKind::Numeric => Trigger::Numeric {
                device: need(frame.device, "device")?,
                metric: need(frame.metric, "metric")?,
                crossing: need(frame.crossing, "crossing")?,
                threshold: need(frame.threshold, "threshold")?,
                hysteresis: frame.hysteresis.unwrap_or_default(),
                hold: frame.hold,
            },
            TriggerKind::State => Trigger::State {
                device: need(frame.device, "device")?,
                from: match frame.from {
                    None => None,
                    Some(TextOr::Map(state)) => Some(state),
                    Some(TextOr::Text(text)) => {
                        return Err(format!("unknown variant `{text}`, expected `on` or `mode`"));
                    }
                },
                to: frame.to,
                hold: frame.hold,
            },
            TriggerKind::Unavailable => Trigger::Unavailable {
                device: need(frame.device, "device")?,
                hold: need(frame.hold, "for")?,
            },
        })
    }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StateMatch {
    On(bool),
    Mode(HvacMode),
}

#[derive(Clone, Copy)]
enum StateKey {
    On,
    Mode,
}

crate::wire_names!(StateKey {
    On = "on",
    Mode = "mode",
});

/// Read by hand so a trigger's `from`, which may also be a time of day, can
/// hand it the map it found; the messages are serde's for such an enum.
impl<'de> Deserialize<'de> for StateMatch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StateMatchVisitor)
    }
}

struct StateMatchVisitor;

impl<'de> Visitor<'de> for StateMatchVisitor {
    type Value = StateMatch;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("map with a single key")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<StateMatch, E> {
        Err(E::unknown_variant(name, &["on", "mode"]))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StateMatch, A::Error> {
        let state = match map.next_key()? {
            Some(StateKey::On) => StateMatch::On(map.next_value()?),
            Some(StateKey::Mode) => StateMatch::Mode(map.next_value()?),
            None => return Err(de::Error::invalid_value(Unexpected::Map, &self)),
        };
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_value(Unexpected::Map, &self));
        }
        Ok(state)
    }
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
