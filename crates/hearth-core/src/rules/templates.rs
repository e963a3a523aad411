//! The automations Hearth ships ready-made: each a function of the devices
//! it drives, and [`templates`] filling them in for the simulated house.
//! Some need two rules (one to switch on, one to switch off), because a
//! rule's actions do not depend on which of its triggers fired.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use super::{Action, Condition, Crossing, Mode, NotifyLevel, Rule, Span, StateMatch, Trigger};
use crate::command::Command;
use crate::device::{DeviceId, HvacMode};
use crate::reading::Metric;
use crate::sun::{SunEvent, Twilight};

/// A ready-made automation, as the dashboard offers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub id: String,
    pub name: String,
    pub description: String,
    pub rules: Vec<Rule>,
}

/// The five shipped templates, filled in with the simulated house's devices.
pub fn templates() -> Vec<Template> {
    let id = DeviceId::new;
    vec![
        lights_at_dusk(&[id("porch-light"), id("living-room-light")]),
        cool_when_hot(&id("living-room-thermometer"), &id("living-room-ac")),
        setpoint_follows_outdoor(&id("outdoor-thermometer"), &id("living-room-ac")),
        fridge_alert(&id("fridge")),
        lights_off_when_empty(&id("living-room-occupancy"), &[id("living-room-light")]),
    ]
}

/// Lights on at civil dusk, off at 23:00.
pub fn lights_at_dusk(lights: &[DeviceId]) -> Template {
    let eleven = NaiveTime::from_hms_opt(23, 0, 0).expect("23:00 is a time");
    let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("12:00 is a time");
    Template {
        id: "lights-at-dusk".into(),
        name: "Lights on at dusk".into(),
        description: "Turns the lights on at civil dusk and off at 23:00.".into(),
        rules: vec![
            Rule {
                // Far north in summer, dusk can come after 23:00 or not at
                // all: the window keeps the lights from coming on after
                // they were meant to go off.
                conditions: vec![Condition::Time {
                    after: Some(noon),
                    before: Some(eleven),
                }],
                ..rule(
                    "lights-at-dusk-on",
                    "Lights on at dusk",
                    vec![Trigger::Sun {
                        event: SunEvent::Dusk(Twilight::Civil),
                        offset: Span::default(),
                    }],
                    switch_all(lights, Command::TurnOn),
                )
            },
            rule(
                "lights-at-dusk-off",
                "Lights off at 23:00",
                vec![Trigger::Time {
                    at: eleven,
                    weekdays: Vec::new(),
                }],
                switch_all(lights, Command::TurnOff),
            ),
        ],
    }
}

/// How long an air conditioner must stay on or off before it switches again.
const AC_MIN_CYCLE: Span = Span::minutes(10);

/// Cooling on when the room has been above 26 °C for 10 minutes, off when it
/// falls below 24 °C. The 2 °C between them is both rules' hysteresis, and a
/// ten-minute minimum cycle protects the compressor.
pub fn cool_when_hot(thermometer: &DeviceId, ac: &DeviceId) -> Template {
    let crossing = |crossing, threshold, hold| Trigger::Numeric {
        device: thermometer.clone(),
        metric: Metric::Temperature,
        crossing,
        threshold,
        hysteresis: 2.0,
        hold,
    };
    let switch = |command| Action::Command {
        device: ac.clone(),
        command,
        min_cycle: Some(AC_MIN_CYCLE),
    };
    Template {
        id: "cool-when-hot".into(),
        name: "AC on when hot".into(),
        description: "Turns the AC on to cool when the room has been above 26 °C for 10 \
                      minutes, and off when it is below 24 °C."
            .into(),
        rules: vec![
            rule(
                "cool-when-hot-on",
                "AC on when hot",
                vec![crossing(Crossing::Above, 26.0, Some(Span::minutes(10)))],
                vec![
                    Action::Command {
                        device: ac.clone(),
                        command: Command::SetMode {
                            mode: HvacMode::Cool,
                        },
                        min_cycle: None,
                    },
                    switch(Command::TurnOn),
                ],
            ),
            rule(
                "cool-when-hot-off",
                "AC off when cool",
                vec![crossing(Crossing::Below, 24.0, None)],
                vec![switch(Command::TurnOff)],
            ),
        ],
    }
}

/// While the AC runs, its setpoint follows the outdoor temperature: 6 °C
/// below it, between 24 and 28 °C, so the house is never chilled far below
/// the weather. Set when the AC comes on and every 15 minutes after.
pub fn setpoint_follows_outdoor(outdoor: &DeviceId, ac: &DeviceId) -> Template {
    Template {
        id: "setpoint-follows-outdoor".into(),
        name: "AC setpoint follows outdoors".into(),
        description: "Keeps the AC's setpoint 6 °C below the outdoor temperature, between \
                      24 and 28 °C."
            .into(),
        rules: vec![Rule {
            conditions: vec![Condition::State {
                device: ac.clone(),
                is: StateMatch::On(true),
            }],
            ..rule(
                "setpoint-follows-outdoor",
                "AC setpoint follows outdoors",
                vec![
                    Trigger::State {
                        device: ac.clone(),
                        from: None,
                        to: Some(StateMatch::On(true)),
                        hold: None,
                    },
                    Trigger::Every {
                        every: Span::minutes(15),
                        from: None,
                    },
                ],
                vec![Action::TrackSetpoint {
                    device: ac.clone(),
                    source: outdoor.clone(),
                    metric: Metric::Temperature,
                    offset: -6.0,
                    min: 24.0,
                    max: 28.0,
                }],
            )
        }],
    }
}

/// A notification when the fridge has been above 8 °C for 15 minutes; it
/// re-arms once the fridge is back below 7 °C.
pub fn fridge_alert(fridge: &DeviceId) -> Template {
    Template {
        id: "fridge-alert".into(),
        name: "Fridge too warm".into(),
        description: "Tells you when the fridge has been above 8 °C for 15 minutes.".into(),
        rules: vec![rule(
            "fridge-alert",
            "Fridge too warm",
            vec![Trigger::Numeric {
                device: fridge.clone(),
                metric: Metric::Temperature,
                crossing: Crossing::Above,
                threshold: 8.0,
                hysteresis: 1.0,
                hold: Some(Span::minutes(15)),
            }],
            vec![Action::Notify {
                message: "The fridge has been above 8 °C for 15 minutes: is the door shut?".into(),
                level: NotifyLevel::Warning,
            }],
        )],
    }
}

/// Lights off when the room has been empty for 10 minutes.
pub fn lights_off_when_empty(occupancy: &DeviceId, lights: &[DeviceId]) -> Template {
    Template {
        id: "lights-off-when-empty".into(),
        name: "Lights off when empty".into(),
        description: "Turns the lights off when the room has been empty for 10 minutes.".into(),
        rules: vec![rule(
            "lights-off-when-empty",
            "Lights off when empty",
            // Occupancy reads 1 or 0: below 0.5 is empty.
            vec![Trigger::Numeric {
                device: occupancy.clone(),
                metric: Metric::Occupancy,
                crossing: Crossing::Below,
                threshold: 0.5,
                hysteresis: 0.0,
                hold: Some(Span::minutes(10)),
            }],
            switch_all(lights, Command::TurnOff),
        )],
    }
}

fn rule(id: &str, name: &str, triggers: Vec<Trigger>, actions: Vec<Action>) -> Rule {
    Rule {
        id: id.into(),
        name: name.into(),
        enabled: true,
        mode: Mode::Single,
        max: None,
        triggers,
        conditions: Vec::new(),
        actions,
    }
}

fn switch_all(devices: &[DeviceId], command: Command) -> Vec<Action> {
    devices
        .iter()
        .map(|device| Action::Command {
            device: device.clone(),
            command: command.clone(),
            min_cycle: None,
        })
        .collect()
}
