//! Tests for rules: the JSON form, validation, evaluation with an injected
//! clock, schedules and the templates.

use chrono::NaiveTime;
use serde_json::json;

use super::*;
use crate::command::Command;
use crate::device::{Capability, Device, DeviceId, DeviceKind, HvacMode};
use crate::reading::Metric;
use crate::sun::{Direction, SunEvent};

/// A document must serialise to exactly `want` and parse back to itself.
#[track_caller]
fn check_json<T>(value: T, want: serde_json::Value)
where
    T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let got = serde_json::to_value(&value).unwrap();
    assert_eq!(got, want, "JSON form of {value:?}");
    let back: T = serde_json::from_value(want).unwrap();
    assert_eq!(back, value);
}

#[test]
fn json_forms() {
    use crate::sun::Twilight;
    check_json(
        Trigger::Sun {
            event: SunEvent::Dusk(Twilight::Civil),
            offset: Span::minutes(15),
        },
        json!({"type": "sun", "event": "dusk", "twilight": "civil", "offset": {"minutes": 15}}),
    );
    check_json(
        Trigger::Sun {
            event: SunEvent::Sunset,
            offset: Span::default(),
        },
        json!({"type": "sun", "event": "sunset"}),
    );
    check_json(
        Condition::State {
            device: id("ac"),
            is: StateMatch::On(true),
        },
        json!({"type": "state", "device": "ac", "on": true}),
    );
    check_json(
        Condition::Sun {
            after: Some(SunBound {
                event: SunEvent::Sunset,
                offset: Span::minutes(-30),
            }),
            before: None,
        },
        json!({"type": "sun", "after": {"event": "sunset", "offset": {"minutes": -30}}}),
    );
}

#[test]
fn a_whole_rule_parses_from_its_documented_form() {
    let text = json!({
        "id": "porch-light-at-dusk",
        "name": "Porch light at dusk",
        "triggers": [
            {"type": "time", "at": "23:00", "weekdays": ["mon", "Tue", "friday"]},
        ],
        "actions": [
            {"type": "command", "device": "porch-light", "command": {"action": "turn_on"}},
        ],
    });
    let rule: Rule = serde_json::from_value(text).unwrap();
    assert!(rule.enabled);
    assert_eq!(rule.mode, Mode::Single);
    // Times and weekdays come back in their canonical spelling.
    assert_eq!(
        serde_json::to_value(&rule.triggers[0]).unwrap(),
        json!({"type": "time", "at": "23:00:00", "weekdays": ["Mon", "Tue", "Fri"]})
    );
}

/// The simulated house's devices, as `crates/hearth-hub/src/simulator/house.rs`
/// declares them (core cannot depend on the hub, so they are restated here).
fn house() -> Vec<Device> {
    use Capability::{Battery, Humidity, Occupancy, OnOff, Temperature};
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
    vec![
        device(
            "outdoor-thermometer",
            DeviceKind::Thermometer,
            vec![Temperature, Humidity],
        ),
        device(
            "living-room-thermometer",
            DeviceKind::Thermometer,
            vec![Temperature, Humidity, Battery],
        ),
        device(
            "bedroom-thermometer",
            DeviceKind::Thermometer,
            vec![Temperature, Humidity, Battery],
        ),
        device(
            "kitchen-thermometer",
            DeviceKind::Thermometer,
            vec![Temperature, Humidity],
        ),
        device(
            "fridge",
            DeviceKind::Fridge,
            vec![Temperature, setpoint(1.0, 8.0)],
        ),
        device(
            "living-room-ac",
            DeviceKind::AirConditioner,
            vec![
                OnOff,
                setpoint(16.0, 30.0),
                Capability::Mode {
                    modes: HvacMode::ALL.to_vec(),
                },
                Capability::FanSpeed { max: 3 },
            ],
        ),
        device(
            "bedroom-heater",
            DeviceKind::Heater,
            vec![OnOff, setpoint(5.0, 30.0)],
        ),
        device("living-room-light", DeviceKind::Light, vec![OnOff]),
        device("bedroom-light", DeviceKind::Light, vec![OnOff]),
        device("porch-light", DeviceKind::Light, vec![OnOff]),
        device(
            "bedroom-fan",
            DeviceKind::Fan,
            vec![OnOff, Capability::FanSpeed { max: 3 }],
        ),
        device(
            "living-room-occupancy",
            DeviceKind::OccupancySensor,
            vec![Occupancy],
        ),
    ]
}

fn id(text: &str) -> DeviceId {
    DeviceId::new(text)
}

/// A rule with one trigger, the given conditions and actions.
fn rule(triggers: Vec<Trigger>, conditions: Vec<Condition>, actions: Vec<Action>) -> Rule {
    Rule {
        id: "test".into(),
        name: "Test".into(),
        enabled: true,
        mode: Mode::Single,
        max: None,
        triggers,
        conditions,
        actions,
    }
}

fn turn_on(device: &str) -> Action {
    Action::Command {
        device: id(device),
        command: Command::TurnOn,
        min_cycle: None,
    }
}

fn hot(device: &str, threshold: f64, hysteresis: f64, hold: Option<Span>) -> Trigger {
    Trigger::Numeric {
        device: id(device),
        metric: Metric::Temperature,
        crossing: Crossing::Above,
        threshold,
        hysteresis,
        hold,
    }
}

/// The assertion behind every validation case: exactly these paths, with
/// these severities, in document order.
#[track_caller]
fn check_diagnostics(rule: &Rule, want: &[(&str, Severity)]) {
    let found = validate(rule, house().as_slice());
    let got: Vec<(&str, Severity)> = found
        .iter()
        .map(|d| (d.path.as_str(), d.severity))
        .collect();
    assert_eq!(got, want, "{found:#?}");
}

#[test]
fn validation_reports_every_problem_with_its_path() {
    use Severity::{Error, Warning};
    let sound = || {
        rule(
            vec![hot(
                "living-room-thermometer",
                26.0,
                2.0,
                Some(Span::minutes(10)),
            )],
            vec![],
            vec![turn_on("living-room-ac")],
        )
    };
    let table: Vec<(Rule, Vec<(&str, Severity)>)> = vec![
        (sound(), vec![]),
        (
            Rule {
                id: " ".into(),
                triggers: vec![],
                actions: vec![],
                ..sound()
            },
            vec![("id", Error), ("triggers", Error), ("actions", Error)],
        ),
        (
            Rule {
                id: "porch/light?".into(),
                ..sound()
            },
            vec![("id", Error)],
        ),
        (
            Rule {
                max: Some(3),
                ..sound()
            },
            vec![("max", Warning)],
        ),
        (
            Rule {
                mode: Mode::Queued,
                max: Some(0),
                ..sound()
            },
            vec![("max", Error)],
        ),
        // Unknown device, a metric the device lacks, a bad threshold, negative
        // hysteresis and a negative hold, all in one trigger list.
        (
            rule(
                vec![
                    hot("attic-thermometer", 26.0, 0.0, None),
                    Trigger::Numeric {
                        device: id("porch-light"),
                        metric: Metric::Humidity,
                        crossing: Crossing::Below,
                        threshold: 140.0,
                        hysteresis: -1.0,
                        hold: Some(Span::minutes(-5)),
                    },
                    hot("fridge", 149.0, 0.0, Some(Span::hours(9000))),
                    hot("fridge", -89.0, 5.0, None),
                ],
                vec![],
                vec![turn_on("living-room-ac")],
            ),
            vec![
                ("triggers[0].device", Error),
                ("triggers[1].metric", Error),
                ("triggers[1].threshold", Error),
                ("triggers[1].hysteresis", Error),
                ("triggers[1].for", Error),
                ("triggers[2].for", Error),
                ("triggers[3].hysteresis", Error),
            ],
        ),
        (
            rule(
                vec![
                    Trigger::Sun {
                        event: SunEvent::Sunset,
                        offset: Span::hours(13),
                    },
                    Trigger::Elevation {
                        elevation: 91.0,
                        direction: Direction::Rising,
                    },
                    Trigger::Every {
                        every: Span::seconds(30),
                        from: None,
                    },
                    Trigger::Every {
                        every: Span::default(),
                        from: None,
                    },
                    Trigger::State {
                        device: id("outdoor-thermometer"),
                        from: None,
                        to: Some(StateMatch::On(true)),
                        hold: None,
                    },
                    Trigger::State {
                        device: id("living-room-ac"),
                        from: Some(StateMatch::On(true)),
                        to: Some(StateMatch::Mode(HvacMode::Cool)),
                        hold: None,
                    },
                    Trigger::State {
                        device: id("bedroom-heater"),
                        from: Some(StateMatch::Mode(HvacMode::Cool)),
                        to: None,
                        hold: None,
                    },
                    Trigger::Unavailable {
                        device: id("fridge"),
                        hold: Span::default(),
                    },
                ],
                vec![],
                vec![turn_on("living-room-ac")],
            ),
            vec![
                ("triggers[0].offset", Warning),
                ("triggers[1].elevation", Error),
                ("triggers[2].every", Error),
                ("triggers[3].every", Error),
                ("triggers[4].to", Error),
                ("triggers[5].to", Error),
                ("triggers[6].from", Error),
                ("triggers[7].for", Error),
            ],
        ),
        // Nested conditions report their full path; a window across midnight
        // is fine.
        (
            rule(
                vec![hot("living-room-thermometer", 26.0, 0.0, None)],
                vec![
                    Condition::Time {
                        after: Some(time(22, 0)),
                        before: Some(time(6, 0)),
                    },
                    Condition::Or {
                        conditions: vec![
                            Condition::Time {
                                after: Some(time(8, 0)),
                                before: Some(time(8, 0)),
                            },
                            Condition::Not {
                                condition: Box::new(Condition::Numeric {
                                    device: id("fridge"),
                                    metric: Metric::Humidity,
                                    above: Some(5.0),
                                    below: Some(3.0),
                                }),
                            },
                            Condition::And { conditions: vec![] },
                        ],
                    },
                    Condition::Weekday { weekdays: vec![] },
                    Condition::Sun {
                        after: None,
                        before: None,
                    },
                    Condition::Elevation {
                        above: Some(-100.0),
                        below: None,
                    },
                    Condition::State {
                        device: id("bedroom-fan"),
                        is: StateMatch::Mode(HvacMode::Dry),
                    },
                ],
                vec![turn_on("living-room-ac")],
            ),
            vec![
                ("conditions[1].conditions[0].before", Error),
                ("conditions[1].conditions[1].condition.metric", Error),
                ("conditions[1].conditions[1].condition.below", Error),
                ("conditions[1].conditions[2].conditions", Error),
                ("conditions[2].weekdays", Error),
                ("conditions[3]", Error),
                ("conditions[4].above", Error),
                ("conditions[5].mode", Error),
            ],
        ),
        (
            rule(
                vec![hot("living-room-thermometer", 26.0, 0.0, None)],
                vec![],
                vec![
                    turn_on("kitchen-thermometer"),
                    Action::Command {
                        device: id("living-room-ac"),
                        command: Command::SetSetpoint { value: 40.0 },
                        min_cycle: Some(Span::minutes(10)),
                    },
                    Action::TrackSetpoint {
                        device: id("living-room-light"),
                        source: id("outdoor-thermometer"),
                        metric: Metric::Battery,
                        offset: -6.0,
                        min: 24.0,
                        max: 22.0,
                    },
                    Action::TrackSetpoint {
                        device: id("fridge"),
                        source: id("nowhere"),
                        metric: Metric::Temperature,
                        offset: 0.0,
                        min: 0.0,
                        max: 8.0,
                    },
                    Action::Delay {
                        wait: Span::seconds(-1),
                    },
                    Action::Notify {
                        message: String::new(),
                        level: NotifyLevel::Info,
                    },
                ],
            ),
            vec![
                ("actions[0].command", Error),
                ("actions[1].command", Error),
                ("actions[1].min_cycle", Warning),
                ("actions[2].metric", Error),
                ("actions[2].max", Error),
                ("actions[2].device", Error),
                ("actions[3].source", Error),
                ("actions[3].min", Error),
                ("actions[4].wait", Error),
                ("actions[5].message", Error),
            ],
        ),
    ];
    for (rule, want) in table {
        check_diagnostics(&rule, &want);
    }
}

fn time(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
}

mod decode;
mod engine;
mod schedule;

#[test]
fn templates_validate_cleanly_against_the_simulated_house() {
    let found = templates();
    let ids: Vec<&str> = found.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "lights-at-dusk",
            "cool-when-hot",
            "setpoint-follows-outdoor",
            "fridge-alert",
            "lights-off-when-empty",
        ]
    );
    for template in &found {
        assert!(!template.rules.is_empty(), "{}", template.id);
        for rule in &template.rules {
            check_diagnostics(rule, &[]);
            let text = serde_json::to_string(rule).unwrap();
            assert_eq!(&serde_json::from_str::<Rule>(&text).unwrap(), rule);
        }
    }
}

/// The rules in `docs/automations.md`'s `json` blocks: before the templates
/// section, examples that must validate cleanly; after it, exactly the
/// shipped templates.
#[test]
fn the_documented_rules_are_valid_and_the_templates_match_the_code() {
    let doc = include_str!("../../../../docs/automations.md");
    let (examples, shipped) = doc.split_once("\n## Templates").unwrap();
    let rules_in = |text: &str| -> Vec<Rule> {
        text.split("```json\n")
            .skip(1)
            .filter_map(|block| block.split_once("```").map(|(json, _)| json))
            .filter(|json| json.contains("\"triggers\""))
            .flat_map(|json| match serde_json::from_str::<Vec<Rule>>(json) {
                Ok(rules) => rules,
                Err(_) => vec![serde_json::from_str::<Rule>(json).unwrap()],
            })
            .collect()
    };
    let examples = rules_in(examples);
    assert!(!examples.is_empty());
    for rule in &examples {
        check_diagnostics(rule, &[]);
    }
    let code: Vec<Rule> = templates().into_iter().flat_map(|t| t.rules).collect();
    assert_eq!(rules_in(shipped), code);
}
