//! Validation of a rule document against the hub's devices. It reports every
//! problem it finds, each with its path in the document (`triggers[0].threshold`),
//! so the editor can mark every field at once.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use super::{Action, Condition, Crossing, Mode, Rule, Span, StateMatch, SunBound, Trigger};
use crate::device::{Device, DeviceId};
use crate::reading::Metric;

/// One problem in a rule document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Where in the document: `triggers[0].threshold`, `conditions[1].conditions[0]`.
    pub path: String,
    pub message: String,
    pub severity: Severity,
}

/// Errors make a rule unusable (the hub refuses it); warnings point at
/// something that works but is probably not what was meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// The devices a rule may name, looked up by id: a slice of devices, or the
/// engine's [`World`](super::World).
pub trait DeviceCatalog {
    fn device(&self, id: &DeviceId) -> Option<&Device>;
}

impl DeviceCatalog for [Device] {
    fn device(&self, id: &DeviceId) -> Option<&Device> {
        self.iter().find(|device| &device.id == id)
    }
}

/// Every problem with `rule` given the `devices` it may name; empty when the
/// rule is sound. Errors and warnings come in document order.
pub fn validate<C: DeviceCatalog + ?Sized>(rule: &Rule, devices: &C) -> Vec<Diagnostic> {
    let mut check = Checker {
        devices,
        found: Vec::new(),
    };
    check.rule(rule);
    check.found
}

/// Sun offsets beyond this are almost certainly a unit mistake (minutes
/// written as hours); they still work, so they only warn.
const LONGEST_SUN_OFFSET_SECONDS: i64 = 12 * 3600;

/// A schedule tighter than this would flood the hub's traces.
const SHORTEST_EVERY_SECONDS: i64 = 60;

struct Checker<'a, C: ?Sized> {
    devices: &'a C,
    found: Vec<Diagnostic>,
}

impl<'a, C: DeviceCatalog + ?Sized> Checker<'a, C> {
    fn report(&mut self, severity: Severity, path: &str, message: String) {
        self.found.push(Diagnostic {
            path: path.to_owned(),
            message,
            severity,
        });
    }

    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.report(Severity::Error, path, message.into());
    }

    fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.report(Severity::Warning, path, message.into());
    }

    fn rule(&mut self, rule: &Rule) {
        if rule.id.trim().is_empty() {
            self.error("id", "a rule needs an id");
        } else if !rule
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            // The id goes into URLs (`/api/rules/{id}`) as it is.
            self.error(
                "id",
                "an id may hold only ASCII letters, digits, `-` and `_`",
            );
        }
        if rule.name.trim().is_empty() {
            self.error("name", "a rule needs a name");
        }
        match (rule.mode, rule.max) {
            (Mode::Queued, Some(0)) => self.error("max", "a queue must hold at least one run"),
            (Mode::Single | Mode::Restart, Some(_)) => {
                self.warn("max", "`max` only matters in queued mode")
            }
            _ => {}
        }
        if rule.triggers.is_empty() {
            self.error("triggers", "a rule needs at least one trigger");
        }
        if rule.actions.is_empty() {
            self.error("actions", "a rule needs at least one action");
        }
        for (i, trigger) in rule.triggers.iter().enumerate() {
            self.trigger(&format!("triggers[{i}]"), trigger);
        }
        for (i, condition) in rule.conditions.iter().enumerate() {
            self.condition(&format!("conditions[{i}]"), condition);
        }
        for (i, action) in rule.actions.iter().enumerate() {
            self.action(&format!("actions[{i}]"), action);
        }
    }

    fn trigger(&mut self, path: &str, trigger: &Trigger) {
        match trigger {
            Trigger::Sun { offset, .. } => self.sun_offset(&format!("{path}.offset"), *offset),
            Trigger::Elevation { elevation, .. } => {
                self.elevation(&format!("{path}.elevation"), *elevation)
            }
            Trigger::Time { .. } => {}
            Trigger::Every { every, .. } => {
                let at = format!("{path}.every");
                if self.duration(&at, *every) {
                    let seconds = every.delta().num_seconds();
                    if seconds < SHORTEST_EVERY_SECONDS {
                        self.error(&at, "a schedule may run at most once a minute");
                    }
                }
            }
            Trigger::Numeric {
                device,
                metric,
                crossing,
                threshold,
                hysteresis,
                hold,
            } => {
                self.metric(path, device, *metric);
                let (low, high) = metric.valid_range();
                if !(low..=high).contains(threshold) {
                    self.error(
                        &format!("{path}.threshold"),
                        format!(
                            "{} thresholds must be within {low} to {high}, not {threshold}",
                            metric.label()
                        ),
                    );
                }
                if !(*hysteresis >= 0.0 && hysteresis.is_finite()) {
                    self.error(
                        &format!("{path}.hysteresis"),
                        format!("hysteresis must be zero or more, not {hysteresis}"),
                    );
                } else if threshold.is_finite() {
                    // A re-arm level the value can never reach would leave the
                    // trigger fired once and then dead.
                    let rearm = match crossing {
                        Crossing::Above => threshold - hysteresis,
                        Crossing::Below => threshold + hysteresis,
                    };
                    if !(low..=high).contains(&rearm) {
                        self.error(
                            &format!("{path}.hysteresis"),
                            format!(
                                "the trigger would re-arm at {rearm}, which {} never reaches",
                                metric.label().to_lowercase()
                            ),
                        );
                    }
                }
                if let Some(hold) = hold {
                    self.duration(&format!("{path}.for"), *hold);
                }
            }
            Trigger::State {
                device,
                from,
                to,
                hold,
            } => {
                let found = self.device(&format!("{path}.device"), device);
                for (field, value) in [("from", from), ("to", to)] {
                    if let (Some(device), Some(value)) = (found, value) {
                        self.state_match(&format!("{path}.{field}"), device, *value);
                    }
                }
                if let (Some(from), Some(to)) = (from, to) {
                    if from == to {
                        self.error(
                            &format!("{path}.to"),
                            "`from` and `to` are the same, so the state never changes",
                        );
                    } else if std::mem::discriminant(from) != std::mem::discriminant(to) {
                        self.error(
                            &format!("{path}.to"),
                            "`from` and `to` must both be on/off or both be modes",
                        );
                    }
                }
                if let Some(hold) = hold {
                    self.duration(&format!("{path}.for"), *hold);
                }
            }
            Trigger::Unavailable { device, hold } => {
                self.device(&format!("{path}.device"), device);
                self.duration(&format!("{path}.for"), *hold);
            }
        }
    }

    fn condition(&mut self, path: &str, condition: &Condition) {
        match condition {
            Condition::And { conditions } | Condition::Or { conditions } => {
                if conditions.is_empty() {
                    self.error(
                        &format!("{path}.conditions"),
                        "a group needs at least one condition",
                    );
                }
                for (i, inner) in conditions.iter().enumerate() {
                    self.condition(&format!("{path}.conditions[{i}]"), inner);
                }
            }
            Condition::Not { condition } => self.condition(&format!("{path}.condition"), condition),
            Condition::Time { after, before } => self.window(path, *after, *before),
            Condition::Weekday { weekdays } => {
                if weekdays.is_empty() {
                    self.error(&format!("{path}.weekdays"), "no weekday would ever match");
                }
            }
            Condition::Sun { after, before } => {
                if after.is_none() && before.is_none() {
                    self.error(path, "give `after`, `before` or both");
                }
                for (field, bound) in [("after", after), ("before", before)] {
                    if let Some(SunBound { offset, .. }) = bound {
                        self.sun_offset(&format!("{path}.{field}.offset"), *offset);
                    }
                }
            }
            Condition::Elevation { above, below } => {
                if let Some(above) = above {
                    self.elevation(&format!("{path}.above"), *above);
                }
                if let Some(below) = below {
                    self.elevation(&format!("{path}.below"), *below);
                }
                self.range(path, *above, *below);
            }
            Condition::Numeric {
                device,
                metric,
                above,
                below,
            } => {
                self.metric(path, device, *metric);
                for (field, value) in [("above", above), ("below", below)] {
                    if value.is_some_and(|v| !v.is_finite()) {
                        self.error(&format!("{path}.{field}"), "must be a number");
                    }
                }
                self.range(path, *above, *below);
            }
            Condition::State { device, is } => {
                if let Some(found) = self.device(&format!("{path}.device"), device) {
                    let field = match is {
                        StateMatch::On(_) => "on",
                        StateMatch::Mode(_) => "mode",
                    };
                    self.state_match(&format!("{path}.{field}"), found, *is);
                }
            }
        }
    }

    fn action(&mut self, path: &str, action: &Action) {
        match action {
            Action::Command {
                device,
                command,
                min_cycle,
            } => {
                if let Some(found) = self.device(&format!("{path}.device"), device)
                    && let Err(e) = command.validate(found)
                {
                    self.error(&format!("{path}.command"), e.message);
                }
                if let Some(min_cycle) = min_cycle {
                    let at = format!("{path}.min_cycle");
                    if self.duration(&at, *min_cycle) && !super::action::switches(command) {
                        self.warn(&at, "`min_cycle` only guards turning on, off or toggling");
                    }
                }
            }
            Action::TrackSetpoint {
                device,
                source,
                metric,
                offset,
                min,
                max,
            } => {
                let range = self
                    .device(&format!("{path}.device"), device)
                    .map(|found| (found.name.clone(), found.setpoint_range()));
                self.metric_of(&format!("{path}.source"), path, source, *metric);
                if !offset.is_finite() {
                    self.error(&format!("{path}.offset"), "must be a number");
                }
                let bounds_ok = min.is_finite() && max.is_finite();
                if !bounds_ok {
                    self.error(&format!("{path}.min"), "`min` and `max` must be numbers");
                } else if min > max {
                    self.error(
                        &format!("{path}.max"),
                        format!("`max` ({max}) is below `min` ({min})"),
                    );
                }
                match range {
                    Some((name, None)) => {
                        self.error(&format!("{path}.device"), format!("{name} has no setpoint"))
                    }
                    Some((name, Some((low, high, _)))) if bounds_ok => {
                        for (field, value) in [("min", min), ("max", max)] {
                            if !(low..=high).contains(value) {
                                self.error(
                                    &format!("{path}.{field}"),
                                    format!(
                                        "{name} accepts setpoints from {low} to {high} °C, not {value}"
                                    ),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            Action::Delay { wait } => {
                self.duration(&format!("{path}.wait"), *wait);
            }
            Action::Notify { message, .. } => {
                if message.trim().is_empty() {
                    self.error(&format!("{path}.message"), "the message is empty");
                }
            }
        }
    }

    /// The device named `id`, reporting it at `path` when there is none.
    fn device(&mut self, path: &str, id: &DeviceId) -> Option<&'a Device> {
        let devices: &'a C = self.devices;
        let found = devices.device(id);
        if found.is_none() {
            self.error(path, format!("there is no device {id}"));
        }
        found
    }

    /// Checks a `device` + `metric` pair in the object at `path`.
    fn metric(&mut self, path: &str, device: &DeviceId, metric: Metric) {
        self.metric_of(&format!("{path}.device"), path, device, metric);
    }

    fn metric_of(&mut self, device_path: &str, path: &str, device: &DeviceId, metric: Metric) {
        if let Some(found) = self.device(device_path, device)
            && !found.has(metric)
        {
            let message = format!(
                "{} does not report {}",
                found.name,
                metric.label().to_lowercase()
            );
            self.error(&format!("{path}.metric"), message);
        }
    }

    fn state_match(&mut self, path: &str, device: &Device, value: StateMatch) {
        match value {
            StateMatch::On(_) if !device.can_switch() => {
                self.error(path, format!("{} cannot be on or off", device.name))
            }
            StateMatch::Mode(mode) if !device.modes().is_some_and(|m| m.contains(&mode)) => self
                .error(
                    path,
                    format!("{} has no {} mode", device.name, mode.label()),
                ),
            _ => {}
        }
    }

    /// Checks a span that must be a positive duration; true when it is.
    fn duration(&mut self, path: &str, span: Span) -> bool {
        match span.total_seconds() {
            Some(s) if s <= 0 => {
                self.error(path, "must be longer than zero");
                false
            }
            _ if !span.in_range() => {
                self.error(path, "must be at most a year");
                false
            }
            _ => true,
        }
    }

    fn sun_offset(&mut self, path: &str, offset: Span) {
        if !offset.in_range() {
            self.error(path, "must be at most a year");
        } else if offset.delta().num_seconds().abs() > LONGEST_SUN_OFFSET_SECONDS {
            self.warn(
                path,
                "an offset of more than 12 hours lands on another day's sun",
            );
        }
    }

    fn elevation(&mut self, path: &str, elevation: f64) {
        if !(-90.0..=90.0).contains(&elevation) {
            self.error(
                path,
                format!("the sun's elevation is within -90 to 90 degrees, not {elevation}"),
            );
        }
    }

    fn window(&mut self, path: &str, after: Option<NaiveTime>, before: Option<NaiveTime>) {
        match (after, before) {
            (None, None) => self.error(path, "give `after`, `before` or both"),
            (Some(a), Some(b)) if a == b => {
                self.error(&format!("{path}.before"), "the window is empty")
            }
            _ => {}
        }
    }

    /// `above` and `below` both given must leave room between them.
    fn range(&mut self, path: &str, above: Option<f64>, below: Option<f64>) {
        match (above, below) {
            (None, None) => self.error(path, "give `above`, `below` or both"),
            (Some(above), Some(below)) if above >= below => self.error(
                &format!("{path}.below"),
                format!("nothing is above {above} and below {below}"),
            ),
            _ => {}
        }
    }
}
