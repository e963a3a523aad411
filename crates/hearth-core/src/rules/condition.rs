//! Conditions: what must hold at the moment a trigger fires for the rule to
//! run. They read the clock, the sun and the devices' latest values.

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::decode::{SunName, TextOr, need, sun_event, time_of_day};
use super::engine::Context;
use super::trigger::StateMatch;
use super::{Span, sun_label};
use crate::device::{DeviceId, DeviceState, HvacMode};
use crate::reading::Metric;
use crate::sun::{self, SunEvent, Twilight};

/// A test of the world at one instant. In JSON, the kind is under `"type"`.
///
/// Read through `ConditionFrame` rather than serde's internally tagged
/// support (see the `decode` module); the JSON form is the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "ConditionFrame")]
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
#[serde(try_from = "SunBoundFrame")]
pub struct SunBound {
    #[serde(flatten)]
    pub event: SunEvent,
    #[serde(default, skip_serializing_if = "Span::is_zero")]
    pub offset: Span,
}

/// A [`SunBound`] as written, read without the buffering `flatten` needs.
#[derive(Deserialize)]
struct SunBoundFrame {
    event: Option<SunName>,
    twilight: Option<Twilight>,
    offset: Option<Span>,
}

impl TryFrom<SunBoundFrame> for SunBound {
    type Error = String;

    fn try_from(frame: SunBoundFrame) -> Result<Self, String> {
        Ok(SunBound {
            event: sun_event(frame.event, frame.twilight)?,
            offset: frame.offset.unwrap_or_default(),
        })
    }
}

#[derive(Clone, Copy)]
enum ConditionKind {
    And,
    Or,
    Not,
    Time,
    Weekday,
    Sun,
    Elevation,
    Numeric,
    State,
}

crate::wire_names!(ConditionKind {
    And = "and",
    Or = "or",
    Not = "not",
    Time = "time",
    Weekday = "weekday",
    Sun = "sun",
    Elevation = "elevation",
    Numeric = "numeric",
    State = "state",
});

/// Every field any [`Condition`] has, each optional; `Condition::try_from`
/// then checks that the fields the `type` needs are present.
#[derive(Deserialize)]
struct ConditionFrame {
    #[serde(rename = "type")]
    kind: ConditionKind,
    conditions: Option<Vec<Condition>>,
    condition: Option<Box<Condition>>,
    /// A time of day for `time`, a sun event for `sun`.
    after: Option<TextOr<SunBound>>,
    before: Option<TextOr<SunBound>>,
    weekdays: Option<Vec<Weekday>>,
    above: Option<f64>,
    below: Option<f64>,
    device: Option<DeviceId>,
    metric: Option<Metric>,
    on: Option<bool>,
    mode: Option<HvacMode>,
}

impl TryFrom<ConditionFrame> for Condition {
    type Error = String;

    fn try_from(frame: ConditionFrame) -> Result<Self, String> {
        let sun_bound = |bound: Option<TextOr<SunBound>>| match bound {
            None => Ok(None),
            Some(TextOr::Map(bound)) => Ok(Some(bound)),
            Some(TextOr::Text(text)) => Err(format!(
                "invalid type: string {text:?}, expected struct SunBound"
            )),
        };
        Ok(match frame.kind {
            ConditionKind::And => Condition::And {
                conditions: need(frame.conditions, "conditions")?,
            },
            ConditionKind::Or => Condition::Or {
                conditions: need(frame.conditions, "conditions")?,
            },
            ConditionKind::Not => Condition::Not {
                condition: need(frame.condition, "condition")?,
            },
            ConditionKind::Time => Condition::Time {
                after: time_of_day(frame.after)?,
                before: time_of_day(frame.before)?,
            },
            ConditionKind::Weekday => Condition::Weekday {
                weekdays: need(frame.weekdays, "weekdays")?,
            },
            ConditionKind::Sun => Condition::Sun {
                after: sun_bound(frame.after)?,
                before: sun_bound(frame.before)?,
            },
            ConditionKind::Elevation => Condition::Elevation {
                above: frame.above,
                below: frame.below,
            },
            ConditionKind::Numeric => Condition::Numeric {
                device: need(frame.device, "device")?,
                metric: need(frame.metric, "metric")?,
                above: frame.above,
                below: frame.below,
            },
            ConditionKind::State => Condition::State {
                device: need(frame.device, "device")?,
                is: match (frame.on, frame.mode) {
                    (Some(on), _) => StateMatch::On(on),
                    (None, Some(mode)) => StateMatch::Mode(mode),
                    (None, None) => return Err("missing field `on` or `mode`".to_owned()),
                },
            },
        })
    }
}

/// One condition's result in a trace: where it is in the document, whether it
/// held, and what it saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionResult {
    /// `conditions[0]`, `conditions[1].conditions[0]`, ...
    pub path: String,
    pub passed: bool,
    pub why: String,
}

/// Evaluates `condition` at `path`, appending its result (before those of
/// the conditions inside it) to `trace`. Groups evaluate every member rather
/// than stopping early, so the trace explains all of them.
pub(super) fn check<Tz: TimeZone>(
    condition: &Condition,
    path: String,
    context: &Context<'_, Tz>,
    trace: &mut Vec<ConditionResult>,
) -> bool {
    let slot = trace.len();
    trace.push(ConditionResult {
        path: path.clone(),
        passed: false,
        why: String::new(),
    });
    let (passed, why) = match condition {
        Condition::And { conditions } | Condition::Or { conditions } => {
            let held = conditions
                .iter()
                .enumerate()
                .filter(|(i, inner)| {
                    check(inner, format!("{path}.conditions[{i}]"), context, trace)
                })
                .count();
            let passed = match condition {
                Condition::And { .. } => held == conditions.len(),
                _ => held > 0,
            };
            (passed, format!("{held} of {} hold", conditions.len()))
        }
        Condition::Not { condition } => {
            let inner = check(condition, format!("{path}.condition"), context, trace);
            let why = if inner {
                "the condition inside holds"
            } else {
                "the condition inside does not hold"
            };
            (!inner, why.to_owned())
        }
        Condition::Time { after, before } => {
            let local = context.local().time();
            (
                in_window(local, *after, *before),
                format!("the local time is {}", local.format("%H:%M:%S")),
            )
        }
        Condition::Weekday { weekdays } => {
            let today = context.local().weekday();
            (weekdays.contains(&today), format!("today is {today}"))
        }
        Condition::Sun { after, before } => sun_window(context, after.as_ref(), before.as_ref()),
        Condition::Elevation { above, below } => {
            let elevation = sun::position(context.site, context.now).elevation;
            (
                above.is_none_or(|above| elevation > above)
                    && below.is_none_or(|below| elevation < below),
                format!("the sun is at {elevation:.1}°"),
            )
        }
        Condition::Numeric {
            device,
            metric,
            above,
            below,
        } => match context.world.value(device, *metric) {
            Some(value) => (
                above.is_none_or(|above| value > above) && below.is_none_or(|below| value < below),
                format!("{device} {} is {value}", metric.label().to_lowercase()),
            ),
            None => (
                false,
                format!(
                    "no {} reading from {device} yet",
                    metric.label().to_lowercase()
                ),
            ),
        },
        Condition::State { device, is } => match context.world.state(device) {
            Some(state) => (
                is.matches(state),
                format!("{device} is {}", describe(state)),
            ),
            None => (false, format!("the state of {device} is unknown")),
        },
    };
    trace[slot].passed = passed;
    trace[slot].why = why;
    passed
}

/// Whether `time` is in `[after, before)`, a window that crosses midnight
/// when `after` is later than `before`.
fn in_window(time: NaiveTime, after: Option<NaiveTime>, before: Option<NaiveTime>) -> bool {
    match (after, before) {
        (Some(after), Some(before)) if after <= before => after <= time && time < before,
        (Some(after), Some(before)) => time >= after || time < before,
        (Some(after), None) => time >= after,
        (None, Some(before)) => time < before,
        (None, None) => true,
    }
}

/// The sun condition: today's bounds, and whether now falls between them
/// (across midnight when `after` comes later in the day than `before`).
fn sun_window<Tz: TimeZone>(
    context: &Context<'_, Tz>,
    after: Option<&SunBound>,
    before: Option<&SunBound>,
) -> (bool, String) {
    let today = context.local().date_naive();
    let mut bounds = Vec::new();
    for bound in [after, before] {
        bounds.push(match bound {
            None => None,
            Some(bound) => match sun::event_on(context.site, context.tz, today, bound.event) {
                Some(at) => Some(at + bound.offset.delta()),
                None => {
                    return (false, format!("no {} here today", sun_label(bound.event)));
                }
            },
        });
    }
    let now = context.now;
    let passed = match (bounds[0], bounds[1]) {
        (Some(after), Some(before)) if after <= before => after <= now && now < before,
        (Some(after), Some(before)) => now >= after || now < before,
        (Some(after), None) => now >= after,
        (None, Some(before)) => now < before,
        (None, None) => true,
    };
    let show = |at: Option<DateTime<Utc>>| {
        at.map(|at| {
            at.with_timezone(context.tz)
                .naive_local()
                .format("%H:%M")
                .to_string()
        })
    };
    let why = match (show(bounds[0]), show(bounds[1])) {
        (Some(a), Some(b)) => format!("the window today is {a} to {b}"),
        (Some(a), None) => format!("today's bound is after {a}"),
        (None, Some(b)) => format!("today's bound is before {b}"),
        (None, None) => "no bounds".to_owned(),
    };
    (passed, why)
}

/// A device state in words, for traces.
fn describe(state: &DeviceState) -> String {
    let on = match state.on {
        Some(true) => "on",
        Some(false) => "off",
        None => "of unknown power",
    };
    match state.mode {
        Some(mode) => format!("{on}, in {} mode", mode.label().to_lowercase()),
        None => on.to_owned(),
    }
}
