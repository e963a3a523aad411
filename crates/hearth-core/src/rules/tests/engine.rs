//! The engine, driven by scripts of events at injected instants: one script
//! per trigger, condition and action kind, and the behaviours that matter to
//! the hub (holds with hysteresis, the min-cycle guard, modes, restarts).

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::London;

use super::*;
use crate::device::DeviceState;
use crate::protocol::DeviceSnapshot;
use crate::reading::Reading;
use crate::sun::{self, Site, Twilight};

fn london() -> Site {
    Site::new(51.5074, -0.1278).unwrap()
}

/// Friday 12 June 2026, 12:00 UTC (13:00 in London).
fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 12, 12, 0, 0).unwrap()
}

fn minutes(n: i64) -> DateTime<Utc> {
    noon() + Duration::minutes(n)
}

/// The house with nothing heard yet: every device in its default state.
fn world() -> World {
    World::new(house().into_iter().map(|device| {
        let on = device.can_switch().then_some(false);
        DeviceSnapshot {
            device,
            state: DeviceState {
                on,
                ..DeviceState::default()
            },
            readings: Vec::new(),
            last_seen: None,
        }
    }))
}

/// What happens at one instant of a script.
#[derive(Debug, Clone)]
enum Input {
    Tick,
    Reading(&'static str, Metric, f64),
    /// A device switched on or off.
    Switch(&'static str, bool),
}

/// A rule being driven through a script: the hub's part, in miniature.
struct Harness {
    rule: Rule,
    memory: RuleMemory,
    world: World,
}

impl Harness {
    fn new(rule: Rule, world: World) -> Harness {
        Harness {
            rule,
            memory: RuleMemory::default(),
            world,
        }
    }

    fn feed(&mut self, at: DateTime<Utc>, input: &Input) -> Vec<Decision> {
        let event = match input {
            Input::Tick => Event::Tick,
            Input::Reading(device, metric, value) => Event::Reading {
                reading: Reading::new(id(device), *metric, *value, at),
            },
            Input::Switch(device, on) => {
                let from = self.world.state(&id(device)).cloned().unwrap_or_default();
                let to = DeviceState {
                    on: Some(*on),
                    ..from.clone()
                };
                Event::StateChanged {
                    device: id(device),
                    from,
                    to,
                }
            }
        };
        self.world.apply(&event, at);
        let (memory, decisions) = evaluate(
            &self.rule,
            &self.memory,
            &self.world,
            &event,
            at,
            &london(),
            &London,
        );
        self.memory = memory;
        decisions
    }
}

/// A decision in one line: `fired 0: porch-light TurnOn`, `rejected 0`,
/// `busy 0`, `missed 0`. Steps due later than the firing show `+N min`.
fn summary(decision: &Decision) -> String {
    match decision {
        Decision::Fired(firing) => {
            let steps: Vec<String> = firing
                .steps
                .iter()
                .map(|step| {
                    let late = (step.at() - firing.at).num_minutes();
                    let when = if late == 0 {
                        String::new()
                    } else {
                        format!(" +{late} min")
                    };
                    let what = match step {
                        Step::Command {
                            device, command, ..
                        } => format!("{device} {command:?}"),
                        Step::Notify { message, .. } => format!("notify {message}"),
                        Step::Skipped { action, .. } => format!("skip {action}"),
                    };
                    what + &when
                })
                .collect();
            format!("fired {}: {}", firing.trigger, steps.join("; "))
        }
        Decision::Rejected { trigger, .. } => format!("rejected {trigger}"),
        Decision::Skipped { trigger, .. } => format!("busy {trigger}"),
        Decision::Missed { trigger, .. } => format!("missed {trigger}"),
    }
}

/// The assertion behind every script: feeding each input at its instant
/// yields exactly the decisions listed beside it.
#[track_caller]
fn check_script(harness: &mut Harness, script: &[(DateTime<Utc>, Input, &[&str])]) {
    for (at, input, want) in script {
        let got: Vec<String> = harness.feed(*at, input).iter().map(summary).collect();
        assert_eq!(got, *want, "{input:?} at {at}");
    }
}

fn script(rule: Rule, steps: &[(DateTime<Utc>, Input, &[&str])]) {
    check_script(&mut Harness::new(rule, world()), steps);
}

fn porch_on(trigger: Trigger) -> Rule {
    rule(vec![trigger], vec![], vec![turn_on("porch-light")])
}

const PORCH_ON: &[&str] = &["fired 0: porch-light TurnOn"];
const NOTHING: &[&str] = &[];

#[test]
fn sun_trigger_fires_at_the_event_plus_offset() {
    let dusk = sun::next(
        &london(),
        &London,
        SunEvent::Dusk(Twilight::Civil),
        noon(),
        2,
    )
    .unwrap();
    let at = dusk + Duration::minutes(15);
    script(
        porch_on(Trigger::Sun {
            event: SunEvent::Dusk(Twilight::Civil),
            offset: Span::minutes(15),
        }),
        &[
            (noon(), Input::Tick, NOTHING),
            (dusk, Input::Tick, NOTHING),
            (at - Duration::seconds(1), Input::Tick, NOTHING),
            (at, Input::Tick, PORCH_ON),
            (at + Duration::seconds(1), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn elevation_trigger_fires_at_the_crossing() {
    let at = sun::next_crossing(&london(), &London, 10.0, Direction::Setting, noon(), 2).unwrap();
    script(
        porch_on(Trigger::Elevation {
            elevation: 10.0,
            direction: Direction::Setting,
        }),
        &[
            (noon(), Input::Tick, NOTHING),
            (at - Duration::seconds(1), Input::Tick, NOTHING),
            (at, Input::Tick, PORCH_ON),
            (at + Duration::hours(1), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn time_trigger_fires_on_its_weekdays_and_catches_up_within_grace() {
    // 23:00 in London in June is 22:00 UTC; 12 June 2026 is a Friday.
    let friday = Trigger::Time {
        at: time(23, 0),
        weekdays: vec![chrono::Weekday::Fri],
    };
    script(
        porch_on(friday.clone()),
        &[
            (noon(), Input::Tick, NOTHING),
            (minutes(599), Input::Tick, NOTHING),
            (minutes(600), Input::Tick, PORCH_ON),
            (minutes(601), Input::Tick, NOTHING),
            // Saturday 23:00: not a Friday.
            (minutes(600 + 1440), Input::Tick, NOTHING),
        ],
    );
    // The hub was down over 23:00 and back within the grace: fires once, late.
    script(
        porch_on(friday.clone()),
        &[
            (minutes(590), Input::Tick, NOTHING),
            (minutes(610), Input::Tick, PORCH_ON),
            (minutes(611), Input::Tick, NOTHING),
        ],
    );
    // Back after the grace: the firing is reported missed, not run.
    script(
        porch_on(friday),
        &[
            (minutes(590), Input::Tick, NOTHING),
            (minutes(620), Input::Tick, &["missed 0"]),
            (minutes(621), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn every_trigger_fires_through_the_day_from_its_start() {
    // From 14:00 London time (13:00 UTC), every 15 minutes.
    script(
        porch_on(Trigger::Every {
            every: Span::minutes(15),
            from: Some(time(14, 0)),
        }),
        &[
            (noon(), Input::Tick, NOTHING),
            (minutes(30), Input::Tick, NOTHING),
            (minutes(59), Input::Tick, NOTHING),
            (minutes(60), Input::Tick, PORCH_ON),
            (minutes(74), Input::Tick, NOTHING),
            (minutes(75), Input::Tick, PORCH_ON),
            (minutes(89), Input::Tick, NOTHING),
            (minutes(90), Input::Tick, PORCH_ON),
            // Down for 45 minutes: 14:45 and 15:00 are past the grace (the
            // first is reported), 15:15 is within it and fires once.
            (
                minutes(135),
                Input::Tick,
                &["missed 0", "fired 0: porch-light TurnOn"],
            ),
            (minutes(136), Input::Tick, NOTHING),
        ],
    );
}

fn ac_on_when_hot() -> Rule {
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
}

fn temperature(value: f64) -> Input {
    Input::Reading("living-room-thermometer", Metric::Temperature, value)
}

const AC_ON: &[&str] = &["fired 0: living-room-ac TurnOn"];

#[test]
fn numeric_trigger_holds_then_fires_once_until_rearmed_below_the_hysteresis() {
    script(
        ac_on_when_hot(),
        &[
            (minutes(0), temperature(25.0), NOTHING),
            // Above 26: the hold starts; a dip to 25.9 resets it.
            (minutes(1), temperature(26.5), NOTHING),
            (minutes(8), temperature(25.9), NOTHING),
            (minutes(12), Input::Tick, NOTHING),
            // Above again from minute 13: fires at 23, by tick.
            (minutes(13), temperature(26.2), NOTHING),
            (minutes(20), temperature(27.0), NOTHING),
            (minutes(22), Input::Tick, NOTHING),
            (minutes(23), Input::Tick, AC_ON),
            (minutes(30), Input::Tick, NOTHING),
            // Below 26 but not below 24: not re-armed, so no second firing.
            (minutes(40), temperature(25.0), NOTHING),
            (minutes(41), temperature(27.0), NOTHING),
            (minutes(60), Input::Tick, NOTHING),
            // Below 24 re-arms; the next hold fires again.
            (minutes(61), temperature(23.5), NOTHING),
            (minutes(62), temperature(26.5), NOTHING),
            (minutes(72), temperature(26.4), AC_ON),
            (minutes(90), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn numeric_trigger_does_not_fire_for_a_value_already_past_when_first_seen() {
    script(
        ac_on_when_hot(),
        &[
            (minutes(0), temperature(28.0), NOTHING),
            (minutes(30), Input::Tick, NOTHING),
            (minutes(31), temperature(23.0), NOTHING),
            (minutes(32), temperature(27.0), NOTHING),
            (minutes(42), Input::Tick, AC_ON),
        ],
    );
}

#[test]
fn numeric_trigger_without_hold_fires_on_the_crossing() {
    script(
        rule(
            vec![Trigger::Numeric {
                device: id("fridge"),
                metric: Metric::Temperature,
                crossing: Crossing::Below,
                threshold: 3.0,
                hysteresis: 0.5,
                hold: None,
            }],
            vec![],
            vec![Action::Notify {
                message: "Fridge too cold".into(),
            }],
        ),
        &[
            (
                minutes(0),
                Input::Reading("fridge", Metric::Temperature, 4.0),
                NOTHING,
            ),
            (
                minutes(1),
                Input::Reading("fridge", Metric::Temperature, 2.9),
                &["fired 0: notify Fridge too cold"],
            ),
            (
                minutes(2),
                Input::Reading("fridge", Metric::Temperature, 3.2),
                NOTHING,
            ),
            (
                minutes(3),
                Input::Reading("fridge", Metric::Temperature, 2.5),
                NOTHING,
            ),
            (
                minutes(4),
                Input::Reading("fridge", Metric::Temperature, 3.5),
                NOTHING,
            ),
            (
                minutes(5),
                Input::Reading("fridge", Metric::Temperature, 2.0),
                &["fired 0: notify Fridge too cold"],
            ),
        ],
    );
}

#[test]
fn state_trigger_fires_after_its_hold_and_cancels_when_the_state_goes_back() {
    script(
        rule(
            vec![Trigger::State {
                device: id("living-room-light"),
                from: Some(StateMatch::On(false)),
                to: Some(StateMatch::On(true)),
                hold: Some(Span::minutes(5)),
            }],
            vec![],
            vec![turn_on("porch-light")],
        ),
        &[
            (
                minutes(0),
                Input::Switch("living-room-light", true),
                NOTHING,
            ),
            (minutes(4), Input::Tick, NOTHING),
            (minutes(5), Input::Tick, PORCH_ON),
            (minutes(6), Input::Tick, NOTHING),
            (
                minutes(10),
                Input::Switch("living-room-light", false),
                NOTHING,
            ),
            (
                minutes(11),
                Input::Switch("living-room-light", true),
                NOTHING,
            ),
            (
                minutes(13),
                Input::Switch("living-room-light", false),
                NOTHING,
            ),
            (minutes(20), Input::Tick, NOTHING),
            // Another device changing is not this trigger's business.
            (minutes(21), Input::Switch("bedroom-light", true), NOTHING),
            (minutes(30), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn unavailable_trigger_fires_once_per_silence() {
    let fridge = |value| Input::Reading("fridge", Metric::Temperature, value);
    script(
        rule(
            vec![Trigger::Unavailable {
                device: id("fridge"),
                hold: Span::minutes(30),
            }],
            vec![],
            vec![Action::Notify {
                message: "Fridge is silent".into(),
            }],
        ),
        &[
            (minutes(0), Input::Tick, NOTHING),
            (minutes(1), fridge(4.0), NOTHING),
            (minutes(30), Input::Tick, NOTHING),
            (
                minutes(31),
                Input::Tick,
                &["fired 0: notify Fridge is silent"],
            ),
            (minutes(45), Input::Tick, NOTHING),
            (minutes(50), fridge(4.1), NOTHING),
            (minutes(79), Input::Tick, NOTHING),
            (
                minutes(80),
                Input::Tick,
                &["fired 0: notify Fridge is silent"],
            ),
        ],
    );
}
