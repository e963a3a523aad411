//! The form editor's model: the rule being edited is the rule document
//! itself (so the form and the text view can never disagree), plus what the
//! form's fields need to read and write it: the kinds each list offers with
//! a sensible default of each, the choices of each select as wire values,
//! conditions addressed inside groups, and each problem core's `validate`
//! finds, found again at its field by its path.

use chrono::{NaiveTime, Weekday};
use hearth_core::rules::{
    Action, Condition, Crossing, Diagnostic, Rule, Span, StateMatch, SunBound, Trigger,
};
use hearth_core::sun::{Direction, SunEvent, Twilight};
use hearth_core::{Command, Device, DeviceId, HvacMode, Metric};
use leptos::prelude::*;

/// A select's choices: `(wire value, label)`.
pub(crate) type Choices = Vec<(String, String)>;

fn choices(pairs: &[(&str, &str)]) -> Choices {
    pairs
        .iter()
        .map(|(value, label)| ((*value).to_owned(), (*label).to_owned()))
        .collect()
}

/// Everything the fields of one open form share: the draft, the devices it
/// may name, the problems core finds in it, and the prefix that keeps its
/// element ids apart from another open form's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleDraft {
    pub(crate) rule: RwSignal<Rule>,
    pub(crate) devices: Signal<Vec<Device>>,
    pub(crate) problems: Signal<Vec<Diagnostic>>,
    prefix: StoredValue<String>,
}

impl RuleDraft {
    pub(crate) fn new(
        rule: RwSignal<Rule>,
        devices: Signal<Vec<Device>>,
        problems: Signal<Vec<Diagnostic>>,
        prefix: String,
    ) -> Self {
        RuleDraft {
            rule,
            devices,
            problems,
            prefix: StoredValue::new(prefix),
        }
    }

    /// The element id of the field at `path` (`triggers[0].device`).
    pub(crate) fn field_id(&self, path: &str) -> String {
        field_id(&self.prefix.get_value(), path)
    }

    /// What core says about the field at exactly `path`.
    pub(crate) fn problems_at(&self, path: &str) -> Vec<Diagnostic> {
        self.problems
            .with(|problems| at_path(problems, path).into_iter().cloned().collect())
    }

    pub(crate) fn trigger(&self, index: usize, change: impl FnOnce(&mut Trigger)) {
        self.rule.update(|rule| {
            if let Some(trigger) = rule.triggers.get_mut(index) {
                change(trigger);
            }
        });
    }

    pub(crate) fn action(&self, index: usize, change: impl FnOnce(&mut Action)) {
        self.rule.update(|rule| {
            if let Some(action) = rule.actions.get_mut(index) {
                change(action);
            }
        });
    }

    pub(crate) fn condition(&self, at: &[usize], change: impl FnOnce(&mut Condition)) {
        self.rule.update(|rule| {
            if let Some(condition) = condition_mut(&mut rule.conditions, at) {
                change(condition);
            }
        });
    }
}

/// `rule-form-new-triggers-0-device` for `triggers[0].device`.
pub(crate) fn field_id(prefix: &str, path: &str) -> String {
    let mut id = format!("rule-form-{prefix}-");
    for c in path.chars() {
        id.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    id.trim_end_matches('-').to_owned()
}

/// The problems reported at exactly `path`, in document order.
pub(crate) fn at_path<'a>(problems: &'a [Diagnostic], path: &str) -> Vec<&'a Diagnostic> {
    problems
        .iter()
        .filter(|problem| problem.path == path)
        .collect()
}

pub(crate) fn trigger_kinds() -> Choices {
    choices(&[
        ("sun", "Sun event"),
        ("elevation", "Sun elevation"),
        ("time", "Time of day"),
        ("every", "Every …"),
        ("numeric", "Value crosses a threshold"),
        ("state", "State changes"),
        ("unavailable", "Device goes quiet"),
    ])
}

pub(crate) fn trigger_kind(trigger: &Trigger) -> &'static str {
    match trigger {
        Trigger::Sun { .. } => "sun",
        Trigger::Elevation { .. } => "elevation",
        Trigger::Time { .. } => "time",
        Trigger::Every { .. } => "every",
        Trigger::Numeric { .. } => "numeric",
        Trigger::State { .. } => "state",
        Trigger::Unavailable { .. } => "unavailable",
    }
}

/// A trigger of `kind` filled in so that it is valid where it can be: the
/// first device that reports a value, or can be switched, as the kind needs.
pub(crate) fn new_trigger(kind: &str, devices: &[Device]) -> Trigger {
    match kind {
        "elevation" => Trigger::Elevation {
            elevation: 0.0,
            direction: Direction::Setting,
        },
        "time" => Trigger::Time {
            at: NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default(),
            weekdays: Vec::new(),
        },
        "every" => Trigger::Every {
            every: Span::minutes(15),
            from: None,
        },
        "numeric" => {
            let (device, metric) = sensor(devices);
            Trigger::Numeric {
                device,
                metric,
                crossing: Crossing::Above,
                threshold: 25.0,
                hysteresis: 0.0,
                hold: None,
            }
        }
        "state" => Trigger::State {
            device: switchable(devices),
            from: None,
            to: Some(StateMatch::On(true)),
            hold: None,
        },
        "unavailable" => Trigger::Unavailable {
            device: first(devices),
            hold: Span::minutes(30),
        },
        _ => Trigger::Sun {
            event: SunEvent::Dusk(Twilight::Civil),
            offset: Span::default(),
        },
    }
}

pub(crate) fn condition_kinds() -> Choices {
    choices(&[
        ("time", "Time window"),
        ("weekday", "Days of the week"),
        ("sun", "Sun window"),
        ("elevation", "Sun elevation"),
        ("numeric", "Value in a range"),
        ("state", "Device state"),
        ("and", "All of a group"),
        ("or", "Any of a group"),
        ("not", "Not"),
    ])
}

pub(crate) fn condition_kind(condition: &Condition) -> &'static str {
    match condition {
        Condition::And { .. } => "and",
        Condition::Or { .. } => "or",
        Condition::Not { .. } => "not",
        Condition::Time { .. } => "time",
        Condition::Weekday { .. } => "weekday",
        Condition::Sun { .. } => "sun",
        Condition::Elevation { .. } => "elevation",
        Condition::Numeric { .. } => "numeric",
        Condition::State { .. } => "state",
    }
}

pub(crate) fn new_condition(kind: &str, devices: &[Device]) -> Condition {
    let time = |h| NaiveTime::from_hms_opt(h, 0, 0);
    match kind {
        "weekday" => Condition::Weekday {
            weekdays: WEEKDAYS[..5].to_vec(),
        },
        "sun" => Condition::Sun {
            after: Some(SunBound {
                event: SunEvent::Sunset,
                offset: Span::default(),
            }),
            before: Some(SunBound {
                event: SunEvent::Sunrise,
                offset: Span::default(),
            }),
        },
        "elevation" => Condition::Elevation {
            above: None,
            below: Some(0.0),
        },
        "numeric" => {
            let (device, metric) = sensor(devices);
            Condition::Numeric {
                device,
                metric,
                above: Some(20.0),
                below: None,
            }
        }
        "state" => Condition::State {
            device: switchable(devices),
            is: StateMatch::On(true),
        },
        "and" => Condition::And {
            conditions: vec![new_condition("time", devices)],
        },
        "or" => Condition::Or {
            conditions: vec![new_condition("time", devices)],
        },
        "not" => Condition::Not {
            condition: Box::new(new_condition("time", devices)),
        },
        _ => Condition::Time {
            after: time(8),
            before: time(22),
        },
    }
}

pub(crate) fn action_kinds() -> Choices {
    choices(&[
        ("command", "Send a command"),
        ("track_setpoint", "Setpoint follows a sensor"),
        ("delay", "Wait"),
        ("notify", "Notify"),
    ])
}

pub(crate) fn action_kind(action: &Action) -> &'static str {
    match action {
        Action::Command { .. } => "command",
        Action::TrackSetpoint { .. } => "track_setpoint",
        Action::Delay { .. } => "delay",
        Action::Notify { .. } => "notify",
    }
}

pub(crate) fn new_action(kind: &str, devices: &[Device]) -> Action {
    match kind {
        "track_setpoint" => Action::TrackSetpoint {
            device: devices
                .iter()
                .find(|d| d.setpoint_range().is_some() && d.can_switch())
                .map_or_else(|| first(devices), |d| d.id.clone()),
            source: sensor(devices).0,
            metric: Metric::Temperature,
            offset: 0.0,
            min: 18.0,
            max: 28.0,
        },
        "delay" => Action::Delay {
            wait: Span::minutes(5),
        },
        "notify" => Action::Notify {
            message: "Something happened".to_owned(),
            level: Default::default(),
        },
        _ => Action::Command {
            device: switchable(devices),
            command: Command::TurnOn,
            min_cycle: None,
        },
    }
}

pub(crate) fn command_kinds() -> Choices {
    choices(&[
        ("turn_on", "Turn on"),
        ("turn_off", "Turn off"),
        ("toggle", "Toggle"),
        ("set_setpoint", "Set the setpoint"),
        ("set_mode", "Set the mode"),
        ("set_fan_speed", "Set the fan speed"),
    ])
}

pub(crate) fn command_kind(command: &Command) -> &'static str {
    match command {
        Command::TurnOn => "turn_on",
        Command::TurnOff => "turn_off",
        Command::Toggle => "toggle",
        Command::SetSetpoint { .. } => "set_setpoint",
        Command::SetMode { .. } => "set_mode",
        Command::SetFanSpeed { .. } => "set_fan_speed",
    }
}

pub(crate) fn new_command(kind: &str) -> Command {
    match kind {
        "turn_off" => Command::TurnOff,
        "toggle" => Command::Toggle,
        "set_setpoint" => Command::SetSetpoint { value: 22.0 },
        "set_mode" => Command::SetMode {
            mode: HvacMode::Cool,
        },
        "set_fan_speed" => Command::SetFanSpeed { speed: 1 },
        _ => Command::TurnOn,
    }
}

fn first(devices: &[Device]) -> DeviceId {
    devices
        .first()
        .map_or_else(|| DeviceId::new(""), |d| d.id.clone())
}

fn switchable(devices: &[Device]) -> DeviceId {
    devices
        .iter()
        .find(|d| d.can_switch())
        .map_or_else(|| first(devices), |d| d.id.clone())
}

fn sensor(devices: &[Device]) -> (DeviceId, Metric) {
    devices
        .iter()
        .find_map(|d| d.metrics().next().map(|metric| (d.id.clone(), metric)))
        .unwrap_or((first(devices), Metric::Temperature))
}

/// Every device by name and room, and `current` by its id if the hub does
/// not know it, so the select shows what the document says.
pub(crate) fn device_choices(devices: &[Device], current: &DeviceId) -> Choices {
    let mut list: Choices = devices
        .iter()
        .map(|d| (d.id.to_string(), format!("{} ({})", d.name, d.room)))
        .collect();
    if !devices.iter().any(|d| &d.id == current) {
        list.insert(0, (current.to_string(), format!("{current} (unknown)")));
    }
    list
}

/// The metrics `device` reports, and `current` if it is not one of them.
pub(crate) fn metric_choices(devices: &[Device], device: &DeviceId, current: Metric) -> Choices {
    let mut metrics: Vec<Metric> = devices
        .iter()
        .find(|d| &d.id == device)
        .map(|d| d.metrics().collect())
        .unwrap_or_default();
    if !metrics.contains(&current) {
        metrics.insert(0, current);
    }
    metrics
        .into_iter()
        .map(|m| (m.wire_name().to_owned(), m.label().to_owned()))
        .collect()
}

pub(crate) fn metric_from(value: &str) -> Option<Metric> {
    Metric::from_wire_name(value)
}

pub(crate) fn mode_choices() -> Choices {
    HvacMode::ALL
        .iter()
        .map(|m| (m.wire_name().to_owned(), m.label().to_owned()))
        .collect()
}

pub(crate) fn mode_from(value: &str) -> Option<HvacMode> {
    HvacMode::from_wire_name(value)
}

const SUN_LABELS: [&str; 9] = [
    "Sunrise",
    "Sunset",
    "Solar noon",
    "Civil dawn",
    "Civil dusk",
    "Nautical dawn",
    "Nautical dusk",
    "Astronomical dawn",
    "Astronomical dusk",
];

/// Sun events by their place in `SunEvent::ALL`.
pub(crate) fn sun_choices() -> Choices {
    SUN_LABELS
        .iter()
        .enumerate()
        .map(|(i, label)| (i.to_string(), (*label).to_owned()))
        .collect()
}

pub(crate) fn sun_key(event: SunEvent) -> String {
    SunEvent::ALL
        .iter()
        .position(|e| *e == event)
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn sun_from(value: &str) -> Option<SunEvent> {
    SunEvent::ALL.get(value.parse::<usize>().ok()?).copied()
}

pub(crate) fn direction_choices() -> Choices {
    choices(&[("rising", "Rising"), ("setting", "Setting")])
}

pub(crate) fn direction_key(direction: Direction) -> &'static str {
    match direction {
        Direction::Rising => "rising",
        Direction::Setting => "setting",
    }
}

pub(crate) fn direction_from(value: &str) -> Direction {
    if value == "rising" {
        Direction::Rising
    } else {
        Direction::Setting
    }
}

pub(crate) fn crossing_choices() -> Choices {
    choices(&[("above", "Rises above"), ("below", "Falls below")])
}

pub(crate) fn crossing_from(value: &str) -> Crossing {
    if value == "below" {
        Crossing::Below
    } else {
        Crossing::Above
    }
}

/// A state to match; `any` (no constraint) only where it may be left out.
pub(crate) fn state_choices(optional: bool) -> Choices {
    let mut list = Vec::new();
    if optional {
        list.push(("any".to_owned(), "Any".to_owned()));
    }
    list.push(("on".to_owned(), "On".to_owned()));
    list.push(("off".to_owned(), "Off".to_owned()));
    list.extend(HvacMode::ALL.iter().map(|m| {
        (
            format!("mode:{}", m.wire_name()),
            format!("{} mode", m.label()),
        )
    }));
    list
}

pub(crate) fn state_key(state: Option<StateMatch>) -> String {
    match state {
        None => "any".to_owned(),
        Some(StateMatch::On(true)) => "on".to_owned(),
        Some(StateMatch::On(false)) => "off".to_owned(),
        Some(StateMatch::Mode(mode)) => format!("mode:{}", mode.wire_name()),
    }
}

pub(crate) fn state_from(value: &str) -> Option<StateMatch> {
    match value {
        "on" => Some(StateMatch::On(true)),
        "off" => Some(StateMatch::On(false)),
        _ => value
            .strip_prefix("mode:")
            .and_then(HvacMode::from_wire_name)
            .map(StateMatch::Mode),
    }
}

pub(crate) const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// A span as a number of minutes, for one number field: `{"hours": 1,
/// "minutes": 30}` is 90, `{"seconds": 30}` is 0.5.
pub(crate) fn span_minutes(span: Span) -> String {
    let seconds = span.delta().num_seconds();
    if seconds % 60 == 0 {
        (seconds / 60).to_string()
    } else {
        format!("{}", seconds as f64 / 60.0)
    }
}

/// What a minutes field says, as a span of minutes and seconds; `None` when
/// it is not a number.
pub(crate) fn span_from_minutes(text: &str) -> Option<Span> {
    let minutes: f64 = text.trim().parse().ok().filter(|m: &f64| m.is_finite())?;
    let seconds = (minutes * 60.0).round() as i64;
    Some(Span {
        hours: 0,
        minutes: seconds / 60,
        seconds: seconds % 60,
    })
}

pub(crate) fn time_text(time: NaiveTime) -> String {
    if time.format("%S").to_string() == "00" {
        time.format("%H:%M").to_string()
    } else {
        time.format("%H:%M:%S").to_string()
    }
}

/// A time field's value; `None` when empty or not a time.
pub(crate) fn time_from(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .ok()
}

pub(crate) fn number_text(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A number field's value; `None` when empty or not a number.
pub(crate) fn number_from(text: &str) -> Option<f64> {
    text.trim().parse().ok().filter(|v: &f64| v.is_finite())
}

/// The condition at `at` among `conditions`: the first index picks a
/// top-level condition, each further one a member of the group before it
/// (0 for what a `not` holds).
pub(crate) fn condition_mut<'a>(
    conditions: &'a mut [Condition],
    at: &[usize],
) -> Option<&'a mut Condition> {
    let (first, rest) = at.split_first()?;
    let mut condition = conditions.get_mut(*first)?;
    for index in rest {
        condition = match condition {
            Condition::And { conditions } | Condition::Or { conditions } => {
                conditions.get_mut(*index)?
            }
            Condition::Not { condition } if *index == 0 => condition.as_mut(),
            _ => return None,
        };
    }
    Some(condition)
}

pub(crate) fn condition_at<'a>(conditions: &'a [Condition], at: &[usize]) -> Option<&'a Condition> {
    let (first, rest) = at.split_first()?;
    let mut condition = conditions.get(*first)?;
    for index in rest {
        condition = match condition {
            Condition::And { conditions } | Condition::Or { conditions } => {
                conditions.get(*index)?
            }
            Condition::Not { condition } if *index == 0 => condition.as_ref(),
            _ => return None,
        };
    }
    Some(condition)
}

/// The document path of the condition at `at`, as `validate` writes it:
/// `conditions[1].conditions[0]`, `conditions[2].condition`.
pub(crate) fn condition_path(conditions: &[Condition], at: &[usize]) -> String {
    let mut path = String::new();
    for (depth, index) in at.iter().enumerate() {
        let parent = condition_at(conditions, &at[..depth]);
        if depth == 0 {
            path = format!("conditions[{index}]");
        } else if matches!(parent, Some(Condition::Not { .. })) {
            path.push_str(".condition");
        } else {
            path.push_str(&format!(".conditions[{index}]"));
        }
    }
    path
}

/// Removes the condition at `at`; a `not` keeps what it holds.
pub(crate) fn remove_condition(conditions: &mut Vec<Condition>, at: &[usize]) {
    match at {
        [] => {}
        [index] => {
            if *index < conditions.len() {
                conditions.remove(*index);
            }
        }
        [parent @ .., index] => {
            if let Some(Condition::And { conditions } | Condition::Or { conditions }) =
                condition_mut(conditions, parent)
                && *index < conditions.len()
            {
                conditions.remove(*index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::rules::{Severity, templates, validate};
    use wasm_bindgen_test::wasm_bindgen_test;

    /// The devices the templates name, as the simulator declares them.
    pub(crate) fn house() -> Vec<Device> {
        use hearth_core::{Capability, DeviceKind};
        let device = |id: &str, kind, capabilities| Device {
            id: DeviceId::new(id),
            name: id.replace('-', " "),
            room: "House".into(),
            kind,
            capabilities,
            adapter: "simulator".into(),
        };
        let setpoint = |min, max| Capability::Setpoint {
            min,
            max,
            step: 0.5,
        };
        let thermometer = || vec![Capability::Temperature, Capability::Humidity];
        vec![
            device(
                "outdoor-thermometer",
                DeviceKind::Thermometer,
                thermometer(),
            ),
            device(
                "living-room-thermometer",
                DeviceKind::Thermometer,
                thermometer(),
            ),
            device(
                "fridge",
                DeviceKind::Fridge,
                vec![Capability::Temperature, setpoint(1.0, 8.0)],
            ),
            device(
                "living-room-ac",
                DeviceKind::AirConditioner,
                vec![
                    Capability::OnOff,
                    setpoint(16.0, 30.0),
                    Capability::Mode {
                        modes: HvacMode::ALL.to_vec(),
                    },
                    Capability::FanSpeed { max: 3 },
                ],
            ),
            device("porch-light", DeviceKind::Light, vec![Capability::OnOff]),
            device(
                "living-room-light",
                DeviceKind::Light,
                vec![Capability::OnOff],
            ),
            device(
                "living-room-occupancy",
                DeviceKind::OccupancySensor,
                vec![Capability::Occupancy],
            ),
        ]
    }

    fn kinds(list: Choices) -> Vec<String> {
        list.into_iter().map(|(value, _)| value).collect()
    }

    /// Each kind the form offers starts valid against the simulated house,
    /// and is the kind it says it is.
    #[wasm_bindgen_test]
    fn every_kind_starts_valid() {
        let devices = house();
        let mut rule = Rule {
            id: "every-kind".to_owned(),
            name: "Every kind".to_owned(),
            enabled: true,
            mode: Default::default(),
            max: None,
            triggers: Vec::new(),
            conditions: Vec::new(),
            actions: Vec::new(),
        };
        for kind in kinds(trigger_kinds()) {
            let trigger = new_trigger(&kind, &devices);
            assert_eq!(trigger_kind(&trigger), kind);
            rule.triggers.push(trigger);
        }
        for kind in kinds(condition_kinds()) {
            let condition = new_condition(&kind, &devices);
            assert_eq!(condition_kind(&condition), kind);
            rule.conditions.push(condition);
        }
        for kind in kinds(action_kinds()) {
            let action = new_action(&kind, &devices);
            assert_eq!(action_kind(&action), kind);
            rule.actions.push(action);
        }
        for kind in kinds(command_kinds()) {
            assert_eq!(command_kind(&new_command(&kind)), kind);
        }
        // The form edits the document itself: switching to the text view
        // and back gives the same rule.
        let text = crate::automations::document_text(&rule);
        assert_eq!(crate::automations::parse_document(&text), Ok(rule.clone()));
        let errors: Vec<Diagnostic> = validate(&rule, devices.as_slice())
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert_eq!(errors, [], "{rule:?}");
    }

    #[wasm_bindgen_test]
    fn selects_read_back_what_they_write() {
        for event in SunEvent::ALL {
            assert_eq!(sun_from(&sun_key(event)), Some(event));
        }
        for (value, _) in state_choices(true) {
            assert_eq!(state_key(state_from(&value)), value);
        }
        for direction in [Direction::Rising, Direction::Setting] {
            assert_eq!(direction_from(direction_key(direction)), direction);
        }
        let table = [
            ("15", Span::minutes(15)),
            ("-30", Span::minutes(-30)),
            ("0.5", Span::seconds(30)),
            ("90", Span::minutes(90)),
        ];
        for (text, span) in table {
            assert_eq!(span_from_minutes(text), Some(span), "{text}");
        }
        assert_eq!(span_minutes(Span::hours(1)), "60");
        assert_eq!(span_minutes(Span::seconds(90)), "1.5");
        assert_eq!(span_from_minutes("soon"), None);
        assert_eq!(
            time_from(&time_text(NaiveTime::from_hms_opt(23, 0, 0).unwrap())),
            NaiveTime::from_hms_opt(23, 0, 0)
        );
        assert_eq!(time_from(""), None);
    }

    #[wasm_bindgen_test]
    fn nested_conditions_are_found_at_their_document_paths() {
        let devices = house();
        let mut conditions = vec![
            new_condition("time", &devices),
            Condition::Or {
                conditions: vec![
                    new_condition("weekday", &devices),
                    new_condition("not", &devices),
                ],
            },
        ];
        let table: [(&[usize], &str); 4] = [
            (&[0], "conditions[0]"),
            (&[1], "conditions[1]"),
            (&[1, 1], "conditions[1].conditions[1]"),
            (&[1, 1, 0], "conditions[1].conditions[1].condition"),
        ];
        for (at, path) in table {
            assert_eq!(condition_path(&conditions, at), path);
            assert!(condition_at(&conditions, at).is_some(), "{path}");
        }
        remove_condition(&mut conditions, &[1, 0]);
        assert_eq!(
            condition_kind(condition_at(&conditions, &[1, 0]).unwrap()),
            "not"
        );
        remove_condition(&mut conditions, &[0]);
        assert_eq!(conditions.len(), 1);
    }

    /// A problem in a template made invalid is found at its field's path,
    /// which names the field's element.
    #[wasm_bindgen_test]
    fn problems_land_on_their_fields() {
        let mut rule = templates()[1].rules[0].clone();
        if let Trigger::Numeric { device, .. } = &mut rule.triggers[0] {
            *device = DeviceId::new("attic-thermometer");
        }
        let problems = validate(&rule, house().as_slice());
        assert_eq!(
            at_path(&problems, "triggers[0].device").len(),
            1,
            "{problems:?}"
        );
        assert_eq!(
            field_id("new", "conditions[1].conditions[0].after"),
            "rule-form-new-conditions-1--conditions-0--after"
        );
    }
}
