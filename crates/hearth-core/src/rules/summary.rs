//! A rule in one line of plain words ("At dusk +15 min, if the porch light is
//! off: turn the porch light on"), for rule lists. It lives in core so the
//! dashboard and the hub word a rule the same way.

use chrono::{NaiveTime, Timelike, Weekday};

use super::{
    Action, Condition, Crossing, DeviceCatalog, NotifyLevel, Rule, Span, StateMatch, SunBound,
    Trigger, sun_label,
};
use crate::command::Command;
use crate::device::DeviceId;
use crate::reading::Metric;
use crate::sun::{Direction, SunEvent, Twilight};

/// `rule` as a sentence: its triggers (joined by "or"), its conditions when
/// it has any ("if …", joined by "and"), then its actions in order. Devices
/// are named by their names in `devices`, or by their ids when unknown.
pub fn summary<C: DeviceCatalog + ?Sized>(rule: &Rule, devices: &C) -> String {
    let words = Words { devices };
    let triggers: Vec<String> = rule.triggers.iter().map(|t| words.trigger(t)).collect();
    let mut line = capitalise(&triggers.join(" or "));
    if !rule.conditions.is_empty() {
        let conditions: Vec<String> = rule.conditions.iter().map(|c| words.condition(c)).collect();
        line.push_str(", if ");
        line.push_str(&conditions.join(" and "));
    }
    let actions: Vec<String> = rule.actions.iter().map(|a| words.action(a)).collect();
    line.push_str(": ");
    line.push_str(&actions.join(", then "));
    line
}

struct Words<'a, C: ?Sized> {
    devices: &'a C,
}

impl<C: DeviceCatalog + ?Sized> Words<'_, C> {
    /// "the porch light" for a device named "Porch light"; a name that
    /// starts with an initialism ("AC") keeps its capitals.
    fn device(&self, id: &DeviceId) -> String {
        let Some(device) = self.devices.device(id) else {
            return id.as_str().to_owned();
        };
        let mut chars = device.name.chars();
        let name = match (chars.next(), chars.clone().next()) {
            (Some(first), second) if !second.is_some_and(char::is_uppercase) => {
                std::iter::once(first.to_ascii_lowercase())
                    .chain(chars)
                    .collect()
            }
            _ => device.name.clone(),
        };
        format!("the {name}")
    }

    fn metric(&self, id: &DeviceId, metric: Metric) -> String {
        format!(
            "{}'s {}",
            self.device(id),
            metric.label().to_ascii_lowercase()
        )
    }

    fn trigger(&self, trigger: &Trigger) -> String {
        match trigger {
            Trigger::Sun { event, offset } => format!("at {}", sun_moment(*event, *offset)),
            Trigger::Elevation {
                elevation,
                direction,
            } => match direction {
                Direction::Rising => format!("when the sun rises above {}°", number(*elevation)),
                Direction::Setting => format!("when the sun sets below {}°", number(*elevation)),
            },
            Trigger::Time { at, weekdays } => {
                format!("at {}{}", clock(*at), on_days(weekdays))
            }
            Trigger::Every { every, from } => match from {
                Some(from) => format!("every {every} from {}", clock(*from)),
                None => format!("every {every}"),
            },
            Trigger::Numeric {
                device,
                metric: Metric::Occupancy,
                crossing,
                hold,
                ..
            } => {
                let state = match crossing {
                    Crossing::Above => "occupied",
                    Crossing::Below => "empty",
                };
                match hold {
                    Some(hold) => {
                        format!("when {} has been {state} for {hold}", self.device(device))
                    }
                    None => format!("when {} becomes {state}", self.device(device)),
                }
            }
            Trigger::Numeric {
                device,
                metric,
                crossing,
                threshold,
                hold,
                ..
            } => {
                let value = quantity(*threshold, *metric);
                let held = hold.map(|h| format!(" for {h}")).unwrap_or_default();
                format!(
                    "when {} goes {} {value}{held}",
                    self.metric(device, *metric),
                    crossing.label()
                )
            }
            Trigger::State {
                device,
                from,
                to,
                hold,
            } => {
                let device = self.device(device);
                match (from, to, hold) {
                    (_, Some(to), Some(hold)) => {
                        format!("when {device} has been {} for {hold}", state(*to))
                    }
                    (Some(from), Some(to), None) => {
                        format!("when {device} goes from {} to {}", bare(*from), bare(*to))
                    }
                    (None, Some(to), None) => format!("when {device} {}", turns(*to)),
                    (Some(from), None, _) => {
                        format!("when {device} is no longer {}", state(*from))
                    }
                    (None, None, _) => format!("when {device} changes state"),
                }
            }
            Trigger::Unavailable { device, hold } => {
                format!(
                    "when nothing is heard from {} for {hold}",
                    self.device(device)
                )
            }
        }
    }

    fn condition(&self, condition: &Condition) -> String {
        match condition {
            Condition::And { conditions } => self.group(conditions, " and "),
            Condition::Or { conditions } => self.group(conditions, " or "),
            Condition::Not { condition } => format!("not ({})", self.condition(condition)),
            Condition::Time { after, before } => {
                window(after.map(clock), before.map(clock), "at any time")
            }
            Condition::Weekday { weekdays } => on_days(weekdays).trim_start().to_owned(),
            Condition::Sun { after, before } => {
                let moment = |bound: &SunBound| sun_moment(bound.event, bound.offset);
                window(
                    after.as_ref().map(moment),
                    before.as_ref().map(moment),
                    "at any time",
                )
            }
            Condition::Elevation { above, below } => {
                let range = range(
                    above.map(|d| format!("{}°", number(d))),
                    below.map(|d| format!("{}°", number(d))),
                );
                format!("the sun is {range}")
            }
            Condition::Numeric {
                device,
                metric,
                above,
                below,
            } => {
                let value = |v: f64| quantity(v, *metric);
                let range = range(above.map(value), below.map(value));
                format!("{} is {range}", self.metric(device, *metric))
            }
            Condition::State { device, is } => format!("{} is {}", self.device(device), state(*is)),
        }
    }

    fn group(&self, conditions: &[Condition], joiner: &str) -> String {
        let parts: Vec<String> = conditions.iter().map(|c| self.condition(c)).collect();
        format!("({})", parts.join(joiner))
    }

    fn action(&self, action: &Action) -> String {
        match action {
            Action::Command {
                device,
                command,
                min_cycle,
            } => {
                let device = self.device(device);
                let done = match command {
                    Command::TurnOn => format!("turn {device} on"),
                    Command::TurnOff => format!("turn {device} off"),
                    Command::Toggle => format!("toggle {device}"),
                    Command::SetSetpoint { value } => {
                        format!("set {device} to {} °C", number(*value))
                    }
                    Command::SetMode { mode } => {
                        format!("set {device} to {} mode", mode.label().to_ascii_lowercase())
                    }
                    Command::SetFanSpeed { speed } => format!("set {device}'s fan to {speed}"),
                };
                match min_cycle {
                    Some(cycle) => format!("{done} (at least {cycle} between switches)"),
                    None => done,
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
                let shift = if *offset == 0.0 {
                    String::new()
                } else {
                    let sign = if *offset > 0.0 { "+" } else { "" };
                    format!(" {sign}{} °C", number(*offset))
                };
                format!(
                    "set {}'s setpoint to {}{shift}, between {} and {} °C",
                    self.device(device),
                    self.metric(source, *metric),
                    number(*min),
                    number(*max)
                )
            }
            Action::Delay { wait } => format!("wait {wait}"),
            Action::Notify { message, level } => match level {
                NotifyLevel::Info => format!("notify “{message}”"),
                NotifyLevel::Warning => format!("warn “{message}”"),
            },
        }
    }
}

/// "dusk +15 min": civil twilight is what people mean by dawn and dusk, so it
/// goes unsaid.
fn sun_moment(event: SunEvent, offset: Span) -> String {
    let name = match event {
        SunEvent::Dawn(Twilight::Civil) => "dawn".to_owned(),
        SunEvent::Dusk(Twilight::Civil) => "dusk".to_owned(),
        other => sun_label(other),
    };
    if offset.is_zero() {
        name
    } else {
        format!("{name} {offset:+}")
    }
}

/// `23:00`, or `23:00:30` when the seconds matter. Written by hand rather than
/// with chrono's `format`, whose machinery the browser would otherwise link.
fn clock(time: NaiveTime) -> String {
    let (hour, minute, second) = (time.hour(), time.minute(), time.second());
    if second == 0 {
        format!("{hour:02}:{minute:02}")
    } else {
        format!("{hour:02}:{minute:02}:{second:02}")
    }
}

/// `26`, `22.5`, `-0.125`: up to three decimals, in integer arithmetic, so
/// the browser does not link the float formatter for a rule's thresholds.
fn number(value: f64) -> String {
    let thousandths = (value * 1000.0).round() as i64;
    let sign = if thousandths < 0 { "-" } else { "" };
    let (whole, fraction) = (
        thousandths.unsigned_abs() / 1000,
        thousandths.unsigned_abs() % 1000,
    );
    if fraction == 0 {
        format!("{sign}{whole}")
    } else {
        let digits = format!("{fraction:03}");
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// " on Mon, Tue or Wed"; nothing for every day.
fn on_days(days: &[Weekday]) -> String {
    match days {
        [] => String::new(),
        [one] => format!(" on {one}"),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(Weekday::to_string).collect();
            format!(" on {} or {last}", rest.join(", "))
        }
    }
}

fn quantity(value: f64, metric: Metric) -> String {
    match metric.unit().symbol() {
        "" => number(value),
        symbol => format!("{} {symbol}", number(value)),
    }
}

/// "between 12:00 and 23:00", "after sunset", "before 06:00".
fn window(after: Option<String>, before: Option<String>, always: &str) -> String {
    match (after, before) {
        (Some(after), Some(before)) => format!("between {after} and {before}"),
        (Some(after), None) => format!("after {after}"),
        (None, Some(before)) => format!("before {before}"),
        (None, None) => always.to_owned(),
    }
}

/// "above 8 °C", "below 0°", "between 20 °C and 24 °C".
fn range(above: Option<String>, below: Option<String>) -> String {
    match (above, below) {
        (Some(above), Some(below)) => format!("between {above} and {below}"),
        (Some(above), None) => format!("above {above}"),
        (None, Some(below)) => format!("below {below}"),
        (None, None) => "anything".to_owned(),
    }
}

/// "on", "off", "in cool mode".
fn state(is: StateMatch) -> String {
    match is {
        StateMatch::On(true) => "on".to_owned(),
        StateMatch::On(false) => "off".to_owned(),
        StateMatch::Mode(mode) => format!("in {} mode", mode.label().to_ascii_lowercase()),
    }
}

/// "on", "off", "cool mode": a state as a thing a device goes from or to.
fn bare(is: StateMatch) -> String {
    match is {
        StateMatch::Mode(mode) => format!("{} mode", mode.label().to_ascii_lowercase()),
        on => state(on),
    }
}

fn turns(to: StateMatch) -> String {
    match to {
        StateMatch::On(true) => "turns on".to_owned(),
        StateMatch::On(false) => "turns off".to_owned(),
        StateMatch::Mode(mode) => format!("switches to {} mode", mode.label().to_ascii_lowercase()),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => std::iter::once(first.to_ascii_uppercase())
            .chain(chars)
            .collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::device::{Capability, Device, DeviceKind};

    fn devices() -> Vec<Device> {
        let device = |id: &str, name: &str| Device {
            id: DeviceId::new(id),
            name: name.to_owned(),
            room: "House".into(),
            kind: DeviceKind::Light,
            capabilities: vec![Capability::OnOff],
            adapter: "simulator".into(),
        };
        vec![
            device("porch-light", "Porch light"),
            device("living-room-light", "Living room light"),
            device("living-room-ac", "Living room AC"),
            device("living-room-thermometer", "Living room thermometer"),
            device("outdoor-thermometer", "Outdoor thermometer"),
            device("fridge", "Fridge"),
            device("living-room-occupancy", "Living room occupancy"),
        ]
    }

    #[track_caller]
    fn check(rule: serde_json::Value, want: &str) {
        let mut rule = rule;
        rule["id"] = json!("r");
        rule["name"] = json!("R");
        let rule: Rule = serde_json::from_value(rule).unwrap();
        assert_eq!(summary(&rule, devices().as_slice()), want);
    }

    #[test]
    fn rules_read_as_one_sentence() {
        let table = [
            (
                json!({
                    "triggers": [{"type": "sun", "event": "dusk", "twilight": "civil", "offset": {"minutes": 15}}],
                    "conditions": [{"type": "state", "device": "porch-light", "on": false}],
                    "actions": [{"type": "command", "device": "porch-light", "command": {"action": "turn_on"}}]
                }),
                "At dusk +15 min, if the porch light is off: turn the porch light on",
            ),
            (
                json!({
                    "triggers": [{"type": "sun", "event": "sunset", "offset": {"minutes": -30}},
                                 {"type": "sun", "event": "dawn", "twilight": "nautical"}],
                    "actions": [{"type": "command", "device": "porch-light", "command": {"action": "toggle"}}]
                }),
                "At sunset -30 min or at nautical dawn: toggle the porch light",
            ),
            (
                json!({
                    "triggers": [{"type": "time", "at": "23:00", "weekdays": ["Fri", "Sat"]}],
                    "conditions": [{"type": "time", "after": "12:00", "before": "23:30"},
                                   {"type": "weekday", "weekdays": ["Mon"]}],
                    "actions": [{"type": "command", "device": "living-room-light", "command": {"action": "turn_off"}},
                                {"type": "delay", "wait": {"minutes": 5}},
                                {"type": "command", "device": "porch-light", "command": {"action": "turn_off"}}]
                }),
                "At 23:00 on Fri or Sat, if between 12:00 and 23:30 and on Mon: turn the living room light off, then wait 5 min, then turn the porch light off",
            ),
            (
                json!({
                    "triggers": [{"type": "numeric", "device": "living-room-thermometer", "metric": "temperature",
                                  "crossing": "above", "threshold": 26.0, "hysteresis": 2.0, "for": {"minutes": 10}}],
                    "actions": [{"type": "command", "device": "living-room-ac", "command": {"action": "set_mode", "mode": "cool"}},
                                {"type": "command", "device": "living-room-ac", "command": {"action": "turn_on"}, "min_cycle": {"minutes": 10}}]
                }),
                "When the living room thermometer's temperature goes above 26 °C for 10 min: set the living room AC to cool mode, then turn the living room AC on (at least 10 min between switches)",
            ),
            (
                json!({
                    "triggers": [{"type": "state", "device": "living-room-ac", "to": {"on": true}},
                                 {"type": "every", "every": {"minutes": 15}}],
                    "conditions": [{"type": "state", "device": "living-room-ac", "on": true}],
                    "actions": [{"type": "track_setpoint", "device": "living-room-ac", "source": "outdoor-thermometer",
                                 "offset": -6.0, "min": 24.0, "max": 28.0}]
                }),
                "When the living room AC turns on or every 15 min, if the living room AC is on: set the living room AC's setpoint to the outdoor thermometer's temperature -6 °C, between 24 and 28 °C",
            ),
            (
                json!({
                    "triggers": [{"type": "numeric", "device": "fridge", "metric": "temperature",
                                  "crossing": "above", "threshold": 8.0, "hysteresis": 1.0, "for": {"minutes": 15}}],
                    "actions": [{"type": "notify", "message": "Shut the door", "level": "warning"}]
                }),
                "When the fridge's temperature goes above 8 °C for 15 min: warn “Shut the door”",
            ),
            (
                json!({
                    "triggers": [{"type": "numeric", "device": "living-room-occupancy", "metric": "occupancy",
                                  "crossing": "below", "threshold": 0.5, "for": {"minutes": 10}}],
                    "actions": [{"type": "command", "device": "living-room-light", "command": {"action": "turn_off"}}]
                }),
                "When the living room occupancy has been empty for 10 min: turn the living room light off",
            ),
            (
                json!({
                    "triggers": [{"type": "state", "device": "living-room-ac", "from": {"mode": "heat"}, "to": {"mode": "cool"}},
                                 {"type": "state", "device": "porch-light", "to": {"on": true}, "for": {"hours": 1}},
                                 {"type": "unavailable", "device": "fridge", "for": {"minutes": 30}},
                                 {"type": "elevation", "elevation": -3.0, "direction": "setting"},
                                 {"type": "every", "every": {"hours": 1, "minutes": 30}, "from": "06:00"}],
                    "conditions": [{"type": "or", "conditions": [
                                      {"type": "sun", "after": {"event": "sunset"}, "before": {"event": "sunrise", "offset": {"minutes": 10}}},
                                      {"type": "not", "condition": {"type": "elevation", "above": 5.0}}]},
                                   {"type": "numeric", "device": "outdoor-thermometer", "metric": "temperature", "above": 20.0, "below": 24.5}],
                    "actions": [{"type": "notify", "message": "Hello"},
                                {"type": "command", "device": "living-room-ac", "command": {"action": "set_setpoint", "value": 22.5}},
                                {"type": "command", "device": "living-room-ac", "command": {"action": "set_fan_speed", "speed": 2}}]
                }),
                "When the living room AC goes from heat mode to cool mode or when the porch light has been on for 1 h or when nothing is heard from the fridge for 30 min or when the sun sets below -3° or every 1 h 30 min from 06:00, if (between sunset and sunrise +10 min or not (the sun is above 5°)) and the outdoor thermometer's temperature is between 20 °C and 24.5 °C: notify “Hello”, then set the living room AC to 22.5 °C, then set the living room AC's fan to 2",
            ),
            (
                json!({
                    "triggers": [{"type": "numeric", "device": "attic", "metric": "humidity",
                                  "crossing": "below", "threshold": 30.0}],
                    "actions": [{"type": "command", "device": "attic", "command": {"action": "turn_on"}}]
                }),
                "When attic's humidity goes below 30 %: turn attic on",
            ),
        ];
        for (rule, want) in table {
            check(rule, want);
        }
    }

    #[test]
    fn numbers_read_as_written() {
        let table = [
            (26.0, "26"),
            (22.5, "22.5"),
            (-6.0, "-6"),
            (0.125, "0.125"),
            (-0.25, "-0.25"),
            (0.0004, "0"),
            (-0.0004, "0"),
        ];
        for (value, want) in table {
            assert_eq!(number(value), want, "{value}");
        }
    }

    #[test]
    fn every_template_has_a_summary() {
        for template in super::super::templates() {
            for rule in &template.rules {
                let line = summary(rule, devices().as_slice());
                assert!(line.contains(": "), "{line}");
            }
        }
    }
}
