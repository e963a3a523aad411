//! Automation rules: the document a user writes ("when it gets dark, turn the
//! porch light on"), its validation, and its pure evaluation. The hub runs
//! rules against its event stream and clock; the dashboard calls the same
//! functions to preview them, so both always agree on what a rule will do.
//!
//! A [`Rule`] has triggers (any one starts it), conditions (all must hold at
//! that moment) and actions (run in order). `docs/automations.md` documents
//! the JSON form, the engine's semantics and the templates.
//!
//! - [`validate`] reports every problem in a rule with its path.
//! - [`evaluate`] is the engine: `(rule, memory, world, event, now) ->
//!   (memory, decisions)`. [`RuleMemory`] is plain data the hub persists, so
//!   pending holds survive a restart; a firing's actions come back as a plan
//!   of timed [`Step`]s for the hub's runner to carry out.
//! - [`next_firings`] predicts the clock-driven triggers, and
//!   [`next_deadline`] the pending holds, so the runner knows when to wake.
//! - [`replay`] answers when a rule would have fired against stored
//!   readings.
//! - [`templates`] are the automations Hearth ships.
//! - [`Offsets`] is a zone as a table of offsets, for the browser to preview
//!   rules in the hub's zone without a tz database.
//! - [`Trace`], [`RuleStatus`] and their kin are what the hub's REST API
//!   reports about running rules.
//!
//! Like the sun module, nothing here reads a clock or a time-zone database:
//! the instant is an argument and the site's zone any `chrono::TimeZone`.

use std::fmt;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::sun::{SunEvent, Twilight};

mod action;
mod condition;
mod decode;
mod engine;
mod replay;
mod schedule;
mod summary;
mod templates;
mod trace;
mod trigger;
mod validate;
mod world;
mod zone;

#[cfg(test)]
mod tests;

pub use action::{Action, NotifyLevel, Step};
pub use condition::{Condition, ConditionResult, SunBound};
pub use engine::{
    Decision, Firing, GRACE, RuleMemory, Run, TriggerMemory, evaluate, next_deadline, run_now,
};
pub use replay::{replay, watched};
pub use schedule::{Upcoming, next_firings};
pub use summary::summary;
pub use templates::{
    Template, cool_when_hot, fridge_alert, lights_at_dusk, lights_off_when_empty,
    setpoint_follows_outdoor, templates,
};
pub use trace::{Notification, Outcome, Replayed, RuleSaved, RuleStatus, StepResult, Trace};
pub use trigger::{Crossing, StateMatch, Trigger};
pub use validate::{DeviceCatalog, Diagnostic, Severity, validate};
pub use world::{Event, World};
pub use zone::{OffsetChange, Offsets, SiteZone, ZoneOffset};

/// One automation, as stored by the hub and edited in the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable identifier, unique within a hub (e.g. `porch-light-at-dusk`).
    pub id: String,
    pub name: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// What happens when a trigger fires while an earlier run is still going
    /// (waiting out a delay).
    #[serde(default)]
    pub mode: Mode,
    /// How many runs `queued` mode holds, the running one included; ignored
    /// by the other modes. [`DEFAULT_QUEUE`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    pub triggers: Vec<Trigger>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
}

fn enabled_by_default() -> bool {
    true
}

/// How many runs `queued` mode holds when the rule names no `max`; Home
/// Assistant's default.
pub const DEFAULT_QUEUE: u32 = 10;

/// Re-triggering while running, as Home Assistant defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A trigger that fires during a run is ignored.
    #[default]
    Single,
    /// The running run is cancelled and a new one starts.
    Restart,
    /// The new run starts when the earlier ones have finished, up to `max`.
    Queued,
}

/// A length of time written the way people write it: `{"minutes": 10}`,
/// `{"hours": 1, "minutes": 30}`. Parts may be negative (a sun offset of
/// `{"minutes": -30}` is half an hour before the event); fields that mean a
/// duration are checked to be positive by validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Span {
    #[serde(default, skip_serializing_if = "is_zero_part")]
    pub hours: i64,
    #[serde(default, skip_serializing_if = "is_zero_part")]
    pub minutes: i64,
    #[serde(default, skip_serializing_if = "is_zero_part")]
    pub seconds: i64,
}

fn is_zero_part(n: &i64) -> bool {
    *n == 0
}

/// Longer than any span a rule has reason to use; validation refuses more,
/// and the engine clamps to it so arithmetic on instants cannot overflow.
const LONGEST_SPAN_SECONDS: i64 = 366 * 24 * 3600;

impl Span {
    pub const fn hours(hours: i64) -> Span {
        Span {
            hours,
            minutes: 0,
            seconds: 0,
        }
    }

    pub const fn minutes(minutes: i64) -> Span {
        Span {
            hours: 0,
            minutes,
            seconds: 0,
        }
    }

    pub const fn seconds(seconds: i64) -> Span {
        Span {
            hours: 0,
            minutes: 0,
            seconds,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.total_seconds() == Some(0)
    }

    /// The whole span in seconds, or `None` if it does not fit an `i64`.
    pub fn total_seconds(self) -> Option<i64> {
        self.hours
            .checked_mul(3600)?
            .checked_add(self.minutes.checked_mul(60)?)?
            .checked_add(self.seconds)
    }

    /// Whether the span is within a year either way, the most any field accepts.
    pub fn in_range(self) -> bool {
        self.total_seconds()
            .is_some_and(|s| s.abs() <= LONGEST_SPAN_SECONDS)
    }

    /// The span as a chrono duration, clamped to a year either way.
    pub fn delta(self) -> TimeDelta {
        let seconds = self
            .total_seconds()
            .unwrap_or(i64::MAX)
            .clamp(-LONGEST_SPAN_SECONDS, LONGEST_SPAN_SECONDS);
        TimeDelta::seconds(seconds)
    }
}

/// `10 min`, `1 h 30 min`, `-45 s`; with `{:+}`, positive spans get a `+`.
impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.delta().num_seconds();
        let sign = if total < 0 {
            "-"
        } else if f.sign_plus() {
            "+"
        } else {
            ""
        };
        let (hours, minutes, seconds) =
            (total.abs() / 3600, total.abs() / 60 % 60, total.abs() % 60);
        let parts: Vec<String> = [(hours, "h"), (minutes, "min"), (seconds, "s")]
            .into_iter()
            .filter(|(n, _)| *n != 0)
            .map(|(n, unit)| format!("{n} {unit}"))
            .collect();
        if parts.is_empty() {
            f.write_str("0 min")
        } else {
            write!(f, "{sign}{}", parts.join(" "))
        }
    }
}

/// A sun event in words: `sunset`, `civil dusk`, `solar noon`.
fn sun_label(event: SunEvent) -> String {
    let depth = |twilight: Twilight| match twilight {
        Twilight::Civil => "civil",
        Twilight::Nautical => "nautical",
        Twilight::Astronomical => "astronomical",
    };
    match event {
        SunEvent::Sunrise => "sunrise".to_owned(),
        SunEvent::Sunset => "sunset".to_owned(),
        SunEvent::SolarNoon => "solar noon".to_owned(),
        SunEvent::Dawn(twilight) => format!("{} dawn", depth(twilight)),
        SunEvent::Dusk(twilight) => format!("{} dusk", depth(twilight)),
    }
}
